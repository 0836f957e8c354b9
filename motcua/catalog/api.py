"""Procedure catalog endpoints."""

from __future__ import annotations

from typing import Literal

from django.utils.translation import gettext as _
from ninja import Query, Router
from pydantic import BaseModel, Field

from motcua.catalog import vocab
from motcua.catalog.models import Procedure, localized
from motcua.catalog.search import Filters, search
from motcua.lib.bounded import limit_query, offset_query
from motcua.lib.errors import Invalid, NotFound
from motcua.units.models import Unit

router = Router(tags=["procedures"])


class ProcedureOut(BaseModel):
    # A plain pydantic model, not ninja's Schema: the views return dicts, and
    # Schema's ORM-attribute wrapper (DjangoGetter) around each of up to 500
    # rows was a third of the list's Python time (bench/catalog_search.py).
    code: str
    name: str
    names: dict[str, str]
    field: str
    field_code: str
    levels: list[str]
    agency: str
    service_mode: str
    processing_days: int
    fee: int
    version: int


class UploadOut(BaseModel):
    types: list[str] = Field(["pdf", "jpg", "png"], description="accepted file types: pdf, jpg, png")
    max_mb: float | None = Field(None, description="the largest file, in megabytes")


class SourceOut(BaseModel):
    """One way of supplying a component; exactly one of the fields is set."""

    upload: UploadOut | None = Field(None, description="a file uploaded with the dossier")
    vault: str | None = Field(None, description="a document type from the applicant's vault (`vault_document` at submission)")
    registry: str | None = Field(None, description="a registry the agency looks the record up in: nothing to send")
    counter: Literal["receipt", "result"] | None = Field(
        None, description="the original paper is brought to the one-stop counter: when the dossier is received, or when "
                          "the result is collected; nothing to send")


class ComponentOut(BaseModel):
    key: str
    name: str
    required: bool = Field(description="false: optional; true: required, in every case when `when` is null, "
                                       "else only when `when` holds on the form data")
    when: dict | None = Field(
        None, description="the condition under which the component applies, over the form's fields and `$channel` "
                          "(1 in person, 2 online, 3 post), as in the procedure format: {field, equals|not_equals|in|"
                          "not_in|gt|gte|lt|lte|present} or {all: [...]}, {any: [...]}, {not: ...}; null: always "
                          "(docs/api.md, 'Conditions')")
    sources: list[SourceOut] = Field(description="how the applicant may supply it, in order of preference")


class ReceiverOut(BaseModel):
    level: str = Field(description="the administrative level of the unit that receives and decides")
    agency: str = Field(description="its sector (its department at that level); empty: the administration of the level")
    when: dict | None = Field(None, description="the condition (over the form and `$channel`) choosing this receiver; "
                                                "the first that holds is chosen; null: otherwise")
    label: str = ""


class HandOverOut(BaseModel):
    levels: list[str] = Field(description="lower levels whose one-stop desks may take the dossier in and hand it "
                                          "over to the implementing unit above them")
    days: float = Field(description="working days the desk has to hand it over, within the legal time")


class OutsideOut(BaseModel):
    agency: str = Field(description="an agency that is not a motcua user (the catalog's outside_agencies)")
    name: str
    clock: Literal["runs", "stops"] = Field(description="stops: the days waited for its answer do not count")
    send: list[str] = Field(description="the form fields sent to it")


class TeamOut(BaseModel):
    key: str
    name: str


class AppointmentOut(BaseModel):
    kind: Literal["on_site", "office"] = Field(description="on_site: at the applicant's premises; office: at the unit")


class StepOut(BaseModel):
    """A step of the workflow, as far as an applicant or an integrator needs it (who does the work, when)."""

    id: str
    name: str
    days: float = Field(description="working days of the step (of the longest processing time)")
    when: dict | None = Field(None, description="the condition under which the step is done; null: always")
    calendar_days: int | None = Field(None, description="the law's inner deadline in calendar days")
    outside: OutsideOut | None = Field(None, description="done by an outside agency, which is sent data and answers")
    team: TeamOut | None = Field(None, description="done by the unit's team or council of this kind")
    appointment: AppointmentOut | None = Field(None, description="an appointment or visit, set and told to the applicant")


class ProcedureDetail(ProcedureOut):
    form: dict
    form_ui: dict
    fee_note: str
    components: list[ComponentOut]
    result: str
    legal_basis: list[str]
    receivers: list[ReceiverOut] = Field([], description="who receives, chosen by a condition; empty: by `levels` "
                                                         "and `agency`")
    hand_over: HandOverOut | None = None
    steps: list[StepOut] = []


