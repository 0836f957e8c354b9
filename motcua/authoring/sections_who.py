"""Sections of the structured editor for who does the work and what a registry fills (issue 24, item 1).

- *Who receives* (`receivers`, `hand_over`): the unit that receives and decides, chosen by a condition
  over the answers (the first receiver whose condition holds; the last has none), and the lower levels
  whose one-stop desks may take the dossier in and hand it over, with the days they have to.
- *Prefill* (`form_ui.prefill`): which registry attribute fills which form field, shown verified and
  read-only, or, with a condition, offered as a suggestion enforced when the condition holds.
- *Outside agencies and teams*: for each workflow step, the agency that is not a motcua user doing it
  (`outside`: the agency, the fields sent, whether the clock stops, what its answer is) or the team
  or council of the step's unit (`team`). The rows are the workflow's steps: none is added or removed
  here (that is the workflow section's).

Each keeps what its form does not show, like the sections of editor.py; problems are those of
`motcua catalog validate`, placed by `claims`/`locate` at the row and input they concern.

Imported by editor.py, which registers these sections: import it through editor, never first.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.authoring.editor import (
    LANGS,
    BadPost,
    Control,
    Section,
    _condition_controls,
    _field_title,
    _keep_order,
    _number,
    _options,
    _s,
    _text_controls,
    _texts,
    attr_in,
    form_properties,
    set_or_drop,
    write_condition,
)
from motcua.authoring.sections_steps import OverSteps
from motcua.catalog import vocab
from motcua.catalog.models import localized


def _levels(v: vocab.Vocabulary) -> list[tuple[str, str]]:
    return [(k, localized(v.unit_kinds[k].get("name")) or k) for k in sorted(v.levels)]


def _form_fields(d: dict, keep: Callable[[dict], bool] = lambda prop: True) -> list[tuple[str, str]]:
    """The form's fields as select options, those `keep` takes."""
    return [(k, f"{k} — {_field_title(p)}") for k, p in form_properties(d).items() if isinstance(p, dict) and keep(p)]


class Receivers(Section):
    key = "receivers"
    title = gettext_lazy("Nơi tiếp nhận")
    row_key = "receivers"
    empty_rows = "drop"  # no receiver: the key goes (an empty list is not a procedure's)
    add_label = gettext_lazy("Thêm nơi tiếp nhận")
    row_title = gettext_lazy("Nơi tiếp nhận")
    row_attrs = ("level", "agency", "label_vi", "label_en", "label_bn", "when_field", "when_op", "when_value")
    scalar_names = ("hand_over_days",)
    multi_scalars = ("hand_over_levels",)
    owns = ("receivers", "hand_over")

    def new_row(self, d, i):
        levels = d.get("levels") if isinstance(d.get("levels"), list) else []
        return {"level": levels[-1] if levels else ""}

    def row_label(self, row, i):
        return f"{self.row_title} {i + 1}: {localized(row.get('label')) or row.get('level', '')}"

    def row_controls(self, d, row, i, v):
        p = f"r{i}"
        return [
            Control(f"{p}_level", _("Cấp của đơn vị tiếp nhận"), "select", _s(row.get("level")),
                    [("", _("(chưa chọn)")), *_levels(v)], hint=_("Một trong các cấp thực hiện của thủ tục.")),
            Control(f"{p}_agency", _("Ngành tiếp nhận ở cấp đó"), "select", _s(row.get("agency")),
                    _options(v.agencies, _("(UBND của cấp đó)"))),
            *_text_controls(f"{p}_label", _("Tên nơi tiếp nhận cho người dân"), row.get("label")),
            *_condition_controls(f"{p}_when", d, row.get("when")),
        ]

    def write_row(self, d, values, i, old):
        p = f"r{i}"
        row = dict(old)
        row["level"] = values.get(f"{p}_level", "").strip()
        set_or_drop(row, "agency", values.get(f"{p}_agency", "").strip())
        set_or_drop(row, "label", _texts(values, f"{p}_label", row.get("label")))
        set_or_drop(row, "when", write_condition(d, values, f"{p}_when", row.get("when")))
        return row

    def scalar_controls(self, d, v, user):
        hand_over = d.get("hand_over") if isinstance(d.get("hand_over"), dict) else {}
        return [
            Control("hand_over_levels", _("Cấp dưới được tiếp nhận và chuyển hồ sơ lên"), "multi",
                    list(hand_over.get("levels") or []), _levels(v)),
            Control("hand_over_days", _("Số ngày làm việc để chuyển hồ sơ lên"), "number", _s(hand_over.get("days")),
                    hint=_("Để trống: 0,5 ngày. Tính trong thời hạn giải quyết.")),
        ]

    def write_scalars(self, d, values, lists):
        old = d.get("hand_over") if isinstance(d.get("hand_over"), dict) else {}
        hand_over = dict(old)
        levels = _keep_order(lists.get("hand_over_levels", []), old.get("levels"))
        set_or_drop(hand_over, "levels", levels)
        raw = values.get("hand_over_days", "").strip()
        set_or_drop(hand_over, "days", _number(raw) if raw else None)
        if levels or raw:  # days without levels: written, so the validator says what is missing
            d["hand_over"] = hand_over
        else:
            d.pop("hand_over", None)

    def attr_of(self, rest):
        return attr_in(rest, ("label",), ("level", "agency"))

    def scalar_of(self, path):
        if path[:1] != ("hand_over",):
            return None
        return "hand_over_days" if path[1:2] == ("days",) else "hand_over_levels"


