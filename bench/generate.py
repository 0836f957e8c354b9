"""Fill a PostgreSQL database with a country's worth of dossiers, fast (COPY, not the ORM).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/motcua_bench \\
        .venv/bin/python bench/generate.py --dossiers 1000000 --recreate

What it makes (every row through PostgreSQL's COPY, in chunks):
- the demo units and users (`motcua load-demo`'s province H99, ministries G12, G05),
  plus ~700 generated units: ministries with departments, 34 provinces each with
  a public administration service centre (one-stop) and six departments, and
  communes, each with its police;
- one officer per receiving unit (one-stop officer), password `demo-motcua`;
- the shipped procedures (`procedures/*.yaml`, through the catalog importer);
- citizens (default: one per ten dossiers, at least 1,000) living in the communes,
  password `demo-motcua`, usernames `cd0000001`, …;
- N dossiers spread over the last two years (working hours, weekdays mostly), at the
  unit that serves the applicant's home for the procedure, with realistic outcomes:
  returned, processed, refused, withdrawn, stopped, supplements (the clock paused),
  late ones, and the open ones still in their statuses; their DossierEvent history
  (submit, receive or refuse, start_processing, request/submit_supplement,
  issue_result, return_result, withdraw, stop), their SupplementRequest rows, and
  the DailySequence of every unit and day, so a dossier submitted afterwards never
  takes a code already given;
- their workflow steps (Task rows, one per step of the procedure's workflow, at the
  dossier's unit): the first step done at receipt, the steps between sharing the time
  from receipt to the result by their share of the deadline (each with its own
  lognormal spread, a unit's pace and a few slow (unit, step) pairs), the end step done
  when the result is returned; open dossiers have their current step open and the next
  ones waiting; ended-early ones (refused, withdrawn, stopped) have the rest cancelled.
  What the insights' step tables are built from (`motcua insights build`, bench/kpi.py).

Rows are built from each model's concrete fields (MODEL-DRIVEN): a field takes
its value from the row's facts (a dict, by field name or attname), else from the
table's generator for it, else a sane fallback (the field's default, NULL if
nullable, "" if blank, now() for auto_now). A field that another branch adds
later therefore works as long as it has a default or is nullable; one that does
not fails at once with its name. To extend, add generators:

    from bench import generate
    generate.DOSSIER_FIELDS["my_field"] = lambda facts: ...
    generate.CHUNK_HOOKS.append(lambda gen, chunk: ...)  # extra tables per chunk

Prints rows per second for each table and overall.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import os
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
Facts = dict[str, Any]
Generator = Callable[[Facts], Any]


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    os.environ.setdefault("MOTCUA_VAR_DIR", str(ROOT / "var"))
    os.environ["CATALOG_LOAD_ON_START"] = "false"
    os.environ["DEBUG"] = "false"  # no query log in memory
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- model-driven rows ---------------------------------------------------------------------------


class Table:
    """How to turn facts into a row of one model, for every concrete field.

    A JSON field's value is encoded with json.dumps, except a `str`, which is taken as
    JSON text already encoded (so a constant document is encoded once, not per row).
    """

    def __init__(self, model, generators: dict[str, Generator] | None = None) -> None:
        from django.db import models

        self.model = model
        self.name = model._meta.db_table
        self.fields = list(model._meta.concrete_fields)
        self.columns = [f.column for f in self.fields]
        self.getters: list[Callable[[Facts], Any]] = []
        generators = generators or {}
        for f in self.fields:
            getter = self._getter(f, generators.get(f.name) or generators.get(f.attname))
            if isinstance(f, models.JSONField):
                getter = _json(getter)
            self.getters.append(getter)

    def _getter(self, f, generator: Generator | None) -> Callable[[Facts], Any]:
        name, attname = f.name, f.attname
        fallback = generator or self._fallback(f)

        def get(facts: Facts) -> Any:
            if name in facts:
                return facts[name]
            if attname in facts:
                return facts[attname]
            return fallback(facts)

        return get

    def _fallback(self, f) -> Generator:
        from django.db.models import NOT_PROVIDED

        label = f"{self.model.__name__}.{f.name}"
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            return lambda facts: facts.get("_now") or datetime.now(UTC)
        if f.default is not NOT_PROVIDED:
            if callable(f.default):
                return lambda facts: f.get_default()
            constant = f.get_default()
            return lambda facts: constant
        if f.null:
            return lambda facts: None
        if f.blank and f.get_internal_type() in ("CharField", "TextField", "SlugField", "EmailField", "URLField"):
            return lambda facts: ""

        def missing(facts: Facts) -> Any:
            raise KeyError(f"no value for {label} (NOT NULL, no default): add it to the facts or a generator")

        return missing

    def row(self, facts: Facts) -> tuple:
        return tuple(get(facts) for get in self.getters)

    def copy(self, cursor, rows: Iterable[Facts]) -> int:
        """COPY the rows in; returns how many."""
        n = 0
        columns = ", ".join(f'"{c}"' for c in self.columns)
        with cursor.copy(f'COPY "{self.name}" ({columns}) FROM STDIN') as copy:
            for facts in rows:
                copy.write_row(self.row(facts))
                n += 1
        return n


def _json(getter: Callable[[Facts], Any]) -> Callable[[Facts], Any]:
    def get(facts: Facts) -> Any:
        value = getter(facts)
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False)

    return get


# Per-model generators for the fields a fact dict does not carry. Extend freely.
DOSSIER_FIELDS: dict[str, Generator] = {
    "updated_at": lambda f: f["_events"][-1]["at"],
    "legal_due_at": lambda f: f.get("due_at"),
}
EVENT_FIELDS: dict[str, Generator] = {
    "reason": lambda f: "",
    "data": lambda f: "{}",
}
SUPPLEMENT_FIELDS: dict[str, Generator] = {}
TASK_FIELDS: dict[str, Generator] = {
    "name": lambda f: "{}",
    "may_request_supplement": lambda f: False,
}
# Called after each chunk of dossiers is written: (generator, [dossier facts]) -> None.
CHUNK_HOOKS: list[Callable[[Any, list[Facts]], None]] = []


# --- the country ---------------------------------------------------------------------------------

MINISTRIES = [  # (code letter+number, name, agency of its department)
    ("G01", "Bộ Quốc phòng", "defence"), ("G02", "Bộ Ngoại giao", "foreign_affairs"),
    ("G03", "Bộ Nội vụ", "home_affairs"), ("G04", "Bộ Tài chính", "finance"),
    ("G06", "Bộ Công Thương", "industry_trade"), ("G07", "Bộ Nông nghiệp và Môi trường", "environment"),
    ("G08", "Bộ Xây dựng", "construction"), ("G09", "Bộ Khoa học và Công nghệ", "science"),
    ("G10", "Bộ Giáo dục và Đào tạo", "education"), ("G11", "Bộ Y tế", "health"),
    ("G13", "Bộ Văn hóa, Thể thao và Du lịch", "culture"), ("G14", "Ngân hàng Nhà nước Việt Nam", "banking"),
]
PROVINCES = [
    "Hà Nội", "Huế", "Lai Châu", "Điện Biên", "Sơn La", "Lạng Sơn", "Quảng Ninh", "Thanh Hóa", "Nghệ An",
    "Hà Tĩnh", "Cao Bằng", "Tuyên Quang", "Lào Cai", "Thái Nguyên", "Phú Thọ", "Bắc Ninh", "Hưng Yên",
    "Hải Phòng", "Ninh Bình", "Quảng Trị", "Đà Nẵng", "Quảng Ngãi", "Gia Lai", "Khánh Hòa", "Lâm Đồng",
    "Đắk Lắk", "Thành phố Hồ Chí Minh", "Đồng Nai", "Tây Ninh", "Cần Thơ", "Vĩnh Long", "Đồng Tháp",
    "Cà Mau", "An Giang",
]
# (number in the code, name, agency)
DEPARTMENTS = [
    ("17", "Sở Tư pháp", "justice"), ("30", "Công an tỉnh", "police"), ("21", "Sở Xây dựng", "construction"),
    ("40", "Bảo hiểm xã hội tỉnh", "social_insurance"), ("10", "Sở Tài chính", "finance"),
    ("15", "Sở Nội vụ", "home_affairs"),
]
COMMUNE_WORDS = ["An", "Bình", "Hòa", "Phú", "Tân", "Thạnh", "Long", "Phước", "Mỹ", "Đông", "Tây", "Nam",
                 "Bắc", "Trung", "Hưng", "Thuận", "Lộc", "Xuân", "Thịnh", "Quang"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
          "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Thu", "Quang", "Ngọc", "Đức", "Thanh", "Hoài"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Khánh", "Lan", "Linh", "Long",
         "Mai", "Nam", "Nga", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến"]
PID_PROVINCES = ["001", "079", "031", "048", "092", "038", "040", "026", "036", "052"]


@dataclass
class Options:
    dossiers: int
    citizens: int
    communes_per_province: int = 6
    years: float = 2.0
    seed: int = 7
    chunk: int = 50_000
    now: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))


class Country:
    """Ids and shapes of what was generated, kept in memory to build the dossiers."""

    def __init__(self) -> None:
        self.units: dict[int, Facts] = {}  # id -> unit facts (code, kind, agency, level, path, parent)
        self.communes: list[int] = []
        self.officer_of: dict[int, int] = {}  # a receiving unit's id -> the id of its one-stop officer
        self.citizens: list[tuple[int, int]] = []  # (user id, home commune id)


class Generator_:
    """Runs the whole generation on one PostgreSQL connection."""

    def __init__(self, options: Options) -> None:
        from django.db import connection

        self.o = options
        self.rng = random.Random(options.seed)
        self.country = Country()
        connection.ensure_connection()
        self.pg = connection.connection  # the psycopg 3 connection
        self.stats: list[tuple[str, int, float]] = []

    # ids: rows get explicit ids, the sequences are moved past them at the end
    def next_id(self, model) -> int:
        with self.pg.cursor() as cur:
            cur.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{model._meta.db_table}"')
            return int(cur.fetchone()[0]) + 1

    def reset_sequences(self, models: Iterable) -> None:
        with self.pg.cursor() as cur:
            for model in models:
                table = model._meta.db_table
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'(SELECT GREATEST(COALESCE(MAX(id), 0), 1) FROM "{table}"))'
                )

    def copy(self, table: Table, rows: Iterable[Facts]) -> int:
        started = time.perf_counter()
        with self.pg.cursor() as cur:
            n = table.copy(cur, rows)
        self.stats.append((table.name, n, time.perf_counter() - started))
        return n

    # --- units, officers, citizens ---------------------------------------------------------------

    def units(self) -> None:
        from motcua.demo.data import load_units_and_users
        from motcua.units.models import Unit, UnitKind

        load_units_and_users()  # the demo province and ministries, and their staff
        for u in Unit.objects.all():
            self.country.units[u.pk] = {"id": u.pk, "code": u.code, "kind": u.kind, "agency": u.agency,
                                        "level": u.level, "path": u.path, "parent_id": u.parent_id}
        if Unit.objects.filter(code="000.00.00.H01").exists():
            raise SystemExit("this database already holds generated units: use --recreate")
        next_id = self.next_id(Unit)
        rows: list[Facts] = []

        def add(code: str, name: str, kind: str, agency: str, parent: Facts | None, level: str) -> Facts:
            nonlocal next_id
            facts = {"id": next_id, "code": code, "name": name, "name_en": "", "kind": kind, "agency": agency,
                     "parent_id": parent["id"] if parent else None, "level": level,
                     "path": (parent["path"] if parent else "/") + f"{next_id}/"}
            next_id += 1
            rows.append(facts)
            self.country.units[facts["id"]] = facts
            return facts

        for code, name, agency in MINISTRIES:
            ministry = add(f"000.00.00.{code}", name, UnitKind.MINISTRY, "", None, UnitKind.MINISTRY)
            add(f"000.01.00.{code}", f"Cục 1 — {name}", UnitKind.DEPARTMENT, agency, ministry, UnitKind.MINISTRY)
            add(f"000.02.00.{code}", f"Cục 2 — {name}", UnitKind.DEPARTMENT, agency, ministry, UnitKind.MINISTRY)
        for p, province_name in enumerate(PROVINCES, start=1):
            h = f"H{p:02d}"
            province = add(f"000.00.00.{h}", f"UBND {province_name}", UnitKind.PROVINCE, "people_committee",
                           None, UnitKind.PROVINCE)
            add(f"000.00.01.{h}", f"Trung tâm Phục vụ hành chính công {province_name}", UnitKind.ONE_STOP, "",
                province, UnitKind.PROVINCE)
            for number, name, agency in DEPARTMENTS:
                add(f"000.00.{number}.{h}", f"{name} {province_name}", UnitKind.DEPARTMENT, agency, province,
                    UnitKind.PROVINCE)
            for c in range(self.o.communes_per_province):
                word = f"{COMMUNE_WORDS[(p + c) % len(COMMUNE_WORDS)]} {COMMUNE_WORDS[(p * 7 + c * 3) % len(COMMUNE_WORDS)]}"
                commune = add(f"000.{11 + c:02d}.00.{h}", f"UBND xã {word}", UnitKind.COMMUNE, "people_committee",
                              province, UnitKind.COMMUNE)
                add(f"000.{11 + c:02d}.30.{h}", f"Công an xã {word}", UnitKind.DEPARTMENT, "police", commune,
                    UnitKind.COMMUNE)
                self.country.communes.append(commune["id"])
        self.copy(Table(Unit), rows)
        self.reset_sequences([Unit])

    def people(self, password_hash: str) -> None:
        from motcua.identity.models import CitizenProfile, User
        from motcua.lib.text import fold
        from motcua.units.models import Membership, Role, UnitKind

        user_id, profile_id, membership_id = self.next_id(User), self.next_id(CitizenProfile), self.next_id(Membership)
        now = self.o.now
        users: list[Facts] = []
        memberships: list[Facts] = []
        generated = [u for u in self.country.units.values() if u["code"][-3:-2] in "GH" and u["code"][-3:] not in ("G12", "G05", "H99")]
        for unit in generated:
            if unit["kind"] in (UnitKind.ONE_STOP, UnitKind.COMMUNE, UnitKind.MINISTRY):
                users.append({"id": user_id, "username": f"cb{unit['id']:06d}", "password": password_hash,
                              "first_name": "Cán bộ", "last_name": unit["code"], "date_joined": now, "_now": now})
                memberships.append({"id": membership_id, "user_id": user_id, "unit_id": unit["id"],
                                    "role": Role.ONE_STOP_OFFICER})
                # The officer receives for the unit (a commune, a ministry) or, at a one-stop
                # centre, for every department of the parent.
                served = unit["parent_id"] if unit["kind"] == UnitKind.ONE_STOP else unit["id"]
                for u in self.country.units.values():
                    if u["id"] == served or (u["parent_id"] == served and u["kind"] == UnitKind.DEPARTMENT):
                        self.country.officer_of.setdefault(u["id"], user_id)
                user_id += 1
                membership_id += 1
        # Demo units keep their demo officers; any other unit gets the first user as a stand-in actor.
        citizens: list[Facts] = []
        profiles: list[Facts] = []
        rng = self.rng
        taken = set(CitizenProfile.objects.values_list("personal_id", flat=True))  # the demo citizens'
        for i in range(1, self.o.citizens + 1):
            home = rng.choice(self.country.communes)
            born = rng.randint(1950, 2006)
            # Unique for up to 10 million citizens: the province part counts the millions.
            province = PID_PROVINCES[(i // 1_000_000) % len(PID_PROVINCES)]
            pid = f"{province}{(0 if born < 2000 else 2) + (i & 1)}{born % 100:02d}{i % 1_000_000:06d}"
            while pid in taken:
                born -= 1
                pid = f"{pid[:4]}{born % 100:02d}{pid[6:]}"
            name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            last, _, first = name.rpartition(" ")
            citizens.append({"id": user_id, "username": f"cd{i:07d}", "password": password_hash, "first_name": first,
                             "last_name": last, "date_joined": now, "_now": now})
            profiles.append({"id": profile_id, "user_id": user_id, "personal_id": pid, "full_name": name,
                             "search_name": fold(name),
                             "birth_date": date(born, rng.randint(1, 12), rng.randint(1, 28)),
                             "phone": f"09{i:08d}", "assurance_level": 2, "home_unit_id": home})
            self.country.citizens.append((user_id, home))
            user_id += 1
            profile_id += 1
        self.copy(Table(User), users + citizens)
        self.copy(Table(Membership), memberships)
        self.copy(Table(CitizenProfile), profiles)
        self.reset_sequences([User, Membership, CitizenProfile])

    # --- procedures ------------------------------------------------------------------------------

    def procedures(self) -> list[Facts]:
        from django.conf import settings

        from motcua.catalog.loader import load_paths
        from motcua.catalog.models import Procedure
        from motcua.catalog.search import implementing_units
        from motcua.units.models import path_ids

        load_paths([Path(settings.PROCEDURES_DIR)])
        result = []
        for p in Procedure.objects.filter(active=True, current__isnull=False).select_related("current"):
            d = p.current.definition
            candidates = set(implementing_units(p).values_list("pk", flat=True))
            # Each commune's applicants go to the nearest candidate (as actions._resolve_unit does).
            serving: dict[int, int] = {}
            for commune in self.country.communes:
                ancestors = path_ids(self.country.units[commune]["path"])
                depth = {pk: i for i, pk in enumerate(ancestors)}
                best, best_depth = None, -1
                for pk in candidates:
                    u = self.country.units[pk]
                    at = depth.get(pk, depth.get(u["parent_id"], -1))
                    if at > best_depth:
                        best, best_depth = pk, at
                if best is not None:
                    serving[commune] = best
            if not serving:
                continue
            components = [
                {"key": c["key"], "source": next(iter(c["sources"][0])), "name": f"{c['key']}.pdf"}
                for c in d.get("components", []) if c.get("required", True) and not c.get("when")
            ]
            from motcua.catalog import timing

            scale = timing.step_scale(d, int(d["processing_days"]))
            steps = [{"step": st["id"], "name": json.dumps(st.get("name") or {}, ensure_ascii=False), "role": st["role"],
                      "after": json.dumps(st.get("after", [])), "days": float(st["days"]) * scale,
                      "is_end": bool(st.get("end")), "may_request_supplement": bool(st.get("may_request_supplement")),
                      "calendar_days": st.get("calendar_days"), "first": not st.get("after")}
                     for st in (d.get("workflow") or {}).get("steps", [])]
            result.append({
                "steps": steps,
                "id": p.pk, "code": p.code, "version_id": p.current_id, "version": p.current.number,
                "days": int(d["processing_days"]), "fee": p.fee, "serving": serving,
                "data": json.dumps(d.get("example", {}), ensure_ascii=False),
                "components": json.dumps(components, ensure_ascii=False),
                "component_keys": [c["key"] for c in components] or ["giay_to"],
                "weight": 1 + (5 if d["processing_days"] <= 3 else 0),  # quick commune procedures are most common
            })
        return result

    # --- dossiers --------------------------------------------------------------------------------

    def dossiers(self, procedures: list[Facts]) -> None:
        from motcua.dossiers.models import DailySequence, Dossier, DossierEvent, SupplementRequest, Task

        dossier_table = Table(Dossier, DOSSIER_FIELDS)
        event_table = Table(DossierEvent, EVENT_FIELDS)
        supplement_table = Table(SupplementRequest, SUPPLEMENT_FIELDS)
        task_table = Table(Task, TASK_FIELDS)
        task_id = self.next_id(Task)
        # A unit's pace (0.6–1.4 of the usual) and a few slow (unit, step) pairs: where the time goes differs.
        pace: dict[int, float] = {}
        slow: dict[tuple[int, str], float] = {}
        sequence_table = Table(DailySequence)
        dossier_id, event_id, supplement_id = (self.next_id(Dossier), self.next_id(DossierEvent),
                                               self.next_id(SupplementRequest))
        weights = list(_cumulative([p["weight"] for p in procedures]))
        # The moments, sorted: dossiers of a unit get their daily numbers in time order.
        start = self.o.now - timedelta(days=365 * self.o.years)
        span = (self.o.now - timedelta(hours=1) - start).total_seconds()
        sequences: Counter[tuple[int, date]] = Counter()
        frequent = max(1, len(self.country.citizens) // 100)
        fallback_officer = min(self.country.officer_of.values())
        total = self.o.dossiers
        made = 0
        while made < total:
            n = min(self.o.chunk, total - made)
            # Each chunk covers its own slice of time, so codes increase with ids.
            lo = start + timedelta(seconds=span * made / total)
            width = span * n / total
            moments = sorted(_office_moment(self.rng, lo, width) for _ in range(n))
            chunk: list[Facts] = []
            tasks: list[Facts] = []
            events: list[Facts] = []
            supplements: list[Facts] = []
            for submitted in moments:
                rng = self.rng
                # One citizen in a hundred files for a family or a business: ten times as often.
                who = rng.randrange(frequent) if rng.random() < 0.1 else rng.randrange(len(self.country.citizens))
                applicant, home = self.country.citizens[who]
                proc = procedures[bisect.bisect_right(weights, rng.random() * weights[-1])]
                unit_id = proc["serving"].get(home) or next(iter(proc["serving"].values()))
                unit = self.country.units[unit_id]
                day = submitted.astimezone(LOCAL).date()
                sequences[(unit_id, day)] += 1
                facts = simulate(rng, self.o.now, submitted, proc)
                facts.update({
                    "id": dossier_id, "code": f"{unit['code']}-{day:%y%m%d}-{sequences[(unit_id, day)]:04d}",
                    "procedure_id": proc["id"], "procedure_version_id": proc["version_id"], "unit_id": unit_id,
                    "applicant_id": applicant, "data": proc["data"], "components": proc["components"],
                    "fee": proc["fee"],
                })
                officer = self.country.officer_of.get(unit_id, fallback_officer)
                for e in facts["_events"]:
                    e.update({"id": event_id, "dossier_id": dossier_id,
                              "actor_id": applicant if e.pop("by_applicant", False) else officer})
                    events.append(e)
                    event_id += 1
                for s in facts["_supplements"]:
                    s.update({"id": supplement_id, "dossier_id": dossier_id, "requested_by_id": officer,
                              "items": [{"key": rng.choice(proc["component_keys"]), "reason": s["reason"]}]})
                    supplements.append(s)
                    supplement_id += 1
                if unit_id not in pace:
                    pace[unit_id] = rng.uniform(0.6, 1.4)
                for t in simulate_steps(rng, self.o.now, facts, proc, pace[unit_id], slow, unit_id):
                    t.update({"id": task_id, "dossier_id": dossier_id, "unit_id": unit_id,
                              "assignee_id": officer if t["claimed_at"] else None,
                              "done_by_id": officer if t["done_at"] else None})
                    tasks.append(t)
                    task_id += 1
                chunk.append(facts)
                dossier_id += 1
            with self.pg.transaction():
                self.copy(dossier_table, chunk)
                self.copy(event_table, events)
                self.copy(supplement_table, supplements)
                self.copy(task_table, tasks)
                for hook in CHUNK_HOOKS:
                    hook(self, chunk)
            made += n
            elapsed = sum(s[2] for s in self.stats)
            print(f"  {made:>10,} dossiers, {event_id:>11,} events ({elapsed:.0f} s in COPY)", flush=True)
        sequence_id = self.next_id(DailySequence)
        rows = [{"id": sequence_id + i, "unit_id": u, "day": d, "last": last}
                for i, ((u, d), last) in enumerate(sequences.items())]
        self.copy(sequence_table, rows)
        self.reset_sequences([Dossier, DossierEvent, SupplementRequest, DailySequence, Task])


def _cumulative(values: list[int]) -> Iterable[int]:
    total = 0
    for v in values:
        total += v
        yield total


def _office_moment(rng: random.Random, lo: datetime, width: float) -> datetime:
    """A moment in the slice: online filings come at any hour; most come in office hours on weekdays."""
    at = lo + timedelta(seconds=rng.random() * width)
    if rng.random() < 0.2:
        return at.replace(microsecond=0)
    local = at.astimezone(LOCAL)
    if local.weekday() >= 5:  # move a weekend moment to the Friday before
        local -= timedelta(days=local.weekday() - 4)
    local = local.replace(hour=rng.randint(7, 16), minute=rng.randint(0, 59), second=rng.randint(0, 59), microsecond=0)
    return max(min(local.astimezone(UTC), lo + timedelta(seconds=width)), lo)


def add_working_days(at: datetime, days: float) -> datetime:
    """Weekdays only (the bench needs plausible dates, not the holiday calendar)."""
    whole, part = int(days), days - int(days)
    d = at
    while whole > 0:
        d += timedelta(days=1)
        if d.astimezone(LOCAL).weekday() < 5:
            whole -= 1
    return d + timedelta(hours=8 * part)


def simulate(rng: random.Random, now: datetime, submitted: datetime, proc: Facts) -> Facts:
    """One dossier's life up to `now`: its status, times and history events."""
    S = {"submitted": 1, "received": 2, "refused": 3, "processing": 4, "supplement": 5, "payment": 6,
         "withdrawn": 7, "stopped": 8, "processed": 9, "returned": 10}
    channel = rng.choices((1, 2, 3), weights=(35, 60, 5))[0]
    f: Facts = {"channel": channel, "submitted_at": submitted, "status": S["submitted"], "supplement_count": 0,
                "paused_days": 0, "deadline_state": "on_time", "payment_due": 0}
    events: list[Facts] = [{"action": "submit", "from_status": None, "to_status": 1, "at": submitted,
                            "by_applicant": True, "data": json.dumps({"version": proc["version"]})}]
    supplements: list[Facts] = []
    f["_events"], f["_supplements"] = events, supplements

    def event(action: str, to: int, at: datetime, reason: str = "", by_applicant: bool = False) -> bool:
        """Record the step if it has happened by now."""
        if at > now:
            return False
        events.append({"action": action, "from_status": f["status"], "to_status": to, "at": at,
                       "reason": reason, "by_applicant": by_applicant})
        f["status"] = to
        return True

    received = submitted if channel == 1 else submitted + timedelta(hours=rng.uniform(0.5, 30))
    if rng.random() < 0.015:  # withdrawn before anyone looked
        event("withdraw", S["withdrawn"], submitted + timedelta(hours=rng.uniform(0.2, 20)), "Không còn nhu cầu",
              by_applicant=True)
        return f
    if rng.random() < 0.03:
        if event("refuse", S["refused"], received, "Hồ sơ không thuộc thẩm quyền"):
            f["finished_at"] = received
        return f
    if not event("receive", S["received"], received):
        return f
    f["received_at"] = received
    due = add_working_days(received, proc["days"])
    f["due_at"] = due
    started = received + timedelta(hours=rng.uniform(0.1, 6))
    if not event("start_processing", S["processing"], started):
        return f
    clock = started
    if rng.random() < 0.08:  # a supplement request: the clock stops while the applicant answers
        asked = clock + timedelta(hours=rng.uniform(1, 8 * max(1, proc["days"]) / 2))
        if not event("request_supplement", S["supplement"], asked, "Bổ sung bản sao giấy tờ"):
            return f
        f["supplement_count"] = 1
        f["paused_at"], f["status_before_pause"] = asked, S["processing"]
        wait = rng.randint(1, 10)
        answered = asked + timedelta(days=wait)
        supplement = {"number": 1, "reason": "Bổ sung bản sao giấy tờ", "requested_at": asked,
                      "answered_at": None, "answer": "[]", "paused_days": 0}
        supplements.append(supplement)
        if not event("submit_supplement", S["processing"], answered, by_applicant=True):
            return f
        supplement.update({"answered_at": answered, "paused_days": wait})
        f.update({"paused_at": None, "status_before_pause": None, "paused_days": wait})
        f["due_at"] = due = add_working_days(due, wait)
        clock = answered
    if rng.random() < 0.01:
        if event("stop", S["stopped"], clock + timedelta(days=rng.uniform(0.5, 3)), "Người nộp không đủ điều kiện"):
            f["finished_at"] = events[-1]["at"]
        return f
    # Most finish within the promised time; about one in ten is late.
    share = rng.uniform(1.0, 1.6) if rng.random() < 0.1 else rng.uniform(0.2, 0.95)
    finished = received + (due - received) * share + (clock - started)
    if not event("issue_result", S["processed"], max(finished, clock + timedelta(minutes=30))):
        f["deadline_state"] = "late" if now > due else ("at_risk" if due - now < timedelta(days=1) else "on_time")
        return f
    f["finished_at"] = f["approved_at"] = events[-1]["at"]
    if channel != 2 or rng.random() < 0.9:
        if event("return_result", S["returned"], events[-1]["at"] + timedelta(hours=rng.uniform(1, 72))):
            f["returned_at"] = events[-1]["at"]
    return f