def _summary(p: Procedure) -> dict:
    return {
        "code": p.code, "name": p.name, "names": p.names, "field": p.field_name, "field_code": p.field_code,
        "levels": p.levels, "agency": p.agency,
        "service_mode": p.service_mode, "processing_days": p.processing_days, "fee": p.fee,
        "version": p.current.number,
    }


@router.get("", response=list[ProcedureOut], auth=None, summary="Search procedures")
def list_procedures(
    request,
    q: str = Query("", max_length=200, description="words of the name or code, with or without diacritics"),
    field: str = Query("", max_length=64, description="field code, e.g. ho_tich"),
    level: str = Query("", max_length=16, description="a level of the catalog's unit kinds, e.g. commune"),
    unit: str = Query("", max_length=32, description="only procedures this unit (e-ID code) implements"),
    full: bool = Query(False, description="only full-process online services"),
    limit: int = limit_query(100, 500),
    offset: int = offset_query(),
):
    if level and level not in vocab.current().levels:
        raise Invalid(_("cấp %(value)s không có; các cấp có: %(known)s") % {"value": repr(level), "known": vocab.known(vocab.current().levels)},
                      code="invalid_request")  # as when the levels were a fixed enum
    target = None
    if unit:
        target = Unit.objects.filter(code=unit).first()
        if target is None:
            raise Invalid(_("Không có đơn vị mã %(unit)s.") % {"unit": unit}, code="unknown_unit")
    found = search(Filters(q=q, field=field, level=level, unit=target, full_only=full))
    # Plain rows, not model instances: building two models per row (procedure and
    # version) was a third of a 100-row answer (bench/catalog_search.py).
    rows = found.values(*_SUMMARY_COLUMNS)[offset : offset + limit]
    return [_summary_of_row(row) for row in rows]


_SUMMARY_COLUMNS = (
    "code", "names", "field", "field_code", "levels", "agency", "service_mode", "processing_days", "fee",
    "current__number",
)


def _summary_of_row(row: dict) -> dict:
    """What `_summary` gives, from a `.values(*_SUMMARY_COLUMNS)` row."""
    summary = {k: v for k, v in row.items() if k != "current__number"}
    summary["name"] = localized(row["names"])
    summary["field"] = localized({k: v for k, v in row["field"].items() if k != "code"})
    summary["version"] = row["current__number"]
    return summary


@router.get("/{code}", response=ProcedureDetail, auth=None, summary="One procedure, with its form's JSON Schema")
def get_procedure(request, code: str):
    p = Procedure.objects.select_related("current").filter(code=code, active=True, current__isnull=False).first()
    if p is None:
        raise NotFound(_("Không có thủ tục mã %(code)s.") % {"code": code}, code="unknown_procedure")
    d = p.current.definition
    return {
        **_summary(p),
        "form": d["form"],
        "form_ui": d.get("form_ui", {}),
        "fee_note": localized(d.get("fees", {}).get("note")),
        "components": [
            {
                "key": c["key"], "name": localized(c["name"]), "required": c.get("required", True),
                "when": c.get("when"),
                "sources": c.get("sources", []),
            }
            for c in d.get("components", [])
        ],
        "result": localized(d["result"]["title"]),
        "legal_basis": d.get("legal_basis", []),
        **_who(d),
    }


def _who(d: dict) -> dict:
    """Who does the work (catalog/who.py): receivers by condition, the hand-over, outside agencies, teams, visits."""
    v = vocab.current()
    hand_over = d.get("hand_over")

    def step(s: dict) -> dict:
        out = {"id": s["id"], "name": localized(s["name"]), "days": s["days"], "when": s.get("when"),
               "calendar_days": s.get("calendar_days"), "appointment": s.get("appointment")}
        if "outside" in s:
            o = s["outside"]
            out["outside"] = {"agency": o["agency"], "name": localized(v.name("outside_agencies", o["agency"])),
                              "clock": o.get("clock", "runs"), "send": o.get("send", [])}
        if "team" in s:
            out["team"] = {"key": s["team"], "name": localized(v.name("teams", s["team"]))}
        return out

    return {
        "receivers": [{"level": r["level"], "agency": r.get("agency", ""), "when": r.get("when"),
                       "label": localized(r.get("label"))} for r in d.get("receivers", [])],
        "hand_over": {"levels": hand_over["levels"], "days": hand_over.get("days", 0.5)} if hand_over else None,
        "steps": [step(s) for s in d["workflow"]["steps"]],
    }
