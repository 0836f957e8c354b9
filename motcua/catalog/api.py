"""Procedure catalog endpoints."""

from __future__ import annotations

from typing import Literal

from django.utils.translation import gettext as _
from ninja import Query, Router
from pydantic import BaseModel, Field

from motcua.catalog import vocab
from motcua.catalog.fees import charges, standard_amount
from motcua.catalog.models import Procedure, localized, programmes_of
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
    programmes: list[str] = Field(description="national programmes it belongs to (keys of the catalog's `programmes`, "
                                              "e.g. project-06: an essential service of Project 06)")


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


CONDITION = ("a condition over the form's fields and `$channel` (1 in person, 2 online, 3 post), as in the procedure "
             "format (docs/api.md, 'Conditions')")


class ProcessingTimeOut(BaseModel):
    """An alternative processing time: the first whose `when` holds gives the working days."""

    when: dict = Field(description=CONDITION)
    days: int = Field(description="working days from receipt")
    label: str = Field(description="what the case is, in the reader's language; empty when the definition names none")


class ObligationOut(BaseModel):
    """Something the applicant does during processing (pay the taxes) while the clock stops."""

    id: str
    name: str
    steps: list[str] | None = Field(None, description="the workflow steps whose officers may ask for it; null: every "
                                                      "processing step")
    when: dict | None = Field(None, description=CONDITION + "; null: always")


class FeeRuleOut(BaseModel):
    """A rule of a fee table: the first whose `when` holds gives the amount."""

    id: str
    amount: int = Field(description="in the country's currency, whole units (đồng)")
    when: dict | None = Field(None, description=CONDITION + "; null: the standard rule")
    label: str


class FeeExtraOut(BaseModel):
    """An amount added to the rule's: once, or per unit of an integer field above a number of units."""

    id: str
    amount: int
    when: dict | None = Field(None, description=CONDITION + "; null: always")
    per: str | None = Field(None, description="an integer form field counting units")
    above: int = Field(0, description="units not charged")
    label: str


class LocalTableOut(BaseModel):
    """A province's or unit's own table for a period, replacing the parts it gives for dossiers filed there."""

    units: list[str] = Field(description="e-ID codes: the unit and every unit under it")
    valid_from: str = Field(description="first day in force, YYYY-MM-DD (the day of filing counts)")
    valid_until: str | None = Field(None, description="last day in force; null: until replaced")
    when: dict | None = Field(None, description=CONDITION + "; null: always")
    basis: str = Field("", description="the local act, printed on the receipt")
    rules: list[FeeRuleOut] | None = Field(None, description="replace the national rules; null: kept")
    extras: list[FeeExtraOut] | None = Field(None, description="replace the national extras; null: kept")
    cap: int | None = None


class ChargeOut(BaseModel):
    """One fee of the dossier, with its own line on the receipt (a procedure with one fee has one, `id` "")."""

    id: str = Field(description="the charge's id; empty for a procedure with a single fee")
    name: str
    standard: int = Field(description="the amount of its standard rule (what lists show)")
    rules: list[FeeRuleOut]
    extras: list[FeeExtraOut]
    cap: int | None = Field(None, description="the most its rules and extras come to (per unit of `times`)")
    times: str | None = Field(None, description="an integer form field: the amount is charged this many times")
    local: list[LocalTableOut] = Field(description="local tables on top of the national one, for a period")


class ChoiceOut(BaseModel):
    id: str
    name: str
    next: list[str] = Field(description="the steps after this one the choice opens (those another choice names are skipped)")
    back: str | None = Field(None, description="an earlier step done again, with every step after it")
    max: int | None = Field(None, description="how many times `back` may be chosen")
    refuse: bool = Field(False, description="the dossier is refused: it ends with the refusal letter, the reason its reasons")
    requires: list[str] = Field(description="keys of `record` this choice needs in `values`")


