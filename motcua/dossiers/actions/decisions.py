"""Decisions during processing: the officer's choice at a step, the values recorded, a refusal after processing.

A step of the procedure may declare `choices` (pass / fail after an inspection, a new certificate or
an endorsement) and `record` (values the officer concludes: the disability level). Finishing such a
step (`transfer`, `approve`) takes the choice and the values (inputs.StepDoneInput); here they are
checked against the step's definition and kept on the dossier (`Dossier.decisions`), and the choice
steers the workflow:

- `next`: the steps after this one that the choice leads to; the steps after it that another choice
  names (and what only they lead to) are skipped;
- `back`: an earlier step (or this one) is done again — it and every step after it wait again —
  at most `max` times (a re-inspection loop); once used up, the choice is no longer offered;
- `refuse`: the dossier is refused after processing: the result it ends with is the refusal letter
  (`result.refusal`), whose reasons are the reason given with the choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator

from motcua.catalog.models import localized
from motcua.dossiers import workflow
from motcua.dossiers.actions.context import Ctx
from motcua.dossiers.actions.inputs import StepDoneInput
from motcua.dossiers.models import Dossier, Task, TaskStatus
from motcua.lib.conditions import evaluate
from motcua.lib.errors import Invalid


def step_spec(dossier: Dossier, step: str) -> dict:
    for spec in dossier.procedure_version.definition["workflow"]["steps"]:
        if spec["id"] == step:
            return spec
    return {}


def rounds(dossier: Dossier, step: str, choice: str) -> int:
    return int((dossier.decisions or {}).get("rounds", {}).get(f"{step}.{choice}", 0))


def offered(dossier: Dossier, spec: Mapping) -> list[dict]:
    """The choices an officer may take at this step now: a loop whose rounds are used up is not among them."""
    return [
        c for c in spec.get("choices") or []
        if "back" not in c or rounds(dossier, spec["id"], c["id"]) < int(c.get("max", 1))
    ]


def record_schema(spec: Mapping) -> dict | None:
    record = spec.get("record")
    if not record:
        return None
    return {"type": "object", "properties": record["properties"], "required": record.get("required", []),
            "additionalProperties": False}


def _coerce(prop: Mapping, value: Any) -> Any:
    """A value posted as text by the officer's form, as the type the step declares (the API sends it typed)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    kind = prop.get("type")
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
    except ValueError:
        return text
    if kind == "boolean" and text in ("true", "false", "on"):
        return text != "false"
    return text


def checked_values(spec: Mapping, given: Mapping[str, Any] | None, required: list[str] = ()) -> dict[str, Any]:
    """The values the step records, typed and validated (with those the choice `required`), or Invalid naming each
    wrong one."""
    schema = record_schema(spec)
    if schema is not None and required:
        schema = {**schema, "required": sorted({*schema["required"], *required})}
    if schema is None:
        if given:
            raise Invalid(_("Bước này không ghi nhận giá trị nào."), code="unknown_values",
                          errors=[{"field": f"values.{k}", "message": _("không có")} for k in given])
        return {}
    props = schema["properties"]
    values = {k: _coerce(props.get(k, {}), v) for k, v in (given or {}).items() if v not in (None, "")}
    errors = []
    for error in Draft202012Validator(schema).iter_errors(values):
        name = error.path[0] if error.path else (
            error.message.split("'")[1] if error.validator in ("required", "additionalProperties") and "'" in error.message
            else "")
        label = localized({"vi": props.get(name, {}).get("title", name), **props.get(name, {}).get("x-title", {})})
        if error.validator == "required":
            message = _("cần ghi nhận %(name)s") % {"name": label}
        elif error.validator == "additionalProperties":
            message = _("bước này không ghi nhận %(name)s") % {"name": name}
        else:
            message = _("%(name)s không hợp lệ") % {"name": label}
        errors.append({"field": f"values.{name}", "code": error.validator, "message": message})
    if errors:
        raise Invalid(_("Giá trị ghi nhận không hợp lệ: %(errors)s") % {"errors": "; ".join(e["message"] for e in errors)},
                      code="invalid_values", errors=errors)
    return values


