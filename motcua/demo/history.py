"""Months of dossier history for the demo province, made by the real actions layer at past times.

So that the leadership dashboard of `make demo` shows every indicator with
numbers that mean something (and that a rebuild reproduces: tests/monitoring/test_kpi_demo.py).
Each dossier is filed, received and processed by the demo staff whose role
covers its unit, exactly as the officer pages would, with the clock set back
(freezegun) to the day it happened. Outcomes vary: on time, late with an
apology letter, a supplement round, refused, withdrawn, paid online or at the
desk, online, filed at the counter or received by post (scanned, now and then a
component kept on paper only), and some still open.
Also a few sample figures for the indicators whose data comes from outside
motcua (publication of procedures, sync to the national portal), marked as samples.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import get_resolver
from django.utils import timezone
from freezegun import freeze_time

from motcua.catalog.models import Procedure
from motcua.catalog.search import implementing_units
from motcua.dossiers import actions
from motcua.dossiers.actions import counter
from motcua.dossiers.actions.payments import start_payment
from motcua.dossiers.models import Dossier, Status, TaskStatus
from motcua.identity.models import User
from motcua.lib.conditions import evaluate
from motcua.monitoring.models import ExternalFigure
from motcua.payments.sandbox import pay_in_process
from motcua.units.models import Membership, Role, Unit
from motcua.units.scope import roles_on

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
PROCEDURES = ("1.001193", "1.004873", "1.004194", "3.000333")  # birth, marital status, temporary residence, criminal record
CITIZENS = ("citizen", "citizen2", "citizen3")
OUTCOMES = ["on_time"] * 9 + ["supplement"] * 2 + ["late"] * 2 + ["refuse", "withdraw", "open", "in_person", "by_post"]
# Filed at the one-stop counter (channel 1) or received by post (3), by the officer (counter.py).
COUNTER = {"in_person": 1, "by_post": 3}
DEMO_SCAN = b"%PDF-1.4\n% motcua demo scan\n"


def _worker(unit: Unit, role: str) -> User | None:
    best = None
    for m in Membership.objects.filter(role=role).select_related("user", "unit__parent"):
        if role in roles_on(m.user, unit):
            depth = len(m.unit.scope_root.path)
            if best is None or depth > best[0]:
                best = (depth, m.user)
    return best[1] if best else None


def _components(definition: dict, data: dict, channel: int) -> list[dict]:
    out = []
    for c in definition.get("components", []):
        if c.get("required", True) and evaluate(c.get("when"), data, {"channel": channel}):
            out.append({"key": c["key"], "source": next(iter(c["sources"][0])), "name": f"{c['key']}.pdf"})
    return out


def _scans(definition: dict, data: dict, channel: int, officer, start: datetime) -> list[dict]:
    """The components the officer scans at the counter; now and then one is kept on paper only.

    Chosen from the filing's time, not the history's random sequence: the rest of the history
    (units, outcomes) stays what the seed gave before the counter was added.
    """
    out = []
    now = timezone.now()
    for i, c in enumerate(_components(definition, data, channel)):
        if (start.day + i) % 5 == 0:
            out.append(counter.on_paper(c["key"], "Bản gốc cần giữ nguyên, không tháo ghim để quét", officer, now))
            continue
        name = f"{c['key']}.pdf"
        path = default_storage.save(f"dossiers/{now:%Y}/{now:%m}/{secrets.token_hex(16)}/{name.replace('_', '-')}",
                                    ContentFile(DEMO_SCAN))
        record = {"key": c["key"], "name": name, "size": len(DEMO_SCAN), "content_type": "application/pdf", "path": path,
                  "sha256": hashlib.sha256(DEMO_SCAN).hexdigest()}
        out.append(counter.scanned(record, officer, now))
    return out


class _Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def step(self, hours: float) -> datetime:
        self.now += timedelta(hours=hours)
        while self.now.astimezone(HCM).weekday() >= 5:  # offices are closed at the weekend
            self.now += timedelta(days=1)
        return self.now


def _act(clock: _Clock, hours: float, code: str, action: str, user, **payload) -> Dossier:
    with freeze_time(clock.step(hours)):
        return actions.perform(code, action, user, payload=actions.Payload(reason=payload.pop("reason", "Demo"), **payload))


def _process(clock: _Clock, code: str, hours: float) -> None:
    for _ in range(12):
        dossier = Dossier.objects.get(code=code)
        task = next((t for t in dossier.tasks.filter(status=TaskStatus.OPEN, is_end=False).select_related("unit")), None)
        if task is None:
            return
        user = _worker(task.unit, task.role)
        if dossier.status == Status.RECEIVED:
            _act(clock, 0.5, code, "start_processing", user, task=task.step)
        _act(clock, hours, code, "approve" if task.role == Role.APPROVER else "transfer", user, task=task.step)


def one(procedure: Procedure, applicant: User, start: datetime, outcome: str, rng: random.Random) -> str:
    # The sandbox gateway is answered through the URLconf: loaded now, not first under freezegun
    # (whose datetime class the API's schemas cannot describe).
    get_resolver().url_patterns  # noqa: B018
    version = procedure.current
    definition = version.definition
    data = dict(definition["example"])
    channel = COUNTER.get(outcome, 2)
    unit = implementing_units(procedure).filter(path__startswith=Unit.objects.get(code="000.00.00.H99").path)
    unit = sorted(unit, key=lambda u: u.code)[rng.randrange(len(unit))] if unit.count() > 1 else unit.first()
    clock = _Clock(start)
    officer = _worker(unit, Role.ONE_STOP_OFFICER)
    with freeze_time(clock.now):
        if channel == 2:
            dossier = actions.submit(applicant, procedure.code, data, unit_code=unit.code, channel=channel,
                                     components=_components(definition, data, channel))
        else:  # filed and received at the counter, the fee due at filing paid there
            dossier = actions.file_at_counter(
                officer, {"personal_id": applicant.citizen.personal_id}, procedure.code, data, channel=channel,
                unit_code=unit.code, components=_scans(definition, data, channel, officer, start),
                payment_receipt=f"BL-{start:%m%d%H%M}",
            )
    code = dossier.code
    if outcome == "refuse":
        _act(clock, 2, code, "refuse", officer, reason="Hồ sơ không thuộc thẩm quyền")
        return code
    if outcome == "supplement":
        first = definition["components"][0]["key"]
        _act(clock, 1, code, "request_supplement", officer, reason="Bản chụp không rõ",
             items=[{"key": first, "reason": "Bản chụp không rõ"}])
        with freeze_time(clock.step(20)):
            actions.perform(code, "submit_supplement", applicant, payload=actions.Payload(
                components=_components(definition, data, channel)[:1] or [{"key": first, "source": "upload", "name": "x.pdf"}]))
    if dossier.payment_due and channel == 2:
        # A fee paid with the submission: through the sandbox gateway, the way a citizen pays.
        with freeze_time(clock.step(0.2)):
            started = start_payment(code, applicant, return_url=f"{settings.PUBLIC_URL}/payments/return/sandbox/",
                                    gateway_code="sandbox")
            pay_in_process(started.pay_url, "pay")
    elif dossier.payment_due:
        _act(clock, 0.5, code, "confirm_payment", officer, receipt_number=f"BL-{code[-6:]}")
    if outcome == "withdraw":
        with freeze_time(clock.step(1)):
            actions.perform(code, "withdraw", applicant)
        return code
    if dossier.status == Status.SUBMITTED:
        _act(clock, 1, code, "receive", officer)
    if outcome == "open":
        return code
    if outcome == "late":
        d = Dossier.objects.get(code=code)
        clock.now = d.due_at + timedelta(hours=2)
        helper = _worker(d.unit, Role.APPROVER) or officer
        new_day = (clock.now.astimezone(HCM) + timedelta(days=3)).date()
        while new_day.weekday() >= 5:
            new_day += timedelta(days=1)
        _act(clock, 0, code, "issue_apology", helper, reason="Cần xác minh thêm", new_due_date=new_day)
    _process(clock, code, 2)
    d = Dossier.objects.get(code=code)
    if d.fee > 0 and not d.payments.filter(state="paid").exists():
        _act(clock, 0.5, code, "request_payment", _worker(d.unit, Role.ONE_STOP_OFFICER), amount=d.fee)
        if rng.random() < 0.75 and channel == 2:
            with freeze_time(clock.step(2)):
                started = start_payment(code, applicant, return_url=f"{settings.PUBLIC_URL}/payments/return/sandbox/",
                                        gateway_code="sandbox")
                pay_in_process(started.pay_url, "pay")
        else:
            _act(clock, 2, code, "confirm_payment", _worker(d.unit, Role.ONE_STOP_OFFICER),
                 receipt_number=f"BL-{code[-6:]}")
        _process(clock, code, 2)
    signer = _worker(d.unit, definition["result"].get("signer_role", Role.APPROVER))
    _act(clock, 1, code, "issue_result", signer)
    _act(clock, 1, code, "return_result", officer)
    return code


def load_history(months: int = 4, per_month: int = 8, today: date | None = None, seed: int = 766) -> int:
    """File `per_month` dossiers in each of the last `months` months (and this one); returns how many."""
    rng = random.Random(seed)
    today = today or datetime.now(HCM).date()
    procedures = list(Procedure.objects.filter(code__in=PROCEDURES).select_related("current"))
    citizens = list(User.objects.filter(username__in=CITIZENS))
    n = 0
    first = (today.replace(day=1) - timedelta(days=31 * months)).replace(day=1)
    month = first
    while month <= today:
        for i in range(per_month):
            day = month + timedelta(days=rng.randrange(0, 26))
            start = datetime(day.year, day.month, day.day, 8 + rng.randrange(0, 8), rng.randrange(60), tzinfo=HCM)
            if start.date() >= today - timedelta(days=1):
                continue
            outcome = OUTCOMES[(i + n) % len(OUTCOMES)]
            if start.date() >= today - timedelta(days=10) and outcome not in ("refuse", "withdraw"):
                outcome = "open"  # the latest ones are still being processed
            one(procedures[(i + month.month) % len(procedures)], citizens[i % len(citizens)], start, outcome, rng)
            n += 1
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    _sample_figures(first, today)
    return n


def _sample_figures(first: date, today: date) -> None:
    province = Unit.objects.get(code="000.00.00.H99")
    month = first
    while month <= today:
        for indicator, num, den in (("PUBLISH_ON_TIME", 11, 12), ("PUBLIC_UPDATE_ON_TIME", 12, 12),
                                    ("PUBLIC_CONTENT_FULL", 15, 16), ("DOSSIER_SYNC", 95, 100)):
            ExternalFigure.objects.update_or_create(
                indicator=indicator, unit=province, month=month,
                defaults={"numerator": num, "denominator": den, "note": "demo sample"},
            )
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
