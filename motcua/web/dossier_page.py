"""What the applicant's and the officer's page of one dossier show: status, steps, time, supplements, letters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog.display import describe, field_label
from motcua.catalog.models import localized
from motcua.dossiers import actions
from motcua.dossiers.actions.context import OPEN_STATUSES
from motcua.dossiers.models import ApologyLetter, Dossier, DossierEvent, SupplementRequest, Task
from motcua.dossiers.timing import UnitShare, unit_shares
from motcua.units.scope import Grants, grants_of
from motcua.vault.registries import label_of
from motcua.web import components
from motcua.web.presentation import deadline_badge, format_datetime, issuer_names, money, unit_name
from motcua.web.turn import turn_of

# The history events that go with a payment row (created, paid, failed, refunded, at the counter).
PAYMENT_EVENTS = frozenset({
    "request_payment", "confirm_payment", "payment_started", "payment_paid", "payment_failed", "payment_refunded",
    "refund_failed", "payment_expired",
})


@dataclass
class SupplementView:
    request: SupplementRequest
    items: list[tuple[str, str, str]]  # (component key, component name, reason)
    answered_names: list[str] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.request.answered_at is None


@dataclass
class EventView:
    event: DossierEvent
    details: list[str]

    @property
    def for_applicant(self) -> bool:
        """What the applicant follows (received, asked for documents, late with a new date, result);
        the offices' internal moves (claim, assign, transfer between steps...) are folded on their page."""
        return self.event.action in APPLICANT_EVENTS


APPLICANT_EVENTS = frozenset({
    "submit", "receive", "refuse", "request_supplement", "submit_supplement", "request_payment", "confirm_payment",
    "issue_apology", "deadline_late", "issue_result", "return_result", "withdraw", "stop", "rate",
})


def component_names(dossier: Dossier) -> dict[str, str]:
    return {c["key"]: localized(c.get("name")) or c["key"] for c in dossier.procedure_version.components}


def _event_details(event: DossierEvent, steps: Mapping[str, str], units: Mapping[str, str], names: Mapping[str, str], staff: bool) -> list[str]:
    """A line or two saying what an event did (which step, to whom, how much, until when)."""
    data = event.data or {}
    lines = []
    if data.get("step") in steps:
        lines.append(_("Bước: %(step)s") % {"step": steps[data["step"]]})
    if event.action == "transfer" and data.get("opened"):
        opened = [
            f"{steps.get(o.get('step'), o.get('step'))} ({units.get(o.get('unit'), o.get('unit'))})"
            for o in data["opened"] if isinstance(o, Mapping)
        ]
        lines.append(_("Chuyển đến: %(steps)s") % {"steps": "; ".join(opened)})
    if staff and event.action == "assign" and data.get("assignee"):
        lines.append(_("Người được giao: %(name)s") % {"name": data["assignee"]})
    if event.action == "request_supplement" and data.get("items"):
        lines.append(_("Thành phần cần bổ sung: %(items)s") % {"items": "; ".join(names.get(k, k) for k in data["items"])})
    if event.action == "submit_supplement" and data.get("components"):
        lines.append(_("Đã bổ sung: %(items)s") % {"items": "; ".join(names.get(k, k) for k in data["components"])})
    if event.action in ("request_payment", "confirm_payment", "payment_paid", "payment_refunded") and data.get("amount"):
        lines.append(_("Số tiền: %(amount)s") % {"amount": money(data["amount"])})
    if event.action in ("receive", "issue_apology") and (data.get("new_due_at") or data.get("due_at")):
        try:
            when = datetime.fromisoformat(data.get("new_due_at") or data["due_at"])
        except (TypeError, ValueError):
            when = None
        if when is not None:
            lines.append(_("Ngày hẹn trả: %(date)s") % {"date": format_datetime(when)})
    return lines


