"""Finding procedures: words in any language without diacritics, and filters."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from motcua.catalog.models import Procedure, ProcedureOffer
from motcua.lib.text import search_words
from motcua.units.models import Unit, UnitKind, level_kinds

MAX_WORDS = 8


@dataclass(frozen=True)
class Filters:
    q: str = ""
    field: str = ""  # a field code, e.g. ho_tich
    unit: Unit | None = None  # procedures this unit implements
    level: str = ""  # ministry, province, commune
    full_only: bool = False
    programme: str = ""  # a key of the catalog's programmes, e.g. project-06




def implemented_by(unit: Unit) -> Q:
    """Procedures a unit takes in: those it implements, and those its desk hands over to a higher level.

    A ministry or People's Committee implements the procedures that name no agency at its level; a
    department those of its agency; a procedure's `receivers` name the (level, agency) pairs instead
    (the Health Department for large kitchens, the commune for small ones). A level's administration
    also lists the procedures its desk may take in for a higher level (`hand_over`: the commune's desk
    receives the provincial land procedure). A one-stop desk implements none (it receives for others).
    """
    implements = (
        by_rule(unit)
        # A procedure the unit's administrator stopped (catalog.ProcedureOffer) is not the unit's.
        & ~Q(pk__in=ProcedureOffer.objects.filter(unit=unit, offered=False).values("procedure_id"))
    )
    if unit.kind in level_kinds():
        implements |= Q(hand_over_key__contains=f",{unit.level},")
    return implements


def by_rule(unit: Unit) -> Q:
    """The catalog's rule alone (level and agency, or the receivers; unit codes), before any administrator's word."""
    if unit.kind in level_kinds():
        agency = ""
    elif unit.kind == UnitKind.DEPARTMENT and unit.agency:
        agency = unit.agency
    else:
        return Q(pk__in=[])
    return (
        Q(implementers_key__contains=f",{unit.level}/{agency},")
        & (Q(unit_codes_key="") | Q(unit_codes_key__contains=f",{unit.code},"))
    )


def search(filters: Filters) -> QuerySet[Procedure]:
    qs = Procedure.objects.filter(active=True, current__isnull=False)
    # Every word must appear somewhere in the folded code, names or field (their words
    # run together too: "khaisinh" finds "khai sinh"); a hyphen separates words like a space.
    for word in search_words(filters.q)[:MAX_WORDS]:
        qs = qs.filter(search_text__contains=word)
    if filters.field:
        qs = qs.filter(field_code=filters.field)
    if filters.level:
        qs = qs.filter(levels_key__contains=f",{filters.level},")
    if filters.unit is not None:
        qs = qs.filter(implemented_by(filters.unit))
    if filters.full_only:
        qs = qs.filter(service_mode="full")
    if filters.programme:
        qs = qs.filter(programmes_key__contains=f",{filters.programme},")
    # A listing shows the current version's number, never its definition: loading
    # and decoding every row's definition JSON (and YAML text) took most of a
    # 100-row API answer (p95 ~95 ms over 5,000 procedures, bench/catalog_search.py).
    return (
        qs.select_related("current")
        .defer("search_text", "current__definition", "current__source_text")
        .order_by("code")
    )


def _implementer(level_q: Q, agency: str) -> Q:
    if agency:
        return level_q & Q(kind=UnitKind.DEPARTMENT, agency=agency)
    # The administration of the level itself (a ministry, a People's Committee, a union parishad).
    return level_q & Q(kind__in=level_kinds())


def implementing_units(procedure: Procedure, receivers: list[dict] | None = None) -> QuerySet[Unit]:
    """The units that may receive a dossier of the procedure.

    With `receivers` (the definition's, catalog/who.py: a level and agency chosen by a condition),
    the units of every entry given, or of all of them when the procedure has some.
    """
    if receivers is None and procedure.current_id is not None:
        receivers = procedure.current.definition.get("receivers")
    if receivers:
        condition = Q(pk__in=[])
        for entry in receivers:
            condition |= _implementer(Q(level=entry["level"]), entry.get("agency", ""))
        units = Unit.objects.filter(condition)
    else:
        units = Unit.objects.filter(_implementer(Q(level__in=procedure.levels), procedure.agency))
    if procedure.unit_codes_key:
        units = units.filter(code__in=[c for c in procedure.unit_codes_key.split(",") if c])
    # Units whose administrator stopped receiving it (catalog.ProcedureOffer): filing refuses them.
    return units.exclude(pk__in=ProcedureOffer.objects.filter(procedure=procedure, offered=False).values("unit_id"))