class DecisionOut(BaseModel):
    """A step at which the officer decides or records values: what `transfer`/`approve` take there."""

    step: str
    name: str
    choices: list[ChoiceOut] = Field(description="`choice` of the action: one of these ids (required when any)")
    record: dict | None = Field(None, description="`values` of the action: a JSON Schema object of what the step records")


class DocumentOut(BaseModel):
    """One document the dossier may end with."""

    kind: Literal["result", "part", "refusal"] = Field(
        description="result: the main result; part: issued by a step (when done); refusal: the refusal letter")
    title: str
    document_type: str
    step: str | None = Field(None, description="the step that issues a part")
    holder: dict | None = Field(None, description="{name, id}: the form fields naming the holder when not the applicant")


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
    fee_pay: Literal["at_submission", "on_request"] = Field(
        description="when the fee is paid: with the submission, or when an officer asks for it")
    charges: list[ChargeOut] = Field(description="the fee tables: the dossier's fee is the sum of each charge's amount; "
                                                 "empty when the procedure is free of charge")
    processing_times: list[ProcessingTimeOut] = Field(
        description="alternative processing times, in order; none holds: `processing_days`")
    obligations: list[ObligationOut] = Field(
        description="what the applicant may be asked to do during processing, the clock stopped meanwhile")
    components: list[ComponentOut]
    result: str
    legal_basis: list[str]
    decisions: list[DecisionOut] = Field(description="the steps where an officer chooses or records values")
    documents: list[DocumentOut] = Field(description="the documents a dossier may end with, each with its holder")
    receivers: list[ReceiverOut] = Field([], description="who receives, chosen by a condition; empty: by `levels` "
                                                         "and `agency`")
    hand_over: HandOverOut | None = None
    steps: list[StepOut] = []


def _decisions(d: dict) -> list[dict]:
    found = []
    for s in d["workflow"]["steps"]:
        if not s.get("choices") and not s.get("record"):
            continue
        choices = [{"id": c["id"], "name": localized(c["name"]), "next": c.get("next", []), "back": c.get("back"),
                    "max": c.get("max", 1) if "back" in c else None, "refuse": bool(c.get("refuse")),
                    "requires": c.get("requires", [])}
                   for c in s.get("choices") or []]
        record = s.get("record")
        found.append({"step": s["id"], "name": localized(s["name"]), "choices": choices,
                      "record": {"type": "object", **record} if record else None})
    return found


def _documents(d: dict) -> list[dict]:
    result = d["result"]
    name = vocab.current().name
    found = [{"kind": "result", "title": localized(result["title"]), "document_type": result["document_type"],
              "holder": result.get("holder")}]
    found += [{"kind": "part", "title": localized(p.get("title") or name("document_types", p["document_type"])),
               "document_type": p["document_type"], "step": p["step"], "holder": p.get("holder")}
              for p in result.get("parts", [])]
    if result.get("refusal"):
        found.append({"kind": "refusal", "title": localized(result["refusal"]["title"]),
                      "document_type": result["refusal"]["document_type"]})
    return found


def _summary(p: Procedure) -> dict:
    return {
        "code": p.code, "name": p.name, "names": p.names, "field": p.field_name, "field_code": p.field_code,
        "levels": p.levels, "agency": p.agency,
        "service_mode": p.service_mode, "processing_days": p.processing_days, "fee": p.fee,
        "version": p.current.number, "programmes": p.programmes,
    }