def _successors(steps: list[dict]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {s["id"]: [] for s in steps}
    for s in steps:
        for before in s.get("after", []):
            found.setdefault(before, []).append(s["id"])
    return found


def dropped_by(steps: list[dict], spec: Mapping, choice: Mapping) -> set[str]:
    """The steps a choice leaves aside: those another choice leads to, and what only they lead to."""
    chosen = set(choice.get("next", []))
    named = {n for c in spec.get("choices") or [] for n in c.get("next", [])}
    dropped = named - chosen
    if "back" in choice:
        return set()  # the step is done again: nothing after it is decided yet
    by_id = {s["id"]: s for s in steps}
    changed = True
    while changed:
        changed = False
        for sid, s in by_id.items():
            if sid not in dropped and s.get("after") and all(b in dropped for b in s["after"]):
                dropped.add(sid)
                changed = True
    return dropped


def _after_all(steps: list[dict], start: str) -> set[str]:
    successors = _successors(steps)
    seen, todo = {start}, [start]
    while todo:
        for n in successors.get(todo.pop(), []):
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return seen


def finish(ctx: Ctx, task: Task, p: StepDoneInput) -> dict:
    """Finish `task` with the officer's choice and values; open what follows. Returns the history's data."""
    dossier = ctx.dossier
    spec = step_spec(dossier, task.step)
    choices = spec.get("choices") or []
    choice: dict | None = None
    if choices:
        available = offered(dossier, spec)
        choice = next((c for c in available if c["id"] == p.choice), None)
        if choice is None:
            code = "choice_required" if p.choice is None else "unknown_choice"
            message = (_("Cần chọn kết quả của bước “%(step)s”.") if p.choice is None
                       else _("Lựa chọn “%(choice)s” không có ở bước “%(step)s”."))
            raise Invalid(message % {"step": localized(task.name), "choice": p.choice}, code=code,
                          choices=[c["id"] for c in available])
        if choice.get("refuse") and not p.reason:
            raise Invalid(_("Từ chối giải quyết cần ghi rõ lý do."), code="reason_required")
    elif p.choice is not None:
        raise Invalid(_("Bước “%(step)s” không có lựa chọn.") % {"step": localized(task.name)}, code="unknown_choice",
                      choices=[])
    values = checked_values(spec, p.values, (choice or {}).get("requires", []))
    extra: dict[str, Any] = {"step": task.step}
    decisions = dict(dossier.decisions or {})
    if values:
        decisions["values"] = {**decisions.get("values", {}), **values}
        extra["values"] = values
    steps = dossier.procedure_version.definition["workflow"]["steps"]
    by_step = {t.step: t for t in ctx.tasks}
    if choice is not None:
        extra["choice"] = choice["id"]
        decisions["choices"] = {**decisions.get("choices", {}), task.step: choice["id"]}
        if choice.get("refuse"):
            decisions["refusal"] = {"step": task.step, "choice": choice["id"], "reasons": p.reason}
            extra["refused"] = True
        for sid in dropped_by(steps, spec, choice):
            dropped = by_step.get(sid)
            if dropped is not None and dropped.status == TaskStatus.WAITING:
                dropped.status = TaskStatus.SKIPPED
                dropped.save(update_fields=["status"])
    opened = workflow.complete(task, ctx.user, ctx.now, ctx.tasks)
    if choice is not None and "back" in choice:
        key = f"{task.step}.{choice['id']}"
        decisions["rounds"] = {**decisions.get("rounds", {}), key: rounds(dossier, task.step, choice["id"]) + 1}
        extra["back"] = choice["back"]
        opened = _go_back(ctx, steps, choice["back"])
    dossier.decisions = decisions
    extra["opened"] = [{"step": t.step, "unit": t.unit.code} for t in opened]
    extra["to_units"] = sorted({t.unit.code for t in opened if t.unit_id != task.unit_id})
    return extra


def _go_back(ctx: Ctx, steps: list[dict], start: str) -> list[Task]:
    """`start` and every step after it wait again (a step whose `when` fails stays skipped); open what is ready."""
    again = _after_all(steps, start)
    by_id = {s["id"]: s for s in steps}
    context = {"channel": ctx.dossier.channel}
    for task in ctx.tasks:
        if task.step not in again or task.status == TaskStatus.CANCELLED:
            continue
        holds = evaluate(by_id.get(task.step, {}).get("when"), ctx.dossier.data, context)
        task.status = TaskStatus.WAITING if holds else TaskStatus.SKIPPED
        task.opened_at = task.due_at = task.done_at = None
        task.done_by = None
        task.save(update_fields=["status", "opened_at", "due_at", "done_at", "done_by"])
    return workflow.open_ready(ctx.dossier, ctx.now, ctx.tasks)
