"""Filing a new dossier (submit): the applicant's side of the actions layer."""

from __future__ import annotations

from typing import Protocol

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog import who
from motcua.catalog.derived import derive
from motcua.catalog.forms import check_declared, validate_form
from motcua.catalog.models import Procedure, ProcedureOffer
from motcua.catalog.search import implementing_units
from motcua.dossiers import pricing, workflow
from motcua.dossiers.actions import history
from motcua.dossiers.actions.components import check_components
from motcua.dossiers.actions.payments import pays_at_submission
from motcua.dossiers.codes import format_code, next_sequence
from motcua.dossiers.facts import sources_mask
from motcua.dossiers.models import Channel, Dossier, Status
from motcua.lib.compiled import Compiled, insert
from motcua.lib.errors import Forbidden, Invalid
from motcua.units.models import Unit, UnitKind, level_kinds
from motcua.vault import submission as vault_submission


class CounterFiling(Protocol):
    """What `submit` asks of a filing made at the one-stop counter or received by post (counter.py)."""

    officer: object
    units: object  # a queryset of the units the officer may file at

    def save_applicant(self) -> None: ...

    def event_data(self) -> dict: ...

    def inside(self, dossier: Dossier) -> None: ...


def _resolve_unit(
    procedure: Procedure, applicant, unit_code: str | None, candidates=None, *, data: dict | None = None, channel: int = 2
) -> tuple[Unit, Unit | None]:
    """The unit that receives and decides, and the lower desk that takes the dossier in for it (or None).

    `candidates`: the units a counter filing may name (the officer's, counter.py); online, every implementing
    unit. The procedure's `receivers` narrow them by the form and channel (catalog/who.py); its `hand_over`
    lets a desk of a lower level take the dossier in for the nearest implementing unit above it.
    """
    definition = procedure.current.definition
    chosen = who.receiver(definition, data or {}, channel)
    levels = who.hand_over_levels(definition)
    near = None
    if candidates is None and not unit_code and not levels:
        # Online, no unit named, no lower desk: the nearest implementing unit over the applicant's home.
        near = _implementing_near(procedure, chosen, applicant)
        if near:
            return _nearest(near, applicant.citizen.home_unit), None
    implementing = implementing_units(procedure, [chosen] if chosen else None)
    lower = Unit.objects.filter(level__in=levels, kind__in=level_kinds()) if levels else Unit.objects.none()
    if candidates is None:
        candidates, desks = implementing, lower
    else:
        desks = candidates.filter(pk__in=lower.values("pk"))
        candidates = candidates.filter(pk__in=implementing.values("pk"))
    if unit_code:
        unit = candidates.filter(code=unit_code).first()
        if unit is not None:
            return unit, None
        desk = desks.filter(code=unit_code).first()
        if desk is not None:
            return _above(desk, implementing), desk
        raise Invalid(
            _("Đơn vị %(unit)s không thực hiện thủ tục này.") % {"unit": unit_code},
            code="unknown_unit", choices=list(candidates.values_list("code", flat=True)[:50]),
        )
    if levels and not candidates.exists():  # only a procedure a lower desk may take in asks (one statement less)
        found = list(desks[:2])
        if len(found) == 1:
            return _above(found[0], implementing), found[0]
    return _resolve_home(candidates, applicant, near), None


def _offering_near(units, procedure_id, ancestors, parents):
    # At or directly under the home's ancestors, and not a unit that stopped offering the procedure.
    return (units.filter(Q(pk__in=ancestors) | Q(parent_id__in=parents))
            .exclude(pk__in=ProcedureOffer.objects.filter(procedure_id=procedure_id, offered=False).values("unit_id")))


def _near_query(levels, kinds, procedure_id, ancestors, parents):
    return _offering_near(Unit.objects.filter(level__in=levels, kind__in=kinds), procedure_id, ancestors, parents)


def _near_department_query(levels, agency, procedure_id, ancestors, parents):
    return _offering_near(Unit.objects.filter(level__in=levels, kind=UnitKind.DEPARTMENT, agency=agency),
                          procedure_id, ancestors, parents)