@router.get("", response=list[ProcedureOut], auth=None, summary="Search procedures")
def list_procedures(
    request,
    q: str = Query("", max_length=200, description="words of the name or code, with or without diacritics"),
    field: str = Query("", max_length=64, description="field code, e.g. ho_tich"),
    level: str = Query("", max_length=16, description="a level of the catalog's unit kinds, e.g. commune"),
    unit: str = Query("", max_length=32, description="only procedures this unit (e-ID code) implements"),
    full: bool = Query(False, description="only full-process online services"),
    programme: str = Query("", max_length=32, description="a national programme of the catalog, e.g. project-06: "
                                                          "the essential services of Project 06"),
    limit: int = limit_query(100, 500),
    offset: int = offset_query(),
):
    if level and level not in vocab.current().levels:
        raise Invalid(_("cấp %(value)s không có; các cấp có: %(known)s") % {"value": repr(level), "known": vocab.known(vocab.current().levels)},
                      code="invalid_request")  # as when the levels were a fixed enum
    programmes = vocab.current().programmes
    if programme and programme not in programmes:
        raise Invalid(_("chương trình %(value)s không có; các chương trình có: %(known)s") % {"value": repr(programme), "known": vocab.known(programmes)},
                      code="invalid_request")
    target = None
    if unit:
        target = Unit.objects.filter(code=unit).first()
        if target is None:
            raise Invalid(_("Không có đơn vị mã %(unit)s.") % {"unit": unit}, code="unknown_unit")
    found = search(Filters(q=q, field=field, level=level, unit=target, full_only=full, programme=programme))
    # Plain rows, not model instances: building two models per row (procedure and
    # version) was a third of a 100-row answer (bench/catalog_search.py).
    rows = found.values(*_SUMMARY_COLUMNS)[offset : offset + limit]
    return [_summary_of_row(row) for row in rows]


_SUMMARY_COLUMNS = (
    "code", "names", "field", "field_code", "levels", "agency", "service_mode", "processing_days", "fee",
    "current__number", "programmes_key",
)


def _summary_of_row(row: dict) -> dict:
    """What `_summary` gives, from a `.values(*_SUMMARY_COLUMNS)` row."""
    summary = {k: v for k, v in row.items() if k not in ("current__number", "programmes_key")}
    summary["programmes"] = programmes_of(row["programmes_key"])
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
        "fee_pay": d.get("fees", {}).get("pay", "on_request"),
        "charges": _charges(d.get("fees")),
        "processing_times": [
            {"when": t["when"], "days": t["days"], "label": localized(t.get("label"))}
            for t in d.get("processing_times", [])
        ],
        "obligations": [
            {"id": o["id"], "name": localized(o["name"]), "steps": o.get("steps"), "when": o.get("when")}
            for o in d.get("obligations", [])
        ],
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
        "decisions": _decisions(d),
        "documents": _documents(d),
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


def _rules(rules: list[dict]) -> list[dict]:
    return [{"id": r.get("id", f"rules/{i}"), "amount": r["amount"], "when": r.get("when"), "label": localized(r.get("label"))}
            for i, r in enumerate(rules)]


def _extras(extras: list[dict]) -> list[dict]:
    return [{"id": x.get("id", f"extras/{i}"), "amount": x["amount"], "when": x.get("when"), "per": x.get("per"),
             "above": x.get("above", 0), "label": localized(x.get("label"))} for i, x in enumerate(extras)]


def _charges(fees: dict | None) -> list[dict]:
    """Each fee table as ChargeOut: the `charges`, or the one table written at the top of `fees`."""
    if not fees:
        return []
    found = []
    for table in charges(fees):
        if not table.get("rules") and not table.get("extras"):
            continue  # `fees` with a note only: nothing is charged
        charge = table.get("id", "")
        local = [
            {"units": e["units"], "valid_from": e["from"], "valid_until": e.get("until"), "when": e.get("when"),
             "basis": e.get("basis", ""),
             "rules": _rules(e["rules"]) if "rules" in e else None,
             "extras": _extras(e["extras"]) if "extras" in e else None, "cap": e.get("cap")}
            for e in fees.get("local", []) if e.get("charge", "") == charge
        ]
        found.append({
            "id": charge, "name": localized(table.get("name")), "standard": standard_amount({"charges": [table]}),
            "rules": _rules(table.get("rules", [])), "extras": _extras(table.get("extras", [])),
            "cap": table.get("cap"), "times": table.get("times"), "local": local,
        })
    return found
