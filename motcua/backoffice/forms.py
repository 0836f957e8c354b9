"""The officer's action forms: what each allowed action asks for, and the posted form back as its input.

Which actions are offered comes from `actions.allowed_actions`; the step
choices below only narrow what a form offers (the steps this officer could
work: `workflow.workable_tasks`, the rule the actions layer applies).
`actions.perform` decides in the end, validating the posted values against the
action's input model, and its refusal is shown next to the field it concerns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone

from motcua.catalog.models import localized
from motcua.dossiers import actions, deadlines, workflow
from motcua.dossiers.actions import decisions as step_decisions
from motcua.dossiers.models import Dossier, Task
from motcua.identity.models import User
from motcua.lib.errors import ActionError
from motcua.units.models import Membership, UnitKind
from motcua.units.scope import Grants, roles_in, roles_on
from motcua.web import components
from motcua.web.presentation import (
    DETAIL_ACTIONS,
    REASON_ACTIONS,
    STEP_ACTIONS,
    action_label,
    person_name,
)

# The form field a refusal of the core is about (422 answers).
ERROR_FIELDS = {
    "reason_required": "reason",
    "supplement_items_required": "items",
    "invalid_amount": "amount",
    "unknown_obligation": "obligation",
    "receipt_number_required": "receipt_number",
    "invalid_new_due_date": "new_due_date",
    "invalid_assignee": "assignee",
    "unknown_task": "task",
    "incomplete": "components",
    "choice_required": "choice",
    "unknown_choice": "choice",
    "invalid_values": "values",
    "unknown_values": "values",
    "reference_required": "reference",
    "invalid_appointment": "at",
    "findings_required": "findings",
}
ITEM_REASON = "item-reason-"
VALUE = "value-"  # a value a step records (`record`), posted as value-<key>


# --- which steps a form offers ---------------------------------------------------------------


def candidate_steps(action: str, open_tasks: Iterable[Task], user, grants: Grants) -> list[Task]:
    """The open steps this officer could take the action on (own claimed steps first)."""

    def roles_at(unit) -> set[str]:
        return roles_in(grants, unit)

    if action == "assign":
        found = workflow.assignable_tasks(open_tasks, roles_at)
    elif action in actions.STEP_KIND:
        found = workflow.workable_tasks(open_tasks, actions.STEP_KIND[action], user, roles_at)
    else:
        found = []
    return sorted(found, key=lambda t: t.assignee_id is None)


def mine_at_my_units(open_tasks: Iterable[Task], grants: Grants) -> tuple[list[Task], int]:
    """The open steps at units where the officer holds a role, and how many are open elsewhere."""
    here, elsewhere = [], 0
    for t in open_tasks:
        if roles_in(grants, t.unit):
            here.append(t)
        else:
            elsewhere += 1
    return here, elsewhere


def eligible_assignees(task: Task) -> list[User]:
    """The people who hold the step's role at its unit (through a membership above it or a one-stop desk)."""
    ancestors = task.unit.ancestor_ids
    memberships = (
        Membership.objects.filter(role=task.role, user__is_active=True)
        .filter(Q(unit_id__in=ancestors) | Q(unit__parent_id__in=ancestors, unit__kind=UnitKind.ONE_STOP))
        .select_related("user__citizen")
        .order_by("user__full_name", "user__username")
    )
    people: dict[int, User] = {}
    for m in memberships:
        if m.user_id not in people and task.role in roles_on(m.user, task.unit):
            people[m.user_id] = m.user
    return list(people.values())


# --- reading the posted form -----------------------------------------------------------------


def _amount(raw: str | None) -> int | None:
    """"1.000.000", "1 000 000" or "1000000" đồng; unreadable → 0, which the core refuses in words."""
    text = (raw or "").strip()
    if not text:
        return None
    digits = text.replace(".", "").replace(",", "").replace(" ", "").replace("\u00a0", "")
    try:
        return int(digits)
    except ValueError:
        return 0


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


