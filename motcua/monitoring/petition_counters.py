"""The petition counters: kept in the transaction of each petition action, rebuilt from the petitions,
and read for indicators 5.2 and 5.3.

Same design as the dossiers' counters (counters.py, rebuild.py): the subscriber (registered in
apps.py with `snapshot` as its before-hook) adds the difference between a petition's contribution
(petition_contributions.py) after and before the action to its unit's rows, each ancestor's and
the nation's; `rebuild` recomputes every row from the petitions (a Python pass: petitions are
thousands, not millions) and `differences` says how many rows the live counters and a rebuild
disagree on (0 is exact).
"""

# ruff: noqa: S608 - the SQL is built from table and column names of this module's models; values go as parameters

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction

from motcua.lib.events import PetitionChanged
from motcua.monitoring.counters import ancestors
from motcua.monitoring.petition_contributions import PetitionContribution, contribution
from motcua.monitoring.petition_models import PETITION_COLUMNS, PetitionCounter, PetitionOpenCounter
from motcua.petitions.models import Petition
from motcua.units.models import Unit

Cells = Counter  # (unit_id, day, column) → n
Opens = Counter  # (unit_id, day, due_day, flagged) → n


def snapshot(petition) -> PetitionContribution:
    return contribution(petition, petition.unit.path)


def _spread(c: PetitionContribution, sign: int, cells: Cells, opens: Opens) -> None:
    for unit_id in ancestors(c.path):
        for column, n in c.cells:
            cells[(unit_id, c.day, column)] += sign * n
        if c.open_key is not None:
            opens[(unit_id, c.day, *c.open_key)] += sign


def on_petition_changed(event: PetitionChanged) -> None:
    """Add the change of the petition's contribution to the counters (same transaction as the action)."""
    cells: Cells = Counter()
    opens: Opens = Counter()
    _spread(snapshot(event.petition), 1, cells, opens)
    before = event.before.get("monitoring")
    if before is not None:
        _spread(before, -1, cells, opens)
    _write({k: n for k, n in cells.items() if n}, {k: n for k, n in opens.items() if n})


def _write(cells: dict, opens: dict) -> None:
    rows: dict[tuple[int, date], dict[str, int]] = {}
    for (unit_id, day, column), n in cells.items():
        rows.setdefault((unit_id, day), {})[column] = rows.get((unit_id, day), {}).get(column, 0) + n
    with connection.cursor() as cursor:
        if rows:
            table = PetitionCounter._meta.db_table
            names = ", ".join(["unit_id", "day", *PETITION_COLUMNS])
            values, params = [], []
            # Sorted: rows shared by every action (the nation's) are always locked in the same order.
            for (unit_id, day), row in sorted(rows.items()):
                values.append("(" + ", ".join(["%s"] * (2 + len(PETITION_COLUMNS))) + ")")
                params += [unit_id, day, *(row.get(c, 0) for c in PETITION_COLUMNS)]
            updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in PETITION_COLUMNS)
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {', '.join(values)} "
                f"ON CONFLICT (unit_id, day) DO UPDATE SET {updates}", params,
            )
        if opens:
            table = PetitionOpenCounter._meta.db_table
            values, params = [], []
            for (unit_id, day, due, bad), n in sorted(opens.items()):
                values.append("(%s, %s, %s, %s, %s)")
                params += [unit_id, day, due, bad, n]
            cursor.execute(
                f"INSERT INTO {table} (unit_id, day, due_day, flagged, count) VALUES {', '.join(values)} "
                f"ON CONFLICT (unit_id, day, due_day, flagged) DO UPDATE SET count = {table}.count + excluded.count",
                params,
            )


def expected() -> tuple[Cells, Opens]:
    """Every counter as computed from the petitions themselves."""
    cells: Cells = Counter()
    opens: Opens = Counter()
    for p in Petition.objects.select_related("unit").iterator(chunk_size=2000):
        _spread(snapshot(p), 1, cells, opens)
    return cells, opens


