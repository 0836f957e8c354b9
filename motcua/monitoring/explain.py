"""Why each dossier counts: the dossiers behind an indicator's denominator, each with its verdict and reason.

The list is a SQL query (conditions.py, the rebuild's conditions), paginated in
SQL; whether a dossier is in the numerator is read from its own contribution
(contributions.contribution, the function the counters add up), so the list and
the counters cannot disagree. The reason says which fact decided, in the
user's language, with the dates compared (KPI-766.md §5).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.dossiers.facts import PAPER, POPULATION, POPULATION_PREFILL, REGISTRY_READ, VAULT
from motcua.dossiers.models import Dossier, Status
from motcua.monitoring import conditions
from motcua.monitoring.contributions import (
    ALREADY_LATE,
    ELECTRONIC,
    ENDED,
    contribution,
    e_result,
    end_time,
    local_day,
    obligation_awaited,
    on_time,
    open_key,
    refused_after_processing,
    zone,
)
from motcua.monitoring.indicators import INDICATORS, Indicator
from motcua.units.models import Unit

HEADLINE = Indicator("FULL_PROCESS_ONLINE_RATE", "", "", gettext_lazy("Tỷ lệ hồ sơ trực tuyến toàn trình"), "counter",
                     "full_online", "full_eligible")
EXPLAINED = {i.code: i for i in (*INDICATORS, HEADLINE) if i.source in ("counter", "progress", "procedures")}


@dataclass
class Line:
    dossier: Dossier
    counts: bool  # in the numerator
    reason: str


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = zone()
    return datetime.combine(start, time.min, tzinfo=tz), datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)


def denominator(ind: Indicator, unit: Unit | None, start: date, end: date, procedure_id: int | None) -> QuerySet[Dossier]:
    """The dossiers of the indicator's denominator for the unit's subtree and the period, as SQL."""
    since, until = _bounds(start, end)
    qs = Dossier.objects.all()
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if procedure_id is not None:
        qs = qs.filter(procedure_id=procedure_id)
    column = ind.denominator
    if ind.source == "progress":
        # §5.2: received by the period's end and not ended before its start (ended in it, or in progress at its end).
        qs = qs.filter(received_at__isnull=False, received_at__lt=until).filter(
            ~Q(status__in=ENDED) | Q(finished_at__gte=since) | Q(finished_at__isnull=True, updated_at__gte=since)
        )
    elif column in conditions.RECEIPT_COLUMNS:
        qs = conditions.received(qs).filter(received_at__gte=since, received_at__lt=until)
        qs = qs.filter(conditions.receipt_conditions(conditions.full_versions())[column])
    elif column in conditions.END_COLUMNS:
        qs = conditions.ended(qs).filter(end_at__gte=since, end_at__lt=until)
    else:
        qs = conditions.finished(qs).filter(finished_at__gte=since, finished_at__lt=until)
    return qs.select_related("unit", "procedure").order_by("received_at", "id")


def _d(moment: datetime | None) -> str:
    return moment.astimezone(zone()).strftime("%d/%m/%Y %H:%M") if moment else ""


def _deadline_reason(d, end: datetime, by_date: bool) -> str:
    args = {"end": _d(end), "due": _d(d.legal_due_at)}
    if d.legal_due_at is None:
        text = _("đúng hạn: không có hạn giải quyết")
    elif on_time(end, d.legal_due_at, by_date):
        text = _("đúng hạn: kết thúc %(end)s, không sau hạn theo quy định %(due)s") % args
    else:
        text = _("quá hạn: kết thúc %(end)s, sau hạn theo quy định %(due)s") % args
    if d.apology_count:
        text += " " + _("(ngày hẹn lại trong phiếu xin lỗi %(date)s không dùng để tính, §5.1)") % {"date": _d(d.due_at)}
    return text


def _progress(d, start: date, end: date, today: date, by_date: bool) -> tuple[bool, str]:
    ended = end_time(d)
    if ended is not None and local_day(ended) <= end:
        return on_time(ended, d.legal_due_at, by_date), _deadline_reason(d, ended, by_date)
    if end >= today and ended is None:
        key = open_key(d, by_date)
        if d.supplement_count > 1:
            return False, _("quá hạn: chưa kết thúc và đã yêu cầu bổ sung hơn một lần (§3 G2)")
        if d.status == Status.SUPPLEMENT_REQUESTED and d.paused_at is not None:
            fine = key != ALREADY_LATE
            return fine, (_("chờ bổ sung: yêu cầu lúc %(at)s, không sau hạn %(due)s") if fine
                          else _("chờ bổ sung: yêu cầu lúc %(at)s, sau hạn %(due)s")) % {
                "at": _d(d.paused_at), "due": _d(d.legal_due_at)}
        if obligation_awaited(d):
            fine = key != ALREADY_LATE
            return fine, (_("chờ thực hiện nghĩa vụ tài chính từ %(at)s (không tính thời gian), không sau hạn %(due)s")
                          if fine else
                          _("chờ thực hiện nghĩa vụ tài chính từ %(at)s (không tính thời gian), sau hạn %(due)s")) % {
                "at": _d(d.paused_at), "due": _d(d.legal_due_at)}
        fine = key is not None and key >= today
        return fine, _deadline_open(d, today, fine)
    # A past period: judged at its end (end = min(its end, the period's end), §5.2).
    stop = [day for day, col, _n in contribution(d, False, by_date).cells if col == "open_in_time_ends"]
    fine = not stop or stop[0] > end
    return fine, _deadline_open(d, end, fine)


def _deadline_open(d, at: date, fine: bool) -> str:
    args = {"at": at.strftime("%d/%m/%Y"), "due": _d(d.legal_due_at)}
    if d.legal_due_at is None:
        return _("đang giải quyết ngày %(at)s, không có hạn giải quyết") % args
    text = (_("đang giải quyết ngày %(at)s, còn trong hạn theo quy định %(due)s") if fine
            else _("đang giải quyết ngày %(at)s, đã quá hạn theo quy định %(due)s")) % args
    if d.apology_count:
        text += " " + _("(ngày hẹn lại trong phiếu xin lỗi %(date)s không dùng để tính, §5.1)") % {"date": _d(d.due_at)}
    return text


def _receipt_reason(column: str, d, counts: bool) -> str:
    s = d.component_sources
    if column in ("online", "full_online"):
        return _("nộp trực tuyến") if d.channel == 2 else _("nộp trực tiếp hoặc qua bưu chính")
    if column == "paid_online":
        return _("đã thanh toán trực tuyến") if counts else _("chưa thanh toán trực tuyến")
    if column == "digitized":
        if counts:
            return _("mọi thành phần là bản điện tử và đã có kết quả điện tử")
        if s & PAPER:
            return _("có thành phần chỉ có bản giấy")
        if not s & ELECTRONIC:
            return _("không có thành phần nào")
        return _("chưa có kết quả điện tử")
    if column == "reused":
        if s & VAULT:
            return _("dùng giấy tờ từ kho dữ liệu của người nộp")
        if s & REGISTRY_READ:
            return _("thành phần được đọc từ cơ sở dữ liệu cho hồ sơ này")
        return _("không tái sử dụng dữ liệu (thành phần do cơ sở dữ liệu giữ nhưng chưa tra cứu thì không tính)")
    if column == "vault":
        if s & VAULT:
            return _("dùng giấy tờ từ kho dữ liệu của người nộp")
        if e_result(d):
            return _("kết quả điện tử đã đưa vào kho dữ liệu của người nộp")
        return _("không dùng kho dữ liệu và chưa có kết quả điện tử")
    if column == "citizen_data":
        if d.vneid_auth:
            return _("người nộp đăng nhập bằng định danh điện tử VNeID")
        if s & VAULT:
            return _("dùng giấy tờ từ kho dữ liệu của người nộp")
        if s & (POPULATION | POPULATION_PREFILL):
            return _("dùng dữ liệu từ Cơ sở dữ liệu quốc gia về dân cư")
        return _("không dùng dữ liệu dân cư (dữ liệu từ cơ sở dữ liệu khác không tính)")
    return _("tính") if counts else _("không tính")


def explain_one(ind: Indicator, d, start: date, end: date, today: date, by_date: bool, full_versions: set[int]) -> Line:
    if ind.source == "progress":
        counts, reason = _progress(d, start, end, today, by_date)
        return Line(d, counts, reason)
    cells = contribution(d, d.procedure_version_id in full_versions, by_date).cells
    counts = any(col == ind.numerator and start <= day <= end for day, col, _n in cells)
    if ind.numerator == "ended_satisfied":
        ended = end_time(d)
        reason = _deadline_reason(d, ended, by_date)
        if d.disliked:
            reason += "; " + _("người nộp đánh giá không hài lòng")
        if d.complained:
            reason += "; " + _("có khiếu nại về hồ sơ")
        return Line(d, counts, reason)
    if ind.numerator == "finished_e_result":
        if counts and refused_after_processing(d):
            # Processed with the result "refused": its signed refusal letter is its electronic result.
            return Line(d, counts, _("từ chối sau khi giải quyết: văn bản từ chối đã ký số là kết quả điện tử"))
        return Line(d, counts, _("kết quả điện tử đã ký số") if counts else _("không có kết quả điện tử"))
    return Line(d, counts, _receipt_reason(ind.numerator, d, counts))


@dataclass
class ProcedureLine:
    code: str
    name: str
    counts: bool
    reason: str


def _procedure_reason(column: str, counts: bool) -> str:
    if column == "online":
        return _("có hồ sơ nộp trực tuyến được tiếp nhận trong kỳ") if counts else _(
            "không có hồ sơ nộp trực tuyến nào được tiếp nhận trong kỳ")
    if column == "paid_online":
        return _("có hồ sơ thanh toán trực tuyến trong kỳ") if counts else _(
            "không có hồ sơ thanh toán trực tuyến nào trong kỳ")
    if column == "fee_bearing":
        return _("có hồ sơ kèm dữ liệu phí, lệ phí trong kỳ") if counts else _(
            "không có hồ sơ nào kèm dữ liệu phí, lệ phí trong kỳ")
    return _("có hồ sơ dùng VNeID, kho dữ liệu hoặc dữ liệu dân cư trong kỳ") if counts else _(
        "không có hồ sơ nào dùng VNeID, kho dữ liệu hoặc dữ liệu dân cư trong kỳ")


def procedure_lines(ind: Indicator, unit_id: int, sums, cat, procedure_id: int | None) -> list[ProcedureLine]:
    """A `procedures` indicator (3.2, 4.5a, G4 B and C): the procedures of its denominator, each with its verdict.

    The same pool and the same counter sums as query.score: a procedure counts when at least one of its
    dossiers of the period is counted in the indicator's column (which the dossier explain shows why).
    """
    from motcua.catalog.models import localized
    from motcua.monitoring.query import authority_of, procedure_pool

    pool = procedure_pool(ind, authority_of(unit_id, cat, procedure_id), cat)
    counted = sums.procedures.get(ind.numerator, set())
    out = []
    for pid in pool:
        code, names = cat.names.get(pid, ("?", {}))
        out.append(ProcedureLine(code, localized(names), pid in counted, _procedure_reason(ind.numerator, pid in counted)))
    return sorted(out, key=lambda line: line.code)


def lines(ind: Indicator, dossiers, start: date, end: date, today: date, by_date: bool) -> Iterator[Line]:
    full = set(conditions.full_versions())
    for d in dossiers:
        yield explain_one(ind, d, start, end, today, by_date, full)