def _sources(v: vocab.Vocabulary) -> list[tuple[str, str]]:
    """Every `registry.attribute` the vocabularies list, named; the registries about the applicant first."""
    found = []
    for key, registry in sorted(v.registries.items(), key=lambda kv: (kv[0] not in v.person_registries, kv[0])):
        for attribute in registry.get("attributes") or []:
            found.append((f"{key}.{attribute}", f"{localized(registry.get('name')) or key}: {attribute} ({key}.{attribute})"))
    return found


class Prefill(Section):
    key = "prefill"
    title = gettext_lazy("Lấy sẵn từ cơ sở dữ liệu")
    row_key = "form_ui/prefill"
    add_label = gettext_lazy("Thêm trường lấy sẵn")
    row_title = gettext_lazy("Trường lấy sẵn")
    row_attrs = ("field", "source", "when_field", "when_op", "when_value")

    # Rows are (field, source) pairs of the mapping `form_ui.prefill`, in its order.
    def rows_of(self, d):
        ui = d.get("form_ui") if isinstance(d.get("form_ui"), dict) else {}
        prefill = ui.get("prefill") if isinstance(ui.get("prefill"), dict) else {}
        return list(prefill.items())

    def set_rows(self, d, rows):
        ui = dict(d["form_ui"]) if isinstance(d.get("form_ui"), dict) else {}
        set_or_drop(ui, "prefill", dict(rows))  # a field named twice: the last row says where it comes from
        set_or_drop(d, "form_ui", ui)

    def new_row(self, d, i):
        taken = {name for name, _source in self.rows_of(d)}
        free = [name for name, _title in _form_fields(d) if name not in taken]
        known = _sources(vocab.current())
        return (free[0] if free else "", known[0][0] if known else "")

    def row_label(self, row, i):
        return f"{self.row_title} {i + 1}: {row[0]}"

    def row_controls(self, d, row, i, v):
        name, source = row
        p = f"r{i}"
        when = source.get("when") if isinstance(source, dict) else None
        source = source.get("from", "") if isinstance(source, dict) else source
        return [
            Control(f"{p}_field", _("Trường của biểu mẫu"), "select", _s(name), [("", _("(chưa chọn)")), *_form_fields(d)]),
            Control(f"{p}_source", _("Lấy từ (cơ sở dữ liệu: thuộc tính)"), "select", _s(source),
                    [("", _("(chưa chọn)")), *_sources(v)]),
            *_condition_controls(f"{p}_when", d, when),
        ]

    def write_row(self, d, values, i, old):
        p = f"r{i}"
        _name, source = old if isinstance(old, tuple) else ("", "")
        name = values.get(f"{p}_field", "").strip()
        chosen = values.get(f"{p}_source", "").strip()
        old_when = source.get("when") if isinstance(source, dict) else None
        when = write_condition(d, values, f"{p}_when", old_when)
        if isinstance(source, dict) or when:
            # With a condition: a suggestion, enforced when it holds ({from, when}); kept a mapping once one.
            out = dict(source) if isinstance(source, dict) else {}
            out["from"] = chosen
            set_or_drop(out, "when", when)
            return name, out
        return name, chosen

    def claims(self, path):
        return tuple(path[:2]) == ("form_ui", "prefill")

    def locate(self, path):
        if len(path) < 3:
            return None, None
        return ("field", str(path[2])), ("when_field" if path[3:4] == ("when",) else "source")