def _moment(raw: str | None) -> datetime | None:
    """A `datetime-local` input ("2026-12-09T09:00") read in the installation's time zone; unreadable → None,
    which the action refuses in words."""
    try:
        moment = datetime.fromisoformat((raw or "").strip())
    except ValueError:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def posted_input(action: str, post: QueryDict) -> dict[str, object]:
    """The posted form as the values of the action's input model (`perform` validates them)."""
    rule = actions.RULES.get(action)
    if rule is None:
        return {}  # `perform` answers "no such action"
    items = [
        {"key": key, "reason": post.get(ITEM_REASON + key, "").strip()[:500]}
        for key in dict.fromkeys(post.getlist("items"))
        if key
    ]
    values: dict[str, object] = {
        "reason": post.get("reason", "")[:2000],
        "task": post.get("task") or None,
        "assignee": post.get("assignee") or None,
        "items": items or None,
        "amount": _amount(post.get("amount")),
        "new_due_date": _day(post.get("new_due_date")),
        "receipt_number": post.get("receipt_number", "").strip()[:64] or None,
        "obligation": post.get("obligation", "").strip()[:64] or None,
        "reference": post.get("reference", "").strip()[:64] or None,
        "choice": post.get("choice", "").strip()[:64] or None,
        "answer": post.get("answer", "")[:2000],
        "at": _moment(post.get("at")),
        "place": post.get("place", "").strip()[:300] or None,
        "note": post.get("note", "")[:1000],
        "findings": post.get("findings", "").strip()[:4000] or None,
        "values": {k[len(VALUE):]: post.get(k, "")[:500] for k in post if k.startswith(VALUE) and post.get(k, "").strip()}
        or None,
    }
    return {name: value for name, value in values.items() if name in rule.schema.model_fields}


# --- the forms -------------------------------------------------------------------------------------


@dataclass
class ItemRow:
    key: str
    name: str
    checked: bool = False
    reason: str = ""

    @property
    def id(self) -> str:
        return f"act-request_supplement-item-{self.key}"


@dataclass
class ActionForm:
    action: str
    label: str
    kind: str  # "reason", "detail" (needs the dossier page), "step", "button"
    steps: list[Task] = field(default_factory=list)
    values: dict = field(default_factory=dict)
    error: str = ""
    error_field: str = ""
    items: list[ItemRow] = field(default_factory=list)
    completeness: list = field(default_factory=list)
    assign_options: list[tuple[Task, list[tuple[str, str]]]] = field(default_factory=list)
    obligations: list[tuple[str, str]] = field(default_factory=list)  # (id, name) the officer may ask for
    # transfer, approve: per step that asks for it, its choices (id, name) and recorded values (key, label, prop)
    decisions: list[tuple[Task, list[tuple[str, str]], list[tuple[str, str, dict]]]] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"act-{self.action}"

    def field_id(self, name: str) -> str:
        return f"act-{self.action}-{name}"

    @property
    def step_choice(self) -> bool:
        return len(self.steps) > 1


def _kind(action: str) -> str:
    if action in REASON_ACTIONS:
        return "reason"
    if action in DETAIL_ACTIONS:
        return "detail"
    if action in STEP_ACTIONS:
        return "step"
    return "button"


def list_forms(allowed: Iterable[str], open_tasks: list[Task], user, grants: Grants) -> list[ActionForm]:
    """The compact forms of a queue row (actions needing more inputs link to the dossier page)."""
    forms = []
    for action in allowed:
        if action in ("withdraw", "submit_supplement") or action in actions.DIGITIZATION:
            continue  # the applicant's, on the citizen pages; digitization has its own page (intake.py)
        form = ActionForm(action, action_label(action), _kind(action))
        if form.kind == "step":
            form.steps = candidate_steps(action, open_tasks, user, grants)
        forms.append(form)
    return forms


