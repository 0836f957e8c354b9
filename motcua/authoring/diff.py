"""A readable difference between two definitions of a procedure: what an approver reads before publishing.

Not a text diff of YAML: the changes are named by what they concern — the procedure's identity, the
form's fields, the components, the fees, the times, the workflow's steps, the result — each as
added, removed or changed, with the old and new values in words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

SECTIONS = {
    "identity": _("Thông tin chung"),
    "fields": _("Trường của biểu mẫu"),
    "components": _("Thành phần hồ sơ"),
    "fees": _("Phí, lệ phí"),
    "times": _("Thời hạn giải quyết"),
    "steps": _("Các bước xử lý"),
    "result": _("Kết quả"),
    "other": _("Nội dung khác"),
}
KINDS = {"added": _("thêm"), "removed": _("bỏ"), "changed": _("sửa")}
IDENTITY = ("code", "name", "field", "levels", "agency", "unit_codes", "service_mode", "receive_anywhere",
            "withdraw_until", "min_assurance_level", "legal_basis", "programmes")
TIMES = ("processing_days", "processing_times", "obligations")
HANDLED = {*IDENTITY, *TIMES, "form", "form_ui", "components", "fees", "workflow", "result", "example"}


@dataclass(frozen=True)
class Change:
    section: str  # a key of SECTIONS
    kind: str  # added, removed, changed
    item: str  # what changed: a field name, a component key, a step id, "processing_days" …
    old: str  # the value before, in words ("" when added)
    new: str  # after ("" when removed)

    def as_dict(self) -> dict:
        return {"section": self.section, "kind": self.kind, "item": self.item, "old": self.old, "new": self.new}

    @property
    def section_label(self) -> str:
        return str(SECTIONS[self.section])

    @property
    def kind_label(self) -> str:
        return str(KINDS[self.kind])


def words(value: Any) -> str:
    """A value as one line: texts as written, mappings and lists compactly (no YAML, no quotes on words)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"{value:,}".replace(",", ".") if isinstance(value, int) and abs(value) >= 10000 else str(value)
    if isinstance(value, dict) and value and all(k in ("vi", "en", "bn") for k in value):
        return " / ".join(str(v) for v in value.values())
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _compare(section: str, item: str, old: Any, new: Any) -> list[Change]:
    if old == new:
        return []
    if old is None:
        return [Change(section, "added", item, "", words(new))]
    if new is None:
        return [Change(section, "removed", item, words(old), "")]
    return [Change(section, "changed", item, words(old), words(new))]


def _keyed(section: str, old: list, new: list, key: str, attrs: tuple[str, ...] | None = None) -> list[Change]:
    """Entries of two lists matched by `key`: added, removed, and for those in both each attribute that changed."""
    before = {e.get(key): e for e in old if isinstance(e, dict)}
    after = {e.get(key): e for e in new if isinstance(e, dict)}
    found: list[Change] = []
    for name, entry in after.items():
        if name not in before:
            found.append(Change(section, "added", str(name), "", _summary(entry)))
            continue
        previous = before[name]
        entry_keys = attrs or tuple(dict.fromkeys([*previous, *entry]))
        for attr in entry_keys:
            if attr == key:
                continue
            found += _compare(section, f"{name}.{attr}", previous.get(attr), entry.get(attr))
    for name, entry in before.items():
        if name not in after:
            found.append(Change(section, "removed", str(name), _summary(entry), ""))
    order_old = [k for k in before if k in after]
    order_new = [k for k in after if k in before]
    if order_old != order_new:
        found.append(Change(section, "changed", str(_("thứ tự")), ", ".join(map(str, order_old)), ", ".join(map(str, order_new))))
    return found


def _summary(entry: dict) -> str:
    name = entry.get("name") or entry.get("label") or entry.get("title")
    rest = {k: v for k, v in entry.items() if k not in ("name", "label", "title", "key", "id")}
    return "; ".join(part for part in (words(name), words(rest) if rest else "") if part)


def _fields(old: dict, new: dict) -> list[Change]:
    before, after = old.get("properties", {}), new.get("properties", {})
    found: list[Change] = []
    for name, spec in after.items():
        if name not in before:
            found.append(Change("fields", "added", name, "", words(spec.get("title")) + f" ({spec.get('type', '')})"))
        else:
            for attr in dict.fromkeys([*before[name], *spec]):
                found += _compare("fields", f"{name}.{attr}", before[name].get(attr), spec.get(attr))
    for name, spec in before.items():
        if name not in after:
            found.append(Change("fields", "removed", name, words(spec.get("title")), ""))
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    for name in sorted(new_required - old_required):
        found.append(Change("fields", "changed", f"{name}.required", "false", "true"))
    for name in sorted(old_required - new_required):
        found.append(Change("fields", "changed", f"{name}.required", "true", "false"))
    for attr in sorted(set(old) | set(new)):
        if attr not in ("properties", "required", "type"):
            found += _compare("fields", attr, old.get(attr), new.get(attr))
    return found


def _fees(old: dict | None, new: dict | None) -> list[Change]:
    old, new = old or {}, new or {}
    found: list[Change] = []
    for kind in ("rules", "extras", "charges", "local"):
        if kind == "local":
            found += _compare("fees", kind, old.get(kind), new.get(kind))
            continue
        found += [Change("fees", c.kind, f"{kind}: {c.item}", c.old, c.new)
                  for c in _keyed("fees", old.get(kind, []), new.get(kind, []), "id")]
    for attr in sorted((set(old) | set(new)) - {"rules", "extras", "charges", "local"}):
        found += _compare("fees", attr, old.get(attr), new.get(attr))
    return found


def diff(old: dict, new: dict) -> list[Change]:
    """Every change from `old` to `new`, by section (an empty list: the same procedure)."""
    found: list[Change] = []
    for key in IDENTITY:
        found += _compare("identity", key, old.get(key), new.get(key))
    found += _fields(old.get("form", {}), new.get("form", {}))
    for attr in sorted(set(old.get("form_ui", {})) | set(new.get("form_ui", {}))):
        found += _compare("fields", f"form_ui.{attr}", old.get("form_ui", {}).get(attr), new.get("form_ui", {}).get(attr))
    found += _keyed("components", old.get("components", []), new.get("components", []), "key")
    found += _fees(old.get("fees"), new.get("fees"))
    for key in TIMES:
        found += _compare("times", key, old.get(key), new.get(key))
    found += _keyed("steps", old.get("workflow", {}).get("steps", []), new.get("workflow", {}).get("steps", []), "id")
    for attr in sorted(set(old.get("result", {})) | set(new.get("result", {}))):
        found += _compare("result", attr, old.get("result", {}).get(attr), new.get("result", {}).get(attr))
    for key in sorted((set(old) | set(new)) - HANDLED):
        found += _compare("other", key, old.get(key), new.get(key))
    found += _compare("other", "example", old.get("example"), new.get("example"))
    return found


def grouped(changes: list[Change]) -> list[tuple[str, list[Change]]]:
    """The changes by section, in the sections' order, for a page."""
    return [(str(label), [c for c in changes if c.section == key]) for key, label in SECTIONS.items()
            if any(c.section == key for c in changes)]