class Agencies(OverSteps):
    key = "agencies"
    title = gettext_lazy("Cơ quan ngoài, tổ công tác")
    row_attrs = ("outside", "send", "clock", "answer_vi", "answer_en", "answer_bn", "team")
    multi_attrs = ("send",)
    parts = ("outside", "team")

    def row_controls(self, d, row, i, v):
        p = f"r{i}"
        out = row.get("outside") if isinstance(row.get("outside"), dict) else {}
        return [
            Control(f"{p}_outside", _("Cơ quan ngoài thực hiện bước này"), "select", _s(out.get("agency")),
                    _options(v.outside_agencies, _("(không: cán bộ của đơn vị)")),
                    hint=_("Cơ quan không dùng hệ thống (cơ quan thuế, công ty điện lực): hồ sơ được gửi sang và chờ trả lời.")),
            Control(f"{p}_send", _("Các trường gửi sang cơ quan ngoài"), "multi", list(out.get("send") or []), _form_fields(d)),
            Control(f"{p}_clock", _("Thời hạn khi chờ cơ quan ngoài"), "select", _s(out.get("clock") or "runs"),
                    [("runs", _("vẫn tính (mặc định)")), ("stops", _("tạm dừng, như khi chờ bổ sung"))]),
            *_text_controls(f"{p}_answer", _("Kết quả cơ quan ngoài trả về"), out.get("answer")),
            Control(f"{p}_team", _("Tổ công tác, hội đồng thực hiện bước này"), "select", _s(row.get("team")),
                    _options(v.teams, _("(không)")),
                    hint=_("Tổ cùng loại ở đơn vị của bước; mọi thành viên của tổ được xử lý bước.")),
        ]

    def write_row(self, d, values, i, old, lists=None):
        p = f"r{i}"
        row = dict(old)
        agency = values.get(f"{p}_outside", "").strip()
        clock = values.get(f"{p}_clock", "runs").strip() or "runs"
        if clock not in ("runs", "stops"):
            raise BadPost
        if agency:
            out = dict(row["outside"]) if isinstance(row.get("outside"), dict) else {}
            out["agency"] = agency
            set_or_drop(out, "send", _keep_order((lists or {}).get(f"{p}_send", []), out.get("send")))
            if clock == "stops" or out.get("clock") != "runs":  # runs is the default: written only when it was
                set_or_drop(out, "clock", "stops" if clock == "stops" else None)
            set_or_drop(out, "answer", _texts(values, f"{p}_answer", out.get("answer")))
            row["outside"] = out
        else:
            row.pop("outside", None)
        set_or_drop(row, "team", values.get(f"{p}_team", "").strip())
        return row

    def attr_of(self, rest):
        if not rest:
            return None
        if rest[0] == "team":
            return "team"
        sub = str(rest[1]) if len(rest) > 1 else "agency"
        if sub == "answer":
            return f"answer_{rest[2]}" if len(rest) > 2 and rest[2] in LANGS else "answer_vi"
        return {"agency": "outside", "send": "send", "clock": "clock"}.get(sub, "outside")
