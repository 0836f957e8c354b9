"""The time facts of a procedure beyond `processing_days`: alternative processing times, obligations that
stop the clock, a step's inner deadline in calendar days, and a result's validity in years, months, days.

    processing_days: 20                     # when no alternative holds (and what lists show)
    processing_times:                       # the first whose `when` holds gives the working days
      - {when: {field: $channel, equals: 2}, days: 17}
      - {when: {field: $channel, equals: 1}, days: 27}
    obligations:                            # the applicant's duty during processing; the clock stops
      - {id: financial, name: {vi: …, en: …}, steps: [register]}
    workflow: {steps: [{id: inspect, …, calendar_days: 15}]}   # the law's "within 15 days"
    result: {validity: {years: 5}, remind_before_days: 60}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _

from motcua.lib.conditions import evaluate, fields_of

CHANNELS = (1, 2, 3)


def processing_days(definition: Mapping[str, Any], data: Mapping[str, Any], context: Mapping[str, Any] | None = None) -> int:
    """The legal time of this dossier, in working days: the first alternative that holds, or `processing_days`."""
    for alternative in definition.get("processing_times", []):
        if evaluate(alternative["when"], data, context):
            return int(alternative["days"])
    return int(definition["processing_days"])


def longest_time(definition: Mapping[str, Any]) -> int:
    """The longest legal time any dossier of the procedure may get: the steps are written to fit in it."""
    return max([int(definition["processing_days"]), *(int(t["days"]) for t in definition.get("processing_times", []))])


def longest_chain(steps: list[Mapping[str, Any]]) -> float:
    """The working days of the longest chain of steps (`after` links; a sound workflow, no cycle)."""
    index = {s["id"]: s for s in steps}
    finish: dict[str, float] = {}

    def done(sid: str) -> float:
        if sid not in finish:
            step = index[sid]
            finish[sid] = max((done(b) for b in step.get("after", [])), default=0.0) + float(step["days"])
        return finish[sid]

    return max((done(s["id"]) for s in steps), default=0.0)


def step_scale(definition: Mapping[str, Any], days: int) -> float:
    """How much the steps' days shrink for a shorter alternative time (1: as written).

    The steps are written for the longest time; a dossier given 4 days instead of 8 gives each step
    its share of the 4, so no step is due after the dossier.
    """
    longest = longest_chain(definition["workflow"]["steps"])
    return min(1.0, days / longest) if longest > 0 else 1.0


def inner_due(opened: datetime, calendar_days: int, tz) -> datetime:
    """The end of the office day `calendar_days` calendar days after a step opened."""
    day = opened.astimezone(tz).date() + timedelta(days=calendar_days)
    return datetime.combine(day, time(17, 0), tzinfo=tz)


def valid_until(definition: Mapping[str, Any], issued_on: date) -> date | None:
    """The last day a result is valid (`validity`, or the older `validity_days`); None: no limit."""
    spec = definition.get("validity")
    if spec:
        return issued_on + relativedelta(years=spec.get("years", 0), months=spec.get("months", 0),
                                         days=spec.get("days", 0))
    days = definition.get("validity_days")
    return issued_on + timedelta(days=days) if isinstance(days, int) and days > 0 else None


def obligation(definition: Mapping[str, Any], key: str) -> dict | None:
    return next((o for o in definition.get("obligations", []) if o["id"] == key), None)


# --- meaning (validate.py wraps these as Problems) --------------------------------------------------


def problems(d: Mapping[str, Any]) -> Iterator[tuple[tuple, str]]:
    props = d["form"]["properties"]
    steps = d["workflow"]["steps"]
    step_ids = {s["id"] for s in steps}
    times = d.get("processing_times", [])
    for i, alternative in enumerate(times):
        path = ("processing_times", i)
        yield from _condition((*path, "when"), alternative["when"], props)
        earlier = [t["when"] for t in times[:i]]
        if alternative["when"] in earlier:
            yield (*path, "when"), _("điều kiện này đã có ở một thời hạn trước: thời hạn này không bao giờ được chọn")
    seen: set[str] = set()
    for i, duty in enumerate(d.get("obligations", [])):
        path = ("obligations", i)
        if duty["id"] in seen:
            yield (*path, "id"), _("nghĩa vụ %(id)s được khai báo hai lần") % {"id": repr(duty["id"])}
        seen.add(duty["id"])
        for j, step in enumerate(duty.get("steps", [])):
            if step not in step_ids:
                yield (*path, "steps", j), _("bước %(step)s không có") % {"step": repr(step)}
        yield from _condition((*path, "when"), duty.get("when"), props)
    for i, step in enumerate(steps):
        if "calendar_days" in step and step.get("end"):
            yield ("workflow", "steps", i, "calendar_days"), _("bước kết thúc không có thời hạn riêng theo ngày")
    result = d["result"]
    if "validity" in result and "validity_days" in result:
        yield ("result", "validity"), _("'validity' và 'validity_days' không đi cùng nhau: chỉ giữ 'validity'")
    if "validity" in result and not any(result["validity"].values()):
        yield ("result", "validity"), _("thời hạn hiệu lực bằng 0")
    if "remind_before_days" in result:
        length = valid_until(result, date(2000, 1, 1))
        if length is None:
            yield ("result", "remind_before_days"), _("kết quả không có thời hạn hiệu lực: không có gì để nhắc")
        elif result["remind_before_days"] >= (length - date(2000, 1, 1)).days:
            yield ("result", "remind_before_days"), _("nhắc trước %(days)s ngày: dài hơn cả thời hạn hiệu lực") % {
                "days": result["remind_before_days"]}


def _condition(path: tuple, condition: Mapping[str, Any] | None, props: Mapping[str, Any]) -> Iterator[tuple[tuple, str]]:
    for name in sorted(set(fields_of(condition)) - set(props) - {"$channel"}):
        yield path, _("%(what)s đọc trường %(name)s, biểu mẫu không có trường này") % {"what": _("điều kiện"), "name": repr(name)}
    yield from _channels(path, condition)


def _channels(path: tuple, condition: Mapping[str, Any] | None) -> Iterator[tuple[tuple, str]]:
    """A test of $channel on a value that is no channel (1 in person, 2 online, 3 post) never holds."""
    if not condition:
        return
    for key in ("all", "any"):
        for part in condition.get(key, []):
            yield from _channels(path, part)
    if "not" in condition:
        yield from _channels(path, condition["not"])
    if condition.get("field") == "$channel":
        values = condition.get("in", condition.get("not_in", [condition.get("equals", condition.get("not_equals", 1))]))
        for value in values if isinstance(values, list) else [values]:
            if value not in CHANNELS or isinstance(value, bool):
                yield path, _("kênh %(value)s không có; các kênh: 1 trực tiếp, 2 trực tuyến, 3 bưu chính") % {"value": repr(value)}