def simulate_steps(rng: random.Random, now: datetime, f: Facts, proc: Facts, pace: float,
                   slow: dict[tuple[int, str], float], unit_id: int) -> list[Facts]:
    """The workflow steps of one simulated dossier (`simulate`'s facts), as Task facts, up to `now`.

    The first step is done at receipt; the steps between share the time from receipt to the
    result (or, still open, to a planned result) by their share of the deadline × the unit's pace ×
    a lognormal spread (× 1.5–3 for a slow (unit, step) pair, one in twenty); the end step opens
    with the result and is done when it is returned. Whatever had not happened by `now` is open
    or waiting; a dossier refused, withdrawn or stopped has the rest cancelled.
    """
    steps = proc["steps"]
    if not steps:
        return []
    submitted, received = f["submitted_at"], f.get("received_at")
    ended = f.get("finished_at")
    cancelled_from = None
    if received is None or f["status"] in (3, 7, 8):  # refused, withdrawn, stopped: the rest is cancelled
        cancelled_from = ended or next((e["at"] for e in f["_events"] if e["to_status"] in (3, 7, 8)), submitted)
    middle = [s for s in steps if not s["first"] and not s["is_end"]]
    if received is not None:
        target = ended if ended is not None and f["status"] in (9, 10) else None
        if target is None:  # still open (or stopped): a planned result after the due date's share
            due = f.get("due_at") or received
            target = received + (due - received) * rng.uniform(0.3, 1.3) + timedelta(hours=1)
        weights = []
        for s in middle:
            factor = slow.setdefault((unit_id, s["step"]), rng.uniform(1.5, 3) if rng.random() < 0.05 else 1.0)
            weights.append(s["days"] * pace * factor * math.exp(rng.gauss(0, 0.5)))
        total = sum(weights) or 1.0
        bounds, at = [], received
        for w in weights:
            nxt = at + (target - received) * (w / total)
            bounds.append((at, nxt))
            at = nxt
    rows = []
    for s in steps:
        row = {"step": s["step"], "name": s["name"], "role": s["role"], "after": s["after"], "days": s["days"],
               "is_end": s["is_end"], "may_request_supplement": s["may_request_supplement"],
               "calendar_days": s["calendar_days"], "status": "waiting", "opened_at": None, "claimed_at": None,
               "done_at": None, "due_at": None}
        if s["first"]:
            opened, done = submitted, received
        elif s["is_end"]:
            opened, done = f.get("finished_at") if f["status"] in (9, 10) else None, f.get("returned_at")
        elif received is not None:
            opened, done = bounds[middle.index(s)]
        else:
            opened, done = None, None
        if opened is not None and opened <= now and (cancelled_from is None or opened <= cancelled_from):
            row.update(status="open", opened_at=opened, due_at=add_working_days(opened, max(s["days"], 0)))
            if done is not None and done <= now and (cancelled_from is None or done <= cancelled_from):
                row.update(status="done", done_at=done, claimed_at=opened if s["first"] else
                           min(done, opened + (done - opened) * 0.1))
            elif cancelled_from is not None:
                row["status"] = "cancelled"
        elif cancelled_from is not None:
            row["status"] = "cancelled"
        rows.append(row)
    return rows


