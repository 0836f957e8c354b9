"""A draft seen as the citizen will see it, and a dry run of typed answers (issue 24, item 2).

The form is drawn by the same code as the portal's (web/schema_form.py, portal/_field.html), so what the
editor sees is the citizen's form, at any width (the site's CSS is the same). Posting answers runs them
as a submission would, without storing anything: the form's errors beside the fields, the components
asked for, the fee (catalog/fees.py through dossiers/pricing.py), the processing time that holds, the due
date from a chosen day of submission on the draft unit's calendar (dossiers/deadlines.py), and the steps
the dossier would go through (those whose `when` holds).
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.authoring.models import ProcedureDraft
from motcua.catalog import timing
from motcua.catalog.derived import derive
from motcua.catalog.forms import validate_form
from motcua.catalog.models import localized
from motcua.dossiers.deadlines import due_at
from motcua.dossiers.pricing import quote_for
from motcua.lib.conditions import evaluate
from motcua.web.schema_form import build_fields, is_group_name, parse_post, row_action

CHANNELS = ((2, "online"), (1, "in person"), (3, "post"))


def _sections(definition: dict, fields: list) -> list[tuple[str, list]]:
    by_name = {f.name: f for f in fields}
    found, placed = [], set()
    for section in definition.get("form_ui", {}).get("sections", []):
        found.append((localized(section.get("title")), [by_name[n] for n in section["fields"] if n in by_name]))
        placed.update(section["fields"])
    rest = [f for f in fields if f.name not in placed]
    if rest:
        found.append((_("Thông tin khác") if found else "", rest))
    return found


def page(request: HttpRequest, draft: ProcedureDraft) -> HttpResponse:
    definition = draft.definition
    schema = definition["form"]
    today = timezone.localdate()
    context: dict = {"draft": draft, "name": localized(definition.get("name")), "submitted_on": today.isoformat(),
                     "channel": 2}
    posted = None
    run = None
    if request.method == "POST":
        allowed = set(schema.get("properties", {})) | {"submitted_on", "channel", "csrfmiddlewaretoken"}
        if {k for k in set(request.POST) - allowed if not is_group_name(schema, k)} or any(len(request.POST.getlist(k)) != 1 for k in request.POST):
            return HttpResponseBadRequest(_("Dữ liệu gửi lên không hợp lệ."), content_type="text/plain; charset=utf-8")
        posted = {k: v for k, v in request.POST.items() if k not in ("submitted_on", "channel", "csrfmiddlewaretoken")}
        try:
            day = date.fromisoformat(request.POST.get("submitted_on", ""))
        except ValueError:
            day = today
        channel = {"1": 1, "2": 2, "3": 3}.get(request.POST.get("channel", "2"), 2)
        context.update(submitted_on=day.isoformat(), channel=channel)
        rows_changed = row_action(schema, posted)
        if rows_changed is not None:
            posted = rows_changed  # a repeating group's "Add another" / "Remove": the form again, no dry run
        else:
            data = derive(definition, parse_post(schema, posted), day)
            errors = [e.as_dict() for e in validate_form(schema, data)]
            run = _dry_run(draft, data, day, channel)
            run["errors"] = errors
    fields, summary = build_fields(schema, posted, run["errors"] if run else ())
    context.update(sections=_sections(definition, fields), summary=summary, run=run)
    return render(request, "authoring/preview.html", context, status=422 if run and run["errors"] else 200)


def _dry_run(draft: ProcedureDraft, data: dict, day: date, channel: int) -> dict:
    definition = draft.definition
    ctx = {"channel": channel}
    components = []
    for c in definition.get("components", []):
        applies = evaluate(c.get("when"), data, ctx) if c.get("when") else True
        components.append({"name": localized(c.get("name")), "required": c.get("required", True) and applies,
                           "applies": applies})
    quote = quote_for(definition, data, draft.unit, channel, day)
    days = timing.processing_days(definition, data, {"channel": channel})
    tz = ZoneInfo(settings.TIME_ZONE)
    # Received at the start of the office day chosen (a day off or after hours counts from the next working day).
    received = datetime.combine(day, time(8, 0), tzinfo=tz)
    steps = [{"name": localized(s.get("name")), "role": s.get("role"), "days": s.get("days"),
              "skipped": bool(s.get("when")) and not evaluate(s.get("when"), data, ctx)}
             for s in definition["workflow"]["steps"]]
    return {"components": components, "fee": quote.total, "fee_lines": [(localized(line.label) or line.rule, line.amount)
                                                                       for line in quote.lines],
            "days": days, "due": due_at(received, days, draft.unit), "steps": steps}
