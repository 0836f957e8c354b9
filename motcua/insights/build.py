"""Materialize where each finished dossier's time went: `DossierTrace` and `StepTime` rows.

Incremental: each run takes the finished dossiers (processed, returned or stopped: `finished_at`
set) that have no trace yet, a chunk at a time, reading their steps, supplement rounds and
payment events in one query each per chunk; `rebuild()` empties the tables first. A finished
dossier never changes its steps again, so a trace once written stays true.

Reading of the history (docs/monitoring.md, "Insights"):
- a step's time is opened → done of its task, in working days of the dossier's unit's calendar,
  without the time waited for the applicant (supplement rounds: the legal clock stops);
- *waiting for the applicant*: the supplement rounds, request → answer;
- *waiting for payment*: status 6, from the request to the next change;
- *between agencies*: a step opened by a step of another unit (liên thông), from its opening
  until someone of its unit took it (claimed it, or did it) — part of that step's time too;
- *late*: the dossier ended after its legal due date (KPI-766.md §5.1), and the step that
  overran its share of the deadline the most is said to have made it late.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from motcua.dossiers.models import Dossier, DossierEvent, Status, SupplementRequest, Task, TaskStatus
from motcua.insights.clock import Pauses, clock_of
from motcua.insights.models import DossierTrace, Rollup, StepTime
from motcua.monitoring.contributions import zone

CHUNK = 2000
PATH_MAX = 500


def finished(qs=None):
    """Dossiers whose processing ended (their `finished_at` is the end, as in the KPI's §3 G2 step 1)."""
    qs = Dossier.objects.all() if qs is None else qs
    return qs.filter(finished_at__isnull=False, received_at__isnull=False,
                     status__in=(Status.PROCESSED, Status.RETURNED, Status.STOPPED))


def pending():
    return finished().filter(trace__isnull=True)


def trace(dossier: Dossier, tasks: Iterable[Task], pauses: list, payments: list) -> tuple[DossierTrace, list[StepTime]]:
    """The trace of one finished dossier (pure: everything it reads is passed in)."""
    clock = clock_of(dossier.unit)
    end = dossier.finished_at
    waits = Pauses(clock, [(a, b or end) for a, b in pauses])
    late = dossier.legal_due_at is not None and end > dossier.legal_due_at
    done = sorted((t for t in tasks if t.status == TaskStatus.DONE and t.opened_at and t.done_at),
                  key=lambda t: (t.done_at, t.pk or 0))
    unit_of = {t.step: t.unit_id for t in tasks}
    day = end.astimezone(zone()).date()
    rows, worst, transfer = [], None, 0.0
    for t in done:
        days = waits.net(t.opened_at, t.done_at)
        waiting = 0.0
        if any(unit_of.get(b) not in (None, t.unit_id) for b in t.after):
            waiting = min(days, waits.net(t.opened_at, t.claimed_at or t.done_at))
            transfer += waiting
        rows.append(StepTime(
            dossier_id=dossier.pk, procedure_id=dossier.procedure_id, dossier_unit_id=dossier.unit_id, unit_id=t.unit_id,
            step=t.step, ended_at=end, ended_on=day, days=round(days, 4), allowed=t.days, waiting=round(waiting, 4),
            to_end=round(waits.net(t.opened_at, end), 4), late=late,
        ))
        over = days - t.days
        if late and over > 0 and (worst is None or over > worst[0]):
            worst = (over, t)
    path = " → ".join(t.step for t in done)
    if len(path) > PATH_MAX:
        path = path[: PATH_MAX - 1] + "…"
    paid_wait = sum(clock.between(a, b or end) for a, b in payments)
    row = DossierTrace(
        dossier_id=dossier.pk, procedure_id=dossier.procedure_id, unit_id=dossier.unit_id, ended_at=end, ended_on=day,
        late=late, total_days=round(waits.net(dossier.received_at, end), 4),
        applicant_days=round(sum(q - p for p, q in waits.spans), 4), payment_days=round(paid_wait, 4),
        transfer_days=round(transfer, 4), path=path,
        late_step=worst[1].step if worst else "", late_unit_id=worst[1].unit_id if worst else None,
    )
    return row, rows


def pauses_of(ids: list[int]) -> dict[int, list]:
    found: dict[int, list] = defaultdict(list)
    for dossier_id, requested, answered in SupplementRequest.objects.filter(dossier_id__in=ids).values_list(
            "dossier_id", "requested_at", "answered_at").order_by("dossier_id", "number"):
        found[dossier_id].append((requested, answered))
    return found


def payments_of(ids: list[int]) -> dict[int, list]:
    """Each wait for payment: the event into status 6, until the next event of the dossier."""
    found: dict[int, list] = defaultdict(list)
    events = (DossierEvent.objects.filter(dossier_id__in=ids)
              .filter(Q(to_status=Status.PAYMENT_REQUESTED) | Q(from_status=Status.PAYMENT_REQUESTED))
              .values_list("dossier_id", "from_status", "to_status", "at").order_by("dossier_id", "id"))
    for dossier_id, before, after, at in events:
        waits = found[dossier_id]
        if after == Status.PAYMENT_REQUESTED and before != Status.PAYMENT_REQUESTED:
            waits.append([at, None])
        elif before == Status.PAYMENT_REQUESTED and after != Status.PAYMENT_REQUESTED and waits and waits[-1][1] is None:
            waits[-1][1] = at
    return found


def tasks_of(ids: list[int]) -> dict[int, list[Task]]:
    found: dict[int, list[Task]] = defaultdict(list)
    for t in Task.objects.filter(dossier_id__in=ids).only(
            "dossier_id", "step", "unit_id", "after", "days", "status", "opened_at", "claimed_at", "done_at").order_by("id"):
        found[t.dossier_id].append(t)
    return found


def build(limit: int | None = None) -> int:
    """Trace the finished dossiers not traced yet; returns how many."""
    written = 0
    while limit is None or written < limit:
        size = CHUNK if limit is None else min(CHUNK, limit - written)
        chunk = list(pending().select_related("unit").order_by("pk")[:size])
        if not chunk:
            break
        ids = [d.pk for d in chunk]
        tasks, pauses, payments = tasks_of(ids), pauses_of(ids), payments_of(ids)
        traces, steps = [], []
        for d in chunk:
            row, rows = trace(d, tasks.get(d.pk, []), pauses.get(d.pk, []), payments.get(d.pk, []))
            traces.append(row)
            steps += rows
        with transaction.atomic():
            # Another run may have traced some meanwhile: both write the same rows, so skip them.
            DossierTrace.objects.bulk_create(traces, ignore_conflicts=True)
            StepTime.objects.filter(dossier_id__in=ids).delete()
            StepTime.objects.bulk_create(steps, batch_size=5000)
            # The page's monthly counts (rollup.py) gain these dossiers' rows, in the same transaction.
            from motcua.insights import rollup

            rollup.add_dossiers(ids)
        written += len(chunk)
    return written


def rebuild() -> int:
    with transaction.atomic():
        StepTime.objects.all().delete()
        DossierTrace.objects.all().delete()
        Rollup.objects.all().delete()
    return build()