def _apology_default(dossier: Dossier, now: datetime) -> date | None:
    if dossier.due_at is None:
        return None
    start = max(timezone.localdate(dossier.due_at), timezone.localdate(now))
    return deadlines.calendar(dossier.unit).next_working_day(start)


def detail_forms(
    dossier: Dossier,
    allowed: Iterable[str],
    open_tasks: list[Task],
    component_rows: list[components.ComponentRow],
    user,
    grants: Grants,
    now: datetime,
    *,
    failed: ActionError | None = None,
    failed_action: str = "",
    posted: QueryDict | None = None,
) -> list[ActionForm]:
    """One form per allowed action, with the inputs that action needs (and a refused form's input kept)."""
    names = {r.key: r.name for r in component_rows}
    forms = []
    for action in allowed:
        if action in ("withdraw", "submit_supplement") or action in actions.DIGITIZATION:
            continue  # digitization: its own page (backoffice/intake.py)
        form = ActionForm(action, action_label(action), _kind(action))
        again = posted if failed is not None and action == failed_action else None
        if again is not None:
            form.error = failed.message
            form.error_field = ERROR_FIELDS.get(failed.code, "")
            form.values = {k: again.get(k, "") for k in ("reason", "task", "assignee", "amount", "new_due_date", "receipt_number",
                                                   "obligation", "reference", "choice", "answer", "at", "place",
                                                   "note", "findings")}
            form.values["recorded"] = {k[len(VALUE):]: again.get(k, "") for k in again if k.startswith(VALUE)}
        if action in STEP_ACTIONS or action == "assign":
            form.steps = candidate_steps(action, open_tasks, user, grants)
        if action in ("transfer", "approve"):
            form.decisions = _decisions(dossier, form.steps)
        if action == "receive":
            form.completeness = [r for r in component_rows if r.needed or r.supplied]
        elif action == "request_supplement":
            ticked = set(again.getlist("items")) if again is not None else set()
            form.items = [
                ItemRow(r.key, r.name, r.key in ticked, again.get(ITEM_REASON + r.key, "") if again is not None else "")
                for r in component_rows
            ]
        elif action == "request_obligation":
            form.obligations = [(o["id"], localized(o["name"]))
                                for o in dossier.procedure_version.definition.get("obligations", [])]
        elif action == "request_payment" and again is None:
            form.values["amount"] = str(dossier.fee) if dossier.fee else ""
        elif action == "issue_apology":
            if not form.values.get("new_due_date"):
                default = _apology_default(dossier, now)
                form.values["new_due_date"] = default.isoformat() if default else ""
        elif action == "assign":
            form.assign_options = [
                (t, [(p.get_username(), person_name(p)) for p in eligible_assignees(t)]) for t in form.steps
            ]
        if failed is not None and action == failed_action and failed.code == "incomplete":
            form.values["missing"] = [names.get(k, k) for k in failed.extra.get("missing", [])]
        forms.append(form)
    return forms


def _decisions(dossier: Dossier, steps: list[Task]) -> list[tuple[Task, list[tuple[str, str]], list[tuple[str, str, dict]]]]:
    """For each offered step that asks for them: the choices still offered and the values to record."""
    found = []
    for task in steps:
        spec = step_decisions.step_spec(dossier, task.step)
        choices = [(c["id"], localized(c["name"])) for c in step_decisions.offered(dossier, spec)]
        props = ((spec.get("record") or {}).get("properties") or {})
        fields = [(key, localized({"vi": prop.get("title", key), **prop.get("x-title", {})}), prop)
                  for key, prop in props.items()]
        if choices or fields:
            found.append((task, choices, fields))
    return found


def allowed_words(allowed: Iterable[str]) -> str:
    return ", ".join(
        action_label(a) for a in allowed if a not in ("withdraw", "submit_supplement") and a not in actions.DIGITIZATION
    )
