"""A generic walker: takes a dossier of any shipped procedure through its workflow with the demo staff.

No procedure is special-cased: who acts on a step is found from the step's unit
and role (`units.scope.roles_on`), the components to submit from the
definition's `components` and their `when` over the example, and the order of
actions from the engine's rules: `start_processing` on the first open step,
`transfer` to finish a working step, `approve` to finish an approval step,
then `issue_result` by the signer of the receiving unit and `return_result`
by its one-stop officer.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from django.utils import timezone
from freezegun import freeze_time

from motcua.catalog import who as catalog_who
from motcua.catalog.models import Procedure
from motcua.catalog.search import implementing_units
from motcua.dossiers.models import Dossier, Task, TaskStatus
from motcua.lib.conditions import evaluate
from motcua.payments.sandbox import pay_in_process
from motcua.units.models import Membership, Role, Team, Unit
from motcua.units.scope import roles_on
from tests.conftest import ApiClient

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "procedures").glob("*.yaml"))
# libyaml's parser when the installed PyYAML has it: the same safe constructor, the same values, ~10× faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DEFINITIONS = {path.name: yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) for path in FILES}  # noqa: S506 - a safe loader
WALK_ROLES = (Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.APPROVER)


def required_components(definition: dict, data: dict, channel: int = 2) -> list[str]:
    """Required with the data; a paper brought to the counter (`counter` source) is not sent."""
    return [
        c["key"]
        for c in definition.get("components", [])
        if c.get("required", True) and evaluate(c.get("when"), data, {"channel": channel})
        and not all("counter" in s for s in c.get("sources", []))
    ]


def component(definition: dict, key: str, name: str | None = None) -> dict:
    """A component as the portal records it: the first source the definition accepts."""
    spec = next(c for c in definition["components"] if c["key"] == key)
    source = next(iter(spec["sources"][0]))
    found = {"key": key, "source": source}
    if source == "upload":
        types = spec["sources"][0]["upload"].get("types", ["pdf"]) if isinstance(spec["sources"][0]["upload"], dict) else ["pdf"]
        found["name"] = name or f"{key}.{'pdf' if 'pdf' in types else types[0]}"
        if not found["name"].endswith(tuple(f".{t}" for t in types)):
            found["name"] = f"{found['name'].rsplit('.', 1)[0]}.{types[0]}"
    if source == "vault":
        found["document_type"] = spec["sources"][0]["vault"]
    return found


def registry_held(definition: dict) -> set[str]:
    """Components a registry may hold: the submission records them itself (looked up, or for the agency)."""
    return {c["key"] for c in definition["components"] if any("registry" in s for s in c.get("sources", []))}


def components_for(definition: dict, data: dict) -> list[dict]:
    return [component(definition, key) for key in required_components(definition, data)]


# worker()'s answers within one test (cleared between tests by tests/conftest.py): the walk asks for the
# same step's worker many times, and each answer read every holder's memberships (~15 queries). Kept only
# while no membership was added or removed (no test that walks changes them; this would still see it).
_WORKERS: dict[tuple, str | None] = {}


def forget_workers() -> None:
    _WORKERS.clear()


def worker(unit: Unit, role: str, *, exclude: tuple[str, ...] = ()) -> str | None:
    """The demo user nearest to `unit` who holds `role` over it (deepest membership first), or None."""
    from django.db.models import Count, Max

    memberships = Membership.objects.aggregate(n=Count("id"), last=Max("id"))
    key = (unit.pk, unit.path, unit.agency, role, exclude, memberships["n"], memberships["last"])
    if key not in _WORKERS:
        _WORKERS[key] = _worker(unit, role, exclude)
    return _WORKERS[key]


def _worker(unit: Unit, role: str, exclude: tuple[str, ...]) -> str | None:
    best: tuple[int, str] | None = None
    memberships = Membership.objects.filter(role=role).select_related("user", "unit__parent").order_by("user__username")
    for m in memberships:
        if m.user.username in exclude or role not in roles_on(m.user, unit):
            continue
        depth = len(m.unit.scope_root.path)
        if best is None or depth > best[0]:
            best = (depth, m.user.username)
    return best[1] if best else None


def staff_of(unit: Unit) -> dict[str, str]:
    return {role: name for role in WALK_ROLES if (name := worker(unit, role))}


def staffed_unit(procedure: Procedure, level: str | None = None, data: dict | None = None) -> Unit:
    """The first implementing unit (by code) whose demo staff cover every walk role (with `data`: of the
    procedure's receiver chosen by it, catalog/who.py)."""
    chosen = catalog_who.receiver(procedure.current.definition, data or {}, 2) if data is not None else None
    units = implementing_units(procedure, [chosen] if chosen else None).order_by("code")
    if level is not None:
        units = units.filter(level=level)
    assert units, f"{procedure.code}: no unit of the demo implements it" + (f" at {level} level" if level else "")
    for unit in units:
        if set(staff_of(unit)) >= set(WALK_ROLES):
            return unit
    pytest.fail(f"{procedure.code}: no implementing unit ({[u.code for u in units]}) has staff for {WALK_ROLES}")


def other_unit_steps(definition: dict) -> list[dict]:
    """Steps done at another unit than the receiving one (inter-agency work)."""
    return [s for s in definition["workflow"]["steps"] if s.get("unit")]


class Walker:
    """One dossier, driven through the API by whoever may act on it."""

    def __init__(self, definition: dict, *, level: str | None = None, applicant: str = "citizen") -> None:
        self.definition = definition
        self.procedure = Procedure.objects.get(code=definition["code"])
        self.unit = staffed_unit(self.procedure, level, definition.get("example"))
        self.applicant = applicant
        self._clients: dict[str, ApiClient] = {}
        self.code: str | None = None
        self.actions: list[str] = []  # the actions that succeeded, in order (the expected history)

    # --- people ---------------------------------------------------------------------------------

    def client(self, username: str) -> ApiClient:
        if username not in self._clients:
            self._clients[username] = ApiClient(username)
        return self._clients[username]

    def forget_tokens(self) -> None:
        """After a jump in time the tokens issued before may have expired: issue new ones when needed."""
        self._clients.clear()

    @property
    def citizen(self) -> ApiClient:
        return self.client(self.applicant)

    def officer(self) -> str:
        return worker(self.dossier.unit, Role.ONE_STOP_OFFICER)

    def signer(self) -> str:
        return worker(self.dossier.unit, self.definition["result"].get("signer_role", Role.APPROVER))

    # --- the dossier ----------------------------------------------------------------------------

    @property
    def dossier(self) -> Dossier:
        return Dossier.objects.select_related("unit").get(code=self.code)

    def tasks(self, status: str | None = None) -> list[Task]:
        qs = Task.objects.filter(dossier__code=self.code).select_related("unit").order_by("id")
        return list(qs.filter(status=status) if status else qs)

    def open_work(self) -> list[Task]:
        return [t for t in self.tasks(TaskStatus.OPEN) if not t.is_end]

    def get(self, username: str | None = None) -> dict:
        r = self.client(username or self.applicant).get(f"/dossiers/{self.code}")
        assert r.status_code == 200, r.content
        return r.json()

    def submit(self, components: list[dict] | None = None, data: dict | None = None) -> dict:
        body = {
            "procedure": self.definition["code"],
            "data": data if data is not None else self.definition["example"],
            "unit": self.unit.code,
            "components": self.citizen.references(
                components_for(self.definition, self.definition["example"]) if components is None else components
            ),
        }
        r = self.citizen.post("/dossiers", body)
        assert r.status_code == 201, (self.definition["code"], r.content)
        self.code = r.json()["code"]
        self.actions = ["submit"]
        if r.json()["amount_due"]:
            self.pay()
        return r.json()

    def pay(self) -> None:
        """Pay what the dossier owes online, through the bundled sandbox gateway (its pages and IPN, in process)."""
        r = self.citizen.post(f"/dossiers/{self.code}/payments", {})
        assert r.status_code == 201, r.content
        pay_in_process(r.json()["pay_url"], "pay")
        assert self.get()["amount_due"] == 0
        self.actions += ["payment_started", "payment_paid"]

    def act(self, username: str, action: str, body: dict | None = None, expect: int = 200) -> dict:
        if body and body.get("components"):
            body = {**body, "components": self.client(username).references(body["components"])}
        r = self.client(username).post(f"/dossiers/{self.code}/actions/{action}", body)
        assert r.status_code == expect, (self.definition["code"], username, action, body, r.content)
        if expect == 200:
            self.actions.append(action)
        return r.json()

    # --- the walk -------------------------------------------------------------------------------

    def receive(self) -> dict:
        answer = self.act(self.officer(), "receive")
        assert answer["status"] == 2
        return answer

    def holder(self, task: Task) -> str | None:
        """Who works the step: a member of its team (a step's `team`), else the nearest holder of its role."""
        team = catalog_who.step(self.definition, task.step).get("team")
        if team:
            found = Team.objects.filter(unit=task.unit, key=team).first()
            member = found.members.order_by("username").first() if found else None
            return member.username if member else None
        return worker(task.unit, task.role)

    def step_once(self, task: Task | None = None) -> tuple[str, dict]:
        """Finish one open working step (starting the processing first if needed); returns who acted.

        A step with actions of its own (catalog/who.py) is done by them: the hand-over of a lower desk, the
        answer of an outside agency recorded from paper, an appointment set then the visit recorded."""
        task = task or self.open_work()[0]
        who = self.holder(task)
        assert who, (self.definition["code"], f"nobody holds {task.role} at {task.unit.code}")
        if self.dossier.status == 2 and catalog_who.special(self.definition, task.step) != catalog_who.HAND_OVER_STEP:
            assert self.act(who, "start_processing", {"task": task.step})["status"] == 4
        answer = self.do(who, task)
        assert answer["status"] in (2, 4)
        check_task_graph(self.code)
        return who, answer

    def do(self, who: str, task: Task) -> dict:
        special = catalog_who.special(self.definition, task.step)
        if special == catalog_who.HAND_OVER_STEP:
            return self.act(who, "hand_over", {"task": task.step})
        if special == "outside":
            return self.act(who, "record_answer", {"task": task.step, "reference": f"TB-{task.step}-1"})
        if special == "appointment":
            at = timezone.now() + timedelta(hours=2)
            self.act(who, "set_appointment", {"task": task.step, "at": at.isoformat(), "place": "Tại cơ sở"})
            with freeze_time(at + timedelta(hours=1), tick=True):
                self.forget_tokens()
                answer = self.act(who, "record_visit", {"task": task.step, "findings": "Đạt yêu cầu."})
            self.forget_tokens()
            return answer
        action = "approve" if task.role == Role.APPROVER else "transfer"
        return self.act(who, action, {"task": task.step, **decision(self.definition, task.step)})

    def process(self) -> None:
        """Every working step, in the order they open (parallel branches one after the other)."""
        for _ in range(len(self.tasks()) + 1):
            if not self.open_work():
                break
            self.step_once()
        assert not self.open_work()
        assert not [t for t in self.tasks() if not t.is_end and t.status in (TaskStatus.WAITING, TaskStatus.OPEN)]

    def finish(self) -> dict:
        assert self.act(self.signer(), "issue_result")["status"] == 9
        answer = self.act(self.officer(), "return_result")
        assert answer["status"] == 10
        return answer

    def walk(self) -> dict:
        self.receive()
        self.process()
        return self.finish()


def decision(definition: dict, step: str, choice: str | None = None) -> dict:
    """What finishing a step takes when it asks for a decision: `choice` (default: the first that goes forward
    without refusing) and a value for each recorded value (an example of its type)."""
    spec = next(s for s in definition["workflow"]["steps"] if s["id"] == step)
    body: dict = {}
    choices = spec.get("choices") or []
    if choices:
        body["choice"] = choice or next(c["id"] for c in choices if "back" not in c and not c.get("refuse"))
    props = (spec.get("record") or {}).get("properties") or {}
    if props:
        body["values"] = {key: example_value(prop) for key, prop in props.items()}
    return body


def example_value(prop: dict) -> object:
    if "enum" in prop:
        return prop["enum"][0]
    if prop.get("type") in ("integer", "number"):
        return prop.get("minimum", 1)
    if prop.get("type") == "boolean":
        return True
    if prop.get("format") == "date":
        return "2026-11-20"
    return "Đạt"


def check_task_graph(code: str) -> None:
    """A step is open exactly when every step before it is finished (a skipped step passes through)."""
    tasks = {t.step: t for t in Task.objects.filter(dossier__code=code)}

    def finished(step: str) -> bool:
        t = tasks[step]
        if t.status == TaskStatus.SKIPPED:
            return all(finished(b) for b in t.after)
        return t.status == TaskStatus.DONE

    for t in tasks.values():
        if t.status == TaskStatus.OPEN:
            assert all(finished(b) for b in t.after), (code, t.step, "open before its predecessors are done")
            assert t.opened_at is not None and t.due_at is not None
        if t.status == TaskStatus.WAITING:
            assert not all(finished(b) for b in t.after), (code, t.step, "waits although its predecessors are done")


BUNDLE = "3.000722-lien-thong-khai-sinh-thuong-tru-bhyt.yaml"


def bundle_at_other_agencies(applicant: str = "citizen") -> str:
    """A newborn bundle (3.000722) filed at An Bình and taken, through the actions layer, to where it waits
    on other agencies: the birth is signed, the commune police and the province's social insurance work on.
    Returns the dossier's code."""
    from motcua.dossiers import actions
    from motcua.identity.models import User

    def user(name: str) -> User:
        return User.objects.get(username=name)

    definition = DEFINITIONS[BUNDLE]
    example = dict(definition["example"])
    code = actions.submit(user(applicant), "3.000722", example, components=components_for(definition, example)).code
    actions.perform(code, "receive", user("onestop_anbinh"))
    actions.perform(code, "start_processing", user("specialist_anbinh"))
    actions.perform(code, "transfer", user("specialist_anbinh"))
    actions.perform(code, "approve", user("approver_anbinh"))
    return code