# --- command line ----------------------------------------------------------------------------------


def recreate_database() -> None:
    """Drop and create the database DATABASE_URL names (connected to the server's `postgres` db)."""
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    conninfo = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"],
                "password": db["PASSWORD"] or None, "dbname": "postgres"}
    with psycopg.connect(**{k: v for k, v in conninfo.items() if v}, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--citizens", type=int, default=None, help="default: dossiers / 10, at least 1,000")
    parser.add_argument("--communes-per-province", type=int, default=6)
    parser.add_argument("--years", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--chunk", type=int, default=50_000)
    parser.add_argument("--recreate", action="store_true", help="drop and create the database first")
    args = parser.parse_args(argv)
    _setup_django()
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("bench/generate.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    if args.recreate:
        recreate_database()
    started = time.perf_counter()

    def phase(name: str) -> None:
        print(f"  {time.perf_counter() - started:7.1f} s  {name}", flush=True)

    call_command("migrate", verbosity=0, interactive=False)
    phase("migrated")
    options = Options(dossiers=args.dossiers, citizens=args.citizens or max(1000, args.dossiers // 10),
                      communes_per_province=args.communes_per_province, years=args.years, seed=args.seed,
                      chunk=args.chunk)
    gen = Generator_(options)
    from motcua.demo.data import DEMO_PASSWORD

    with connection.cursor() as cur:
        cur.execute("SET synchronous_commit = off")  # this session only: a crash just means generating again
        # The rows are consistent by construction: skip the foreign-key triggers (Django's are
        # deferred to COMMIT, where they took most of the time). Needs a superuser; else checked.
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cur.fetchone()[0]:
            cur.execute("SET session_replication_role = replica")
    gen.units()
    phase("units (and the demo's users)")
    gen.people(make_password(DEMO_PASSWORD))
    phase("officers and citizens")
    procedures = gen.procedures()
    phase("procedures")
    print(f"{len(gen.country.units)} units, {len(gen.country.citizens)} citizens, {len(procedures)} procedures",
          flush=True)
    gen.dossiers(procedures)
    phase("dossiers")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    phase("analyzed")
    elapsed = time.perf_counter() - started
    by_table: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for name, n, seconds in gen.stats:
        by_table[name][0] += n
        by_table[name][1] += seconds
    rows = sum(v[0] for v in by_table.values())
    for name, (n, seconds) in sorted(by_table.items(), key=lambda kv: -kv[1][0]):
        print(f"{name:32} {int(n):>11,} rows {seconds:8.1f} s {n / max(seconds, 1e-9):>10,.0f} rows/s (build+COPY)")
    print(f"total {rows:,} rows in {elapsed:.1f} s: {rows / elapsed:,.0f} rows/s; "
          f"{options.dossiers / elapsed:,.0f} dossiers/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
