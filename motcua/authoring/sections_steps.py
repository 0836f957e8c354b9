"""Sections of the structured editor for what happens during processing (issue 24, item 1).

- *Obligations* (`obligations`): what the applicant must do while the clock stops (pay the land taxes),
  the steps whose officer may ask for it, and when it applies.
- *Decisions* (a step's `choices`): what the officer decides when finishing a step (pass, to be completed,
  fail), one per line `id | name | next steps | back to step | max | refuse | name en | name bn` — `next`
  the steps the choice opens (separated by spaces), `back` the step done again at most `max` times,
  `refuse` "yes" for a refusal; a line whose id was there keeps what it does not show (its `requires`, a
  name column the line lacks). The rows are the workflow's steps: none is added or removed here. The
  values a step records (`record`) are the section "recorded values" (sections_more.py).

Imported by editor.py, which registers these sections: import it through editor, never first.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.authoring.editor import (
    Control,
    Section,
    _condition_controls,
    _keep_order,
    _lines,
    _number,
    _s,
    _text_controls,
    _texts,
    attr_in,
    set_or_drop,
    write_condition,
)
from motcua.catalog.models import localized

YES = ("yes", "có", "true", "1")


def _step_ids(d: dict) -> list[tuple[str, str]]:
    wf = d.get("workflow") if isinstance(d.get("workflow"), dict) else {}
    steps = wf.get("steps") if isinstance(wf.get("steps"), list) else []
    return [(s["id"], f"{s['id']} — {localized(s.get('name'))}") for s in steps if isinstance(s, dict) and s.get("id")]


class Obligations(Section):
    key = "obligations"
    title = gettext_lazy("Nghĩa vụ của người nộp")
    row_key = "obligations"
    add_label = gettext_lazy("Thêm nghĩa vụ")
    row_title = gettext_lazy("Nghĩa vụ")
    row_attrs = ("id", "name_vi", "name_en", "name_bn", "steps", "when_field", "when_op", "when_value")
    multi_attrs = ("steps",)

    def claims(self, path):  # the times section owns the key too (its problems were shown there)
        return tuple(path[:1]) == ("obligations",)

    def new_row(self, d, i):
        return {"id": f"obligation_{i + 1}", "name": {"vi": ""}}

    def row_label(self, row, i):
        return f"{self.row_title} {i + 1}: {localized(row.get('name')) or row.get('id', '')}"

    def row_controls(self, d, row, i, v):
        p = f"r{i}"
        return [
            Control(f"{p}_id", _("Mã nghĩa vụ"), value=_s(row.get("id"))),
            *_text_controls(f"{p}_name", _("Tên nghĩa vụ"), row.get("name")),
            Control(f"{p}_steps", _("Các bước được yêu cầu thực hiện nghĩa vụ"), "multi", list(row.get("steps") or []),
                    _step_ids(d), hint=_("Không chọn: mọi bước xử lý.")),
            *_condition_controls(f"{p}_when", d, row.get("when")),
        ]

    def write_row(self, d, values, i, old, lists=None):
        p = f"r{i}"
        row = dict(old)
        row["id"] = values.get(f"{p}_id", "").strip()
        row["name"] = _texts(values, f"{p}_name", row.get("name"))
        set_or_drop(row, "steps", _keep_order((lists or {}).get(f"{p}_steps", []), row.get("steps")))
        set_or_drop(row, "when", write_condition(d, values, f"{p}_when", row.get("when")))
        return row

    def attr_of(self, rest):
        return attr_in(rest, ("name",), ("id", "steps"))


def choices_text(choices: object) -> str:
    lines = []
    for c in choices if isinstance(choices, list) else []:
        if not isinstance(c, dict):
            continue
        names = c["name"] if isinstance(c.get("name"), dict) else {"vi": _s(c.get("name"))}
        parts = [_s(c.get("id")), _s(names.get("vi")), " ".join(map(str, c.get("next") or [])), _s(c.get("back")),
                 _s(c.get("max")), "yes" if c.get("refuse") else "", _s(names.get("en")), _s(names.get("bn"))]
        lines.append(" | ".join(parts).rstrip(" |"))
    return "\n".join(lines)


def write_choices(text: str, old: object) -> list:
    """The choices of the lines; the old list itself when the text says what it said."""
    old = old if isinstance(old, list) else []
    if _lines(text) == _lines(choices_text(old)):
        return old
    by_id = {c.get("id"): c for c in old if isinstance(c, dict)}
    choices = []
    for line in _lines(text):
        written = [part.strip() for part in line.split("|")]
        parts = written + [""] * 8
        choice = dict(by_id.get(parts[0], {}))
        choice["id"] = parts[0]
        name = dict(choice["name"]) if isinstance(choice.get("name"), dict) else {}
        set_or_drop(name, "vi", parts[1])
        for at, lang in ((6, "en"), (7, "bn")):  # a column the line has is written; one it lacks is kept
            if at < len(written):
                set_or_drop(name, lang, parts[at])
        choice["name"] = name
        set_or_drop(choice, "next", parts[2].replace(",", " ").split())
        set_or_drop(choice, "back", parts[3])
        set_or_drop(choice, "max", _number(parts[4]) if parts[4] else None)
        set_or_drop(choice, "refuse", parts[5].lower() in YES)
        choices.append(choice)
    return choices


class OverSteps(Section):
    """A section whose rows are the workflow's steps, seen for one of their parts: none added or removed."""

    row_key = "workflow/steps"
    empty_rows = "always"
    fixed_rows = True
    row_title = gettext_lazy("Bước")
    parts: tuple[str, ...] = ()  # the keys of a step this section shows (its problems are this section's)

    def row_label(self, row, i):
        return f"{self.row_title} {i + 1}: {localized(row.get('name')) or row.get('id', '')}"

    def claims(self, path):
        return tuple(path[:2]) == ("workflow", "steps") and len(path) > 3 and path[3] in self.parts


class Decisions(OverSteps):
    key = "decisions"
    title = gettext_lazy("Quyết định tại các bước")
    row_attrs = ("choices",)
    parts = ("choices",)

    def row_controls(self, d, row, i, v):
        return [Control(f"r{i}_choices", _("Các lựa chọn của cán bộ khi xong bước này"), "area",
                        choices_text(row.get("choices")),
                        hint=_("Mỗi dòng một lựa chọn: mã | tên tiếng Việt | các bước mở tiếp (cách nhau dấu cách) | "
                               "quay lại bước | số lần quay lại tối đa | yes nếu từ chối | tên tiếng Anh | tên tiếng Bengal. "
                               "Để trống: bước không có lựa chọn."))]

    def write_row(self, d, values, i, old):
        row = dict(old)
        set_or_drop(row, "choices", write_choices(values.get(f"r{i}_choices", ""), row.get("choices")))
        return row

    def attr_of(self, rest):
        return attr_in(rest, (), ("choices",))