# An online submission's unit: the implementing units over the applicant's home (compiled once per
# shape, lib/compiled.py; building this query from the procedure's levels and agency was a tenth of a
# submit's CPU). The same rows as `implementing_units(…).filter(near)` in `_resolve_home`.
_NEAR: Compiled[Unit] = Compiled(_near_query)
_NEAR_DEPARTMENT: Compiled[Unit] = Compiled(_near_department_query)


def _implementing_near(procedure: Procedure, chosen: dict | None, applicant) -> list[Unit] | None:
    """The implementing units at or directly under the applicant's home and its ancestors, when the procedure
    names its implementers by one (levels, agency) pair (most do); None: let `_resolve_home` query them."""
    home = getattr(getattr(applicant, "citizen", None), "home_unit", None)
    if home is None or procedure.unit_codes_key:
        return None
    if chosen:
        levels, agency = [chosen["level"]], chosen.get("agency", "")
    elif procedure.current.definition.get("receivers"):
        return None  # several receivers, none chosen: every one of them (catalog/search.py)
    else:
        levels, agency = list(procedure.levels), procedure.agency
    ancestors = list(home.ancestor_ids)
    if agency:
        return _NEAR_DEPARTMENT(levels, agency, procedure.pk, ancestors, ancestors)
    return _NEAR(levels, sorted(level_kinds()), procedure.pk, ancestors, ancestors)


def _above(desk: Unit, implementing) -> Unit:
    """The implementing unit nearest above a lower desk: its own subtree first, then its parent's, and so on."""
    for pk in reversed(desk.ancestor_ids):
        prefix = Unit.objects.filter(pk=pk).values_list("path", flat=True).first()
        found = implementing.filter(path__startswith=prefix).order_by("path").first()
        if found is not None:
            return found
    raise Invalid(_("Không có đơn vị nào phía trên %(unit)s thực hiện thủ tục này.") % {"unit": desk.code},
                  code="unknown_unit")


def _nearest(near, home: Unit) -> Unit | None:
    """Of the units at or directly under `home` and its ancestors, the one whose anchor lies deepest."""
    depth = {pk: i for i, pk in enumerate(home.ancestor_ids)}

    def anchor_depth(unit: Unit) -> int:
        # How deep the ancestor of home that the unit is, or hangs under, lies.
        return depth[unit.pk] if unit.pk in depth else depth[unit.parent_id]

    return max(near, key=anchor_depth, default=None)


def _resolve_home(candidates, applicant, near: list[Unit] | None = None) -> Unit:
    """`near`: the candidates at or directly under the applicant's home and its ancestors, when already read."""
    home = getattr(getattr(applicant, "citizen", None), "home_unit", None)
    if home is not None:
        # The unit over the applicant's registered residence: the administration itself,
        # or the agency directly under it (the police of the commune, of the province…);
        # the nearest one wins.
        if near is None:
            ancestors = home.ancestor_ids
            near = candidates.filter(Q(pk__in=ancestors) | Q(parent_id__in=ancestors))
        best = _nearest(near, home)
        if best is not None:
            return best
    units = list(candidates[:2])
    if len(units) == 1:
        return units[0]
    raise Invalid(
        _("Hãy chọn đơn vị tiếp nhận hồ sơ."), code="unit_required",
        choices=list(candidates.values_list("code", flat=True)[:50]),
    )