def _live() -> tuple[Cells, Opens]:
    cells: Cells = Counter()
    for row in PetitionCounter.objects.values("unit_id", "day", *PETITION_COLUMNS):
        for c in PETITION_COLUMNS:
            if row[c]:
                cells[(row["unit_id"], row["day"], c)] = row[c]
    opens: Opens = Counter({
        (r["unit_id"], r["day"], r["due_day"], r["flagged"]): r["count"]
        for r in PetitionOpenCounter.objects.values("unit_id", "day", "due_day", "flagged", "count") if r["count"]
    })
    return cells, opens


def rebuild() -> int:
    """Replace the petition counters by their values computed from the petitions; returns the rows written."""
    with transaction.atomic():
        # Lock the petitions' table for the rebuild's read (PostgreSQL): an action that would move a counter
        # waits and then adds its difference to the rebuilt counts.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {PetitionCounter._meta.db_table}, {PetitionOpenCounter._meta.db_table}")
        PetitionCounter.objects.all().delete()
        PetitionOpenCounter.objects.all().delete()
        cells, opens = expected()
        _write({k: n for k, n in cells.items() if n}, {k: n for k, n in opens.items() if n})
    return PetitionCounter.objects.count() + PetitionOpenCounter.objects.count()


def differences() -> dict[str, int]:
    """How many counter cells differ between the live counters and the petitions (0 everywhere is exact)."""
    want_cells, want_opens = expected()
    have_cells, have_opens = _live()
    want_cells = Counter({k: n for k, n in want_cells.items() if n})
    want_opens = Counter({k: n for k, n in want_opens.items() if n})
    return {
        "PetitionCounter": len(set(want_cells.items()) ^ set(have_cells.items())),
        "PetitionOpenCounter": len(set(want_opens.items()) ^ set(have_opens.items())),
    }


@dataclass
class PetitionSums:
    received: int = 0
    ended_on_time: int = 0
    flagged: int = 0
    open_in_time: int = 0
    open_late_unflagged: int = 0

    def figures(self) -> dict[str, tuple[int, int]]:
        """(numerator, denominator) of 5.2 ("on_time") and 5.3 ("satisfied")."""
        return {
            "on_time": (self.ended_on_time + self.open_in_time, self.received),
            "satisfied": (self.received - self.flagged - self.open_late_unflagged, self.received),
        }


def handled_here(pairs: set[tuple[int, date]]) -> set[tuple[int, date]]:
    """Of (unit, first day of a month) pairs, those where motcua holds petitions first received that month
    at the unit *itself* (its counter minus its direct subunits': the counters pool each subtree).

    An administrator's 5.2/5.3 figure for such a unit and month is not counted: motcua's own count
    replaces it (issue 19: a typed figure only for the petitions handled outside motcua).
    """
    if not pairs:
        return set()
    units = {u for u, _ in pairs}
    children = dict(Unit.objects.filter(parent_id__in=units).values_list("pk", "parent_id"))
    months = sorted(m for _, m in pairs)
    last = months[-1]
    end = (last.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    own: Counter = Counter()
    rows = PetitionCounter.objects.filter(unit_id__in=units | set(children), day__gte=months[0], day__lte=end)
    for row in rows.values("unit_id", "day", "received"):
        month = row["day"].replace(day=1)
        if row["unit_id"] in units:
            own[(row["unit_id"], month)] += row["received"]
        if row["unit_id"] in children:
            own[(children[row["unit_id"]], month)] -= row["received"]
    return {pair for pair in pairs if own[pair] > 0}


def collect(unit_ids: list[int], start: date, end: date, today: date) -> dict[int, PetitionSums]:
    out = {u: PetitionSums() for u in unit_ids}
    rows = PetitionCounter.objects.filter(unit_id__in=unit_ids, day__gte=start, day__lte=end)
    for row in rows.values("unit_id", "received", "ended_on_time", "flagged"):
        s = out[row["unit_id"]]
        s.received += row["received"]
        s.ended_on_time += row["ended_on_time"]
        s.flagged += row["flagged"]
    opens = PetitionOpenCounter.objects.filter(unit_id__in=unit_ids, day__gte=start, day__lte=end)
    for row in opens.values("unit_id", "due_day", "flagged", "count"):
        s = out[row["unit_id"]]
        if row["due_day"] >= today:
            s.open_in_time += row["count"]
        elif not row["flagged"]:
            s.open_late_unflagged += row["count"]
    return out
