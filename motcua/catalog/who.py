"""Who does the work (procedure format v2, issue 21 item 4): what a definition says, and its checks.

- `receivers`: the unit that receives and decides, chosen by a condition over the form and channel
  (the province's Health Department for a kitchen serving 200 meals or more, the commune below);
- `hand_over`: the one-stop desks of lower levels that may take the dossier in and hand it over
  to the implementing unit above them (a commune desk receiving a provincial land procedure);
- a step's `outside`: an agency that is not a motcua user (the tax authority) is sent the declared
  data and the step waits for its answer, the clock running or stopped;
- a step's `team`: a team or council of the step's unit (any member may act);
- a step's `appointment`: an appointment or on-site visit, set then recorded.

Plain functions over the definition (no models): the engine (dossiers/workflow.py,
dossiers/actions/who.py) and the API read these, `validate.py` reports `problems`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from motcua.catalog import vocab
from motcua.catalog.timing import _condition, longest_chain, longest_time
from motcua.lib.conditions import evaluate

HAND_OVER_STEP = "hand_over"
HAND_OVER_DAYS = 0.5
# A step whose work is not simply "done, hand on" (transfer): it has actions of its own.
SPECIAL_KEYS = ("outside", "appointment")
# The kinds of open step (dossiers/workflow.workable_tasks) the actions on them work on.
SPECIAL_KINDS = {"outside": "outside", "appointment": "appointment", "hand_over": HAND_OVER_STEP}


def endpoint(agency: str) -> str:
    """Where an outside agency's requests are POSTed: the installation's setting, else the catalog's; "" on paper."""
    configured = getattr(settings, "OUTSIDE_AGENCY_ENDPOINTS", {}) or {}
    return configured.get(agency) or vocab.current().outside_agencies.get(agency, {}).get("endpoint", "")


def receiver(definition: Mapping[str, Any], data: Mapping[str, Any], channel: int) -> dict | None:
    """The `receivers` entry chosen by the dossier's data and channel (None: the procedure has none)."""
    for entry in definition.get("receivers", []):
        if evaluate(entry.get("when"), data, {"channel": channel}):
            return entry
    return None


def hand_over(definition: Mapping[str, Any]) -> dict | None:
    return definition.get("hand_over")


def hand_over_levels(definition: Mapping[str, Any]) -> frozenset[str]:
    spec = hand_over(definition)
    return frozenset(spec["levels"]) if spec else frozenset()


def step(definition: Mapping[str, Any], step_id: str) -> dict:
    """The definition of a step ({} for the hand-over step the engine adds, or an unknown one)."""
    for s in definition["workflow"]["steps"]:
        if s["id"] == step_id:
            return s
    return {}


def special(definition: Mapping[str, Any], step_id: str) -> str | None:
    """`outside`, `appointment` or `hand_over` when the step has actions of its own, else None."""
    if step_id == HAND_OVER_STEP and hand_over(definition) and not step(definition, step_id):
        return HAND_OVER_STEP
    s = step(definition, step_id)
    return next((key for key in SPECIAL_KEYS if key in s), None)


# --- checks ------------------------------------------------------------------------------------


def problems(d: Mapping[str, Any], v: vocab.Vocabulary) -> Iterator[tuple[tuple, str]]:
    """Every problem of the who-does-the-work keys, as (path, message)."""
    props = d["form"]["properties"]
    levels = d["levels"]
    receivers = d.get("receivers", [])
    for i, entry in enumerate(receivers):
        path = ("receivers", i)
        yield from _condition((*path, "when"), entry.get("when"), props)
        if entry["level"] not in levels:
            yield (*path, "level"), _("cấp %(value)s không phải một cấp của thủ tục (levels: %(known)s): không đơn vị nào của cấp đó thực hiện thủ tục") % {
                "value": repr(entry["level"]), "known": vocab.known(levels)}
        if "agency" in entry and entry["agency"] not in v.agencies:
            yield (*path, "agency"), _("ngành %(value)s không có; các ngành có: %(known)s") % {
                "value": repr(entry["agency"]), "known": vocab.known(v.agencies)}
        earlier = [r.get("when") for r in receivers[:i]]
        if None in earlier or ("when" in entry and entry["when"] in earlier):
            yield ((*path, "when") if "when" in entry else path), _("một nơi tiếp nhận trước đã nhận mọi hồ sơ này: nơi tiếp nhận này không bao giờ được chọn")
    if receivers and "when" in receivers[-1]:
        yield ("receivers", len(receivers) - 1), _("nơi tiếp nhận cuối cùng cần không có 'when' (nơi nhận khi không điều kiện nào đúng)")
    spec = hand_over(d)
    if spec:
        for i, level in enumerate(spec["levels"]):
            path = ("hand_over", "levels", i)
            if level not in v.levels:
                yield path, _("cấp %(value)s không có; các cấp có: %(known)s") % {"value": repr(level), "known": vocab.known(v.levels)}
            elif level in levels:
                yield path, _("cấp %(value)s đã thực hiện thủ tục: không cần tiếp nhận rồi chuyển") % {"value": repr(level)}
        longest, total = longest_chain(d["workflow"]["steps"]) + spec.get("days", HAND_OVER_DAYS), longest_time(d)
        if longest > total:
            yield ("hand_over", "days"), _("đường dài nhất qua các bước cùng việc chuyển hồ sơ mất %(longest)s ngày làm việc, quá processing_days (%(total)s)") % {
                "longest": f"{longest:g}", "total": f"{total:g}"}
        if any(s["id"] == HAND_OVER_STEP for s in d["workflow"]["steps"]):
            yield ("hand_over",), _("bước %(step)s là bước chuyển hồ sơ mà hệ thống thêm: hãy đặt tên khác cho bước của thủ tục") % {
                "step": repr(HAND_OVER_STEP)}
    for i, s in enumerate(d["workflow"]["steps"]):
        path = ("workflow", "steps", i)
        outside = s.get("outside")
        if outside is not None:
            if outside["agency"] not in v.outside_agencies:
                yield (*path, "outside", "agency"), _("cơ quan ngoài %(value)s không có; các cơ quan ngoài có: %(known)s") % {
                    "value": repr(outside["agency"]), "known": vocab.known(v.outside_agencies)}
            for j, name in enumerate(outside.get("send", [])):
                if name not in props:
                    yield (*path, "outside", "send", j), _("trường %(name)s không có trong biểu mẫu") % {"name": repr(name)}
        if "team" in s and s["team"] not in v.teams:
            yield (*path, "team"), _("tổ, hội đồng %(value)s không có; các tổ, hội đồng có: %(known)s") % {
                "value": repr(s["team"]), "known": vocab.known(v.teams)}
        if any(key in s for key in SPECIAL_KEYS) and not s.get("after"):
            yield path, _("bước của cơ quan ngoài hoặc lịch hẹn không thể là bước đầu: hồ sơ cần được tiếp nhận trước")
        kinds = [key for key in (*SPECIAL_KEYS, "end") if s.get(key)]
        if len(kinds) > 1:
            yield path, _("một bước không thể vừa là %(kinds)s") % {"kinds": " + ".join(kinds)}