def dossier_context(dossier: Dossier, user, *, staff: bool = False, now=None, grants: Grants | None = None) -> dict:
    """What both the citizen's and the officer's dossier pages show.

    Only what the page shows is read: the applicant's page shows no officers' names and
    no time per unit, and the dossier's own counters say when there are no supplement
    requests or apology letters to read (the usual case: no query for them).
    `grants` (units.scope.grants_of for `user`) saves reading the memberships again.
    """
    now = now or timezone.now()
    version = dossier.procedure_version
    related = ("unit", "assignee__citizen", "done_by") if staff else ("unit",)
    # Prefetched: the action rules (actions.allowed_actions) read the open tasks from it.
    prefetch_related_objects([dossier], Prefetch("tasks", Task.objects.select_related(*related).order_by("id")))
    tasks: list[Task] = list(dossier.tasks.all())
    steps = {t.step: localized(t.name) or t.step for t in tasks}
    units = {t.unit.code: unit_name(t.unit) for t in tasks}
    units.setdefault(dossier.unit.code, unit_name(dossier.unit))
    names = component_names(dossier)
    requests = dossier.supplements.order_by("number")
    supplements = [
        SupplementView(
            s,
            [(i.get("key"), names.get(i.get("key"), i.get("key")), i.get("reason", "")) for i in s.items],
            [names.get(c.get("key"), c.get("key")) for c in s.answer if isinstance(c, Mapping)],
        )
        for s in (requests.select_related("requested_by") if staff else requests)
    ] if dossier.supplement_count else []
    history = dossier.events.order_by("at", "id")
    events = [
        EventView(e, _event_details(e, steps, units, names, staff))
        for e in (history.select_related("actor__citizen") if staff else history)
    ]
    shares: list[UnitShare] = unit_shares(dossier, tasks) if tasks and staff else []
    letters = dossier.apologies.order_by("issued_at")
    apologies = list(letters.select_related("issued_by") if staff else letters) if dossier.apology_count else []
    supplied = [c for c in dossier.components or [] if isinstance(c, Mapping)]
    issuers = issuer_names(str(c["issuer"]) for c in supplied if c.get("issuer"))
    rows = components.rows(
        version.components, version.form_schema, data=dossier.data or {}, channel=dossier.channel,
        supplied=[{**c, "issuer": issuers[c["issuer"]]} if c.get("issuer") in issuers else c for c in supplied],
    )
    state = deadline_badge(dossier, now)
    submitted = next((e.event for e in events if e.event.action == "submit"), None)
    from_registry = (submitted.data or {}).get("registry_fields", {}) if submitted is not None else {}
    properties = version.form_schema.get("properties", {})
    allowed = actions.allowed_actions(dossier, user, now=now, grants=grants)
    return {
        "dossier": dossier,
        "procedure_name": dossier.procedure.name,
        "answers": describe(version.form_schema, dossier.data or {}),
        # Once-only: which answers the registries gave (recorded by the submission), and from where.
        "verified_answers": [
            (field_label(name, properties.get(name, {})), label_of(code)) for name, code in sorted(from_registry.items())
        ],
        "events": events,
        # The applicant's page lists what they follow first and folds the offices' internal moves.
        "main_events": events if staff else [e for e in events if e.for_applicant],
        "internal_events": [] if staff else [e for e in events if not e.for_applicant],
        "has_result": hasattr(dossier, "result"),
        "allowed": allowed,
        # The officer's: whether the dossier waits for them, else which open steps (where, held by whom).
        "turn": turn_of(dossier, tasks, allowed, user, grants if grants is not None else grants_of(user)) if staff else None,
        "payable_statuses": OPEN_STATUSES,  # where the actions layer takes a payment (actions/payments.py)
        # Every payment row was written with a history event (actions/payments.py): a dossier whose
        # history has none is not asked for its payments (one query less on most pages).
        "payments": list(dossier.payments.order_by("id"))
        if any(e.event.action in PAYMENT_EVENTS for e in events) else [],
        "deadline": state,
        "tasks": tasks,
        "open_tasks": [t for t in tasks if t.status == "open"],
        "shares": shares,
        "supplements": supplements,
        "open_supplement": next((s for s in reversed(supplements) if s.open), None),
        "apologies": apologies,
        "components": rows,
        "missing": components.missing(rows),
        "show_actors": staff,
        "legal_due_changed": bool(dossier.legal_due_at and dossier.due_at and dossier.legal_due_at != dossier.due_at),
    }


def letter_or_none(dossier: Dossier, number: str) -> ApologyLetter | None:
    return dossier.apologies.filter(number=number).first()


def supplied_component(dossier: Dossier, key: str) -> Mapping | None:
    for record in dossier.components or []:
        if isinstance(record, Mapping) and record.get("key") == key:
            return record
    return None

