"""Checking the decisions and results of a definition: officers' choices, recorded values, refusal letter, holders.

The shape is the JSON Schema's; here is the meaning (called by validate.py): a choice leads only
to steps after its step, goes back only to a step before it, never leaves the dossier without an
end; a refusal letter exists when a choice refuses, and a choice refuses when there is one; a
recorded value is a new name, and is printed or read somewhere; a holder names form fields; a
person block keyed by a form field names a field asked before the block.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from motcua.catalog import vocab
from motcua.lib.conditions import fields_of

Problem = tuple[tuple, str]


def recorded(d: dict) -> dict[str, dict]:
    """Every value the steps record: key → its JSON Schema property."""
    found: dict[str, dict] = {}
    for step in d["workflow"]["steps"]:
        for key, prop in ((step.get("record") or {}).get("properties") or {}).items():
            found.setdefault(key, prop)
    return found


def _graph(steps: list[dict]) -> tuple[dict[str, list[str]], dict[str, set[str]]]:
    """(successors, ancestors) of each step."""
    successors: dict[str, list[str]] = {s["id"]: [] for s in steps}
    for s in steps:
        for before in s.get("after", []):
            if before in successors:
                successors[before].append(s["id"])
    ancestors: dict[str, set[str]] = {}

    def up(sid: str, seen: set[str]) -> set[str]:
        if sid in ancestors:
            return ancestors[sid]
        found: set[str] = set()
        for s in steps:
            if s["id"] == sid:
                for b in s.get("after", []):
                    if b in successors and b not in seen:
                        found |= {b} | up(b, seen | {b})
        ancestors[sid] = found
        return found

    for s in steps:
        up(s["id"], {s["id"]})
    return successors, ancestors


def _dropped(steps: list[dict], spec: dict, choice: dict) -> set[str]:
    # Only the steps that do come after it (a wrong `next` is reported on its own).
    after_it = {s["id"] for s in steps if spec["id"] in s.get("after", [])}
    named = {n for c in spec["choices"] for n in c.get("next", []) if n in after_it}
    dropped = named - set(choice.get("next", []))
    changed = True
    while changed:
        changed = False
        for s in steps:
            if s["id"] not in dropped and s.get("after") and all(b in dropped for b in s["after"]):
                dropped.add(s["id"])
                changed = True
    return dropped


def problems(d: dict, v: vocab.Vocabulary) -> Iterator[Problem]:
    steps = d["workflow"]["steps"]
    ids = {s["id"] for s in steps}
    props = d["form"]["properties"]
    result = d["result"]
    successors, ancestors = _graph(steps)
    refusing = False
    seen_values: dict[str, int] = {}
    for i, step in enumerate(steps):
        path = ("workflow", "steps", i)
        if step.get("choices") and step.get("end"):
            yield (*path, "choices"), _("bước kết thúc không thể có lựa chọn: kết quả đã được trả")
        chosen_ids: set[str] = set()
        for j, choice in enumerate(step.get("choices") or []):
            cpath = (*path, "choices", j)
            if choice["id"] in chosen_ids:
                yield (*cpath, "id"), _("lựa chọn %(choice)s được khai báo hai lần") % {"choice": repr(choice["id"])}
            chosen_ids.add(choice["id"])
            refusing = refusing or bool(choice.get("refuse"))
            for k, name in enumerate(choice.get("requires", [])):
                if name not in ((step.get("record") or {}).get("properties") or {}):
                    yield (*cpath, "requires", k), _("bước %(step)s không ghi nhận giá trị %(name)s") % {
                        "step": repr(step["id"]), "name": repr(name)}
            for k, target in enumerate(choice.get("next", [])):
                if target not in successors.get(step["id"], []):
                    yield (*cpath, "next", k), _("bước %(target)s không đứng sau bước %(step)s: lựa chọn này không bao giờ "
                                                 "mở được nó") % {"target": repr(target), "step": repr(step["id"])}
            if "back" in choice:
                if choice.get("next") or choice.get("refuse"):
                    yield cpath, _("một lựa chọn hoặc quay lại một bước trước, hoặc đi tiếp, không thể cả hai")
                target = choice["back"]
                if target not in ids:
                    yield (*cpath, "back"), _("bước %(step)s không có") % {"step": repr(target)}
                elif target != step["id"] and target not in ancestors.get(step["id"], set()):
                    yield (*cpath, "back"), _("bước %(target)s không đứng trước bước %(step)s: không thể quay lại") % {
                        "target": repr(target), "step": repr(step["id"])}
            elif "max" in choice:
                yield (*cpath, "max"), _("'max' chỉ dùng với 'back' (số lần được quay lại)")
            elif step.get("choices") and not step.get("end") and all(
                    t in successors.get(step["id"], []) for t in choice.get("next", [])):
                dropped = _dropped(steps, step, choice)
                if all(s["id"] in dropped for s in steps if s.get("end")):
                    yield cpath, _("lựa chọn %(choice)s bỏ qua mọi bước kết thúc: hồ sơ không bao giờ xong") % {
                        "choice": repr(choice["id"])}
        if step.get("choices") and all("back" in c for c in step["choices"]):
            yield (*path, "choices"), _("mọi lựa chọn đều quay lại: hồ sơ không bao giờ đi tiếp")
        record = step.get("record")
        if record:
            try:
                Draft202012Validator.check_schema({"type": "object", "properties": record["properties"]})
            except SchemaError as exc:
                yield (*path, "record", *exc.absolute_path), _("không phải JSON Schema hợp lệ: %(detail)s") % {
                    "detail": exc.message}
            for j, name in enumerate(record.get("required", [])):
                if name not in record["properties"]:
                    yield (*path, "record", "required", j), _("giá trị %(name)s không được khai báo") % {"name": repr(name)}
            for key in record["properties"]:
                if key in props:
                    yield (*path, "record", "properties", key), _("%(name)s đã là một trường của biểu mẫu") % {
                        "name": repr(key)}
                elif key in seen_values:
                    yield (*path, "record", "properties", key), _("giá trị %(name)s đã được ghi nhận ở một bước khác") % {
                        "name": repr(key)}
                seen_values[key] = i
    signer = result["signer_role"]
    if signer in v.role_keys and not any(s["role"] == signer for s in steps):
        # Whoever signs works the dossier: a role no step has would leave the result (and a refusal) unsigned.
        yield ("result", "signer_role"), _("không bước nào do vai trò %(role)s làm: kết quả sẽ không có người ký") % {
            "role": repr(signer)}
    yield from _refusal(result, refusing, v)
    yield from _values_used(d, steps, seen_values)
    yield from _holders(result, props)
    yield from _keyed_people(d.get("form_ui") or {}, props)


def _refusal(result: dict, refusing: bool, v: vocab.Vocabulary) -> Iterator[Problem]:
    letter = result.get("refusal")
    if refusing and not letter:
        yield ("result",), _("có lựa chọn từ chối giải quyết nhưng không có 'refusal' (văn bản từ chối)")
    if letter and not refusing:
        yield ("result", "refusal"), _("không lựa chọn nào từ chối ('refuse: true'): văn bản từ chối không bao giờ được ban hành")
    if letter and letter["document_type"] not in v.document_types:
        yield ("result", "refusal", "document_type"), _("loại giấy tờ %(value)s không có; các loại giấy tờ có: %(known)s") % {
            "value": repr(letter["document_type"]), "known": vocab.known(v.document_types)}


def _values_used(d: dict, steps: list[dict], values: dict[str, int]) -> Iterator[Problem]:
    result = d["result"]
    used: set[str] = set(result.get("summary_fields", [])) | set((result.get("refusal") or {}).get("fields", []))
    for part in result.get("parts", []):
        used |= set(part.get("fields", []))
    for s in steps:
        used |= set(fields_of(s.get("when")))
    for key, i in values.items():
        if key not in used:
            yield ("workflow", "steps", i, "record", "properties", key), _(
                "giá trị ghi nhận %(name)s không được in trên kết quả hay dùng ở đâu") % {"name": repr(key)}
    fields = set(d["form"]["properties"]) | set(values)
    for j, name in enumerate((result.get("refusal") or {}).get("fields", [])):
        if name not in fields:
            yield ("result", "refusal", "fields", j), _("trường %(name)s không có trong biểu mẫu") % {"name": repr(name)}


def _holders(result: dict, props: dict[str, Any]) -> Iterator[Problem]:
    places = [(("result", "holder"), result.get("holder"))]
    places += [(("result", "parts", i, "holder"), part.get("holder")) for i, part in enumerate(result.get("parts", []))]
    for path, holder in places:
        for what in ("name", "id"):
            name = (holder or {}).get(what)
            if name is not None and name not in props:
                yield (*path, what), _("người giữ kết quả: trường %(name)s không có trong biểu mẫu") % {"name": repr(name)}


def _keyed_people(ui: dict, props: dict[str, Any]) -> Iterator[Problem]:
    spec = ui.get("people") or {}
    section_of = {n: i for i, sec in enumerate(ui.get("sections", [])) for n in sec["fields"]}
    for i, block in enumerate(spec.get("blocks", [])):
        path = ("form_ui", "people", "blocks", i)
        if "as" in block and "relation" not in spec:
            yield (*path, "as"), _("khối theo quan hệ cần 'relation' (trường quan hệ của người nộp)")
        key = block.get("key")
        if key is None:
            continue
        if key not in props:
            yield (*path, "key"), _("trường %(name)s không có trong biểu mẫu") % {"name": repr(key)}
            continue
        if props[key].get("type", "string") != "string":
            yield (*path, "key"), _("trường khóa %(name)s phải là chuỗi (số định danh)") % {"name": repr(key)}
        if key in block["fields"]:
            yield (*path, "key"), _("trường khóa %(name)s không thể do chính khối điền") % {"name": repr(key)}
        for name in block["fields"]:
            if section_of and section_of.get(key, -1) >= section_of.get(name, len(section_of)):
                yield (*path, "fields", name), _("trường khóa %(key)s phải được hỏi ở một phần trước trường %(name)s") % {
                    "key": repr(key), "name": repr(name)}
