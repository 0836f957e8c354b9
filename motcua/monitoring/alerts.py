"""The daily digest to each unit's leaders: dossiers at risk and indicators below target.

One outbox event (topic "mail") per leader, unit and day, written in one
transaction; `motcua scheduler` enqueues `send_kpi_digests` every round, and
the key makes a second run the same day write nothing. The outbox worker
sends the mail (notifications/delivery.py).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from motcua.dossiers.models import DeadlineState, Dossier
from motcua.identity.language import language_of
from motcua.lib import extensions
from motcua.monitoring import config, query
from motcua.monitoring.access import LEADERS
from motcua.monitoring.contributions import OPEN, zone
from motcua.notifications.models import OutboxEvent
from motcua.notifications.outbox import emit
from motcua.units.models import Membership, Unit

SEND_FROM = time(7, 0)  # local time: the digest waits for the morning
MAX_CODES = 20


def _key(username: str, unit: Unit, day: date) -> str:
    return f"kpi-digest:{day:%Y%m%d}:{unit.code}:{username}"[:64]


def digest_lines(unit: Unit, day: date, cfg: config.Config) -> list[str]:
    """What a leader of `unit` reads today; empty when there is nothing to report."""
    lines: list[str] = []
    risky = (
        Dossier.objects.filter(unit__path__startswith=unit.path, status__in=OPEN,
                               deadline_state__in=(DeadlineState.AT_RISK, DeadlineState.LATE))
        .order_by("due_at").values_list("code", "deadline_state")
    )
    risky = list(risky[: MAX_CODES + 1])
    if risky:
        lines.append(_("Hồ sơ sắp đến hạn hoặc quá hạn:"))
        lines += [f"- {code} ({DeadlineState(state).label})" for code, state in risky[:MAX_CODES]]
        if len(risky) > MAX_CODES:
            lines.append(_("… và các hồ sơ khác trên trang Xử lý hồ sơ."))
    # Other rooms' lines (insights: the dossiers likely to be late, before they are).
    for more in extensions.gather("kpi.digest_lines", unit):
        lines += more
    start, end = date(day.year, 1, 1), day - timedelta(days=1)
    if end >= start:
        r = query.report(unit, start, end, with_rank=False, cfg=cfg)
        h = r.headline
        below = [i for i in r.indicators if not i.no_data and i.ratio is not None and i.ratio < i.threshold]
        if h["met"] is False or below:
            lines.append(_("Chỉ số chưa đạt (từ đầu năm đến hôm qua):"))
        if h["met"] is False:
            lines.append(_("- Tỷ lệ hồ sơ trực tuyến toàn trình: %(rate).2f%% (chỉ tiêu %(target).0f%%)")
                         % {"rate": h["rate"], "target": h["target"]})
        for i in below:
            lines.append(f"- {i.ref} {i.name}: {i.ratio * 100:.2f}% ({i.numerator}/{i.denominator})")
    return lines


def send_digests(now: datetime | None = None) -> int:
    """Write today's digests not yet written; returns how many."""
    now = now or timezone.now()
    local = now.astimezone(zone())
    if local.time() < SEND_FROM:
        return 0
    day = local.date()
    cfg = config.load()
    written = 0
    leaders = (
        Membership.objects.filter(role__in=LEADERS).exclude(user__email="")
        .select_related("user", "unit__parent").order_by("unit__path", "user__username")
    )
    # One digest per unit and language: each leader reads it in the language they chose on the site.
    per_unit: dict[tuple[int, str], list[str]] = {}
    for m in leaders:
        unit = m.unit.scope_root
        key = _key(m.user.get_username(), unit, day)
        if OutboxEvent.objects.filter(topic="mail", key=key).exists():
            continue
        language = language_of(m.user)
        with translation.override(language):
            if (unit.pk, language) not in per_unit:
                per_unit[unit.pk, language] = digest_lines(unit, day, cfg)
            lines = per_unit[unit.pk, language]
            if not lines:
                continue
            subject = _("Bản tin chỉ số ngày %(day)s — %(unit)s") % {"day": f"{day:%d/%m/%Y}", "unit": unit.display_name}
        with transaction.atomic():
            emit("mail", key, {"to": [m.user.email], "subject": subject, "body": "\n".join(lines) + "\n"}, now)
        written += 1
    return written