def submit(
    applicant,
    procedure_code: str,
    data: object,
    *,
    unit_code: str | None = None,
    channel: int = Channel.ONLINE,
    components: list | None = None,
    procedure: Procedure | None = None,
    counter: CounterFiling | None = None,
) -> Dossier:
    """File a new dossier (status 1) under the procedure's current version; its workflow starts.

    `procedure`: the active procedure `procedure_code` names, with its current version, when the
    caller has just read it (the API does, to check the components first): not read twice.
    The dossier returned carries its tasks and its one event (prefetched): showing it reads nothing back.
    `counter`: filed by a one-stop officer for the applicant (counter.py): the officer is the event's
    actor, the applicant may be a foreigner or a company (no citizen profile), and is saved here when new.
    """
    if counter is None and not hasattr(applicant, "citizen"):
        raise Forbidden(_("Chỉ công dân đã định danh mới nộp được hồ sơ."), code="not_a_citizen")
    if procedure is None or procedure.code != procedure_code or not procedure.active:
        procedure = Procedure.objects.select_related("current").filter(code=procedure_code, active=True).first()
    if procedure is None or procedure.current is None:
        raise Invalid(_("Không có thủ tục mã %(code)s.") % {"code": procedure_code}, code="unknown_procedure")
    if channel not in Channel.values:
        raise Invalid(_("Kênh nộp hồ sơ không hợp lệ."), code="invalid_channel")
    version = procedure.current
    citizen = getattr(applicant, "citizen", None)
    needed, own = version.definition.get("min_assurance_level", 1), citizen.assurance_level if citizen else 0
    # At the counter the officer checks the applicant's papers in person: the e-ID level is not asked.
    if counter is None and own < needed:  # the e-ID level the procedure asks for (docs/identity.md)
        raise Forbidden(_("Thủ tục này cần tài khoản định danh điện tử mức %(needed)s; tài khoản của bạn đang ở mức %(own)s.")
                        % {"needed": needed, "own": own}, code="assurance_too_low", required_level=needed)
    check_declared(version.form_schema, data)  # undeclared fields or oversize answers: 422, never stored
    check_components(version.components, components)
    now = timezone.now()
    # Once-only: registry values replace whatever was posted for those fields, vault
    # references become records of the documents, registry-held components are looked up.
    prepared = vault_submission.prepare(applicant, version, data, components, channel=channel, now=now)
    # Derived fields (the birth-registration timing that sets the fee…) are computed here, whatever was sent.
    data, components = derive(version.definition, prepared.data, timezone.localdate(now)), prepared.components
    errors = validate_form(version.form_schema, data)
    if errors:
        raise Invalid(_("Biểu mẫu có lỗi."), code="invalid_form", errors=[e.as_dict() for e in errors])
    unit, desk = _resolve_unit(procedure, applicant, unit_code, counter.units if counter is not None else None,
                               data=data, channel=channel)
    fee = pricing.quote_for(version.definition, data, unit, channel, timezone.localdate(now)).total
    with transaction.atomic():
        if counter is not None:
            counter.save_applicant()
        day = timezone.localdate(now)
        # The desk that takes the dossier in numbers it (a commune desk receiving for the province).
        numbering = desk or unit
        code = format_code(numbering.code, day, next_sequence(numbering.pk, day))
        dossier = Dossier(
            code=code, procedure=procedure, procedure_version=version, unit=unit, desk=desk, applicant=applicant,
            channel=channel, status=Status.SUBMITTED, data=data, components=components or [],
            fee=fee, payment_due=fee if pays_at_submission(version) else 0, submitted_at=now, updated_at=now,
            component_sources=sources_mask(components or [], prepared.registry_fields.values()),
            # The applicant's own e-ID login (4.5b): not a filing the officer made for them.
            vneid_auth=counter is None and citizen is not None and citizen.assurance_level >= 2,
        )
        insert(dossier)  # its INSERT (some forty columns) compiled once per process (lib/compiled.py)
        tasks = workflow.create_tasks(dossier, now)
        vault_submission.record(applicant, dossier, prepared, now)
        # first=True: the code was just taken from the unit's daily sequence (and is unique), so no
        # audit entry can exist for it yet: the chain starts here without reading its head.
        extra = counter.event_data() if counter is not None else {}
        event = history.write_history(
            dossier, "submit", None, counter.officer if counter is not None else applicant, now,
            data={"version": version.number, **prepared.event_data(), **extra}, first=True,
        )
        if counter is not None:
            counter.inside(dossier)
    # What was just written is what the dossier's page or the API's answer shows: no reading back.
    dossier._prefetched_objects_cache = {"tasks": tasks, "events": [event]}
    return dossier
