"""Checking a procedure definition: its shape (JSON Schema) and its meaning.

The schema says what a definition looks like; the checks here say whether it
makes sense: every role, unit kind, agency, document type, registry, step,
component and form field it names exists, and its workflow always reaches an
end within the legal time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, ValidationError

from motcua.catalog import decisions, timing, vocab, who
from motcua.catalog.fees import countable
from motcua.catalog.fees import problems as fee_problems
from motcua.catalog.models import Procedure
from motcua.catalog.timing import longest_chain
from motcua.lib.conditions import fields_of

SCHEMA_PATH = Path(__file__).parent / "schema" / "procedure.schema.json"
CONTEXT_FIELDS = frozenset({"$channel"})
# Translated when reported (gettext_lazy): the same reason wherever the name stands.
UNKNOWN_DOCUMENT_TYPE = gettext_lazy("loại giấy tờ %(value)s không có; các loại giấy tờ có: %(known)s")
UNKNOWN_REGISTRY = gettext_lazy("cơ sở dữ liệu %(value)s không có; các cơ sở dữ liệu có: %(known)s")
UNKNOWN_ROLE = gettext_lazy("vai trò %(value)s không có; các vai trò có: %(known)s")


@dataclass(frozen=True)
class Problem:
    path: tuple
    message: str

    @property
    def where(self) -> str:
        return "/".join(str(p) for p in self.path) or "(root)"


@lru_cache(maxsize=1)
def definition_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(definition_schema())


def shape_message(error: ValidationError) -> str:
    """The reason of a JSON Schema error in the reader's language.

    jsonschema words its messages in English only; the kinds an author meets
    are said again here through gettext, the rest keep the library's wording.
    """
    value = repr(error.instance) if not isinstance(error.instance, dict | list) else ""
    match error.validator:
        case "required":
            missing = [name for name in error.validator_value if name not in error.instance]
            return _("thiếu khóa bắt buộc %(name)s") % {"name": ", ".join(map(repr, missing))}
        case "additionalProperties":
            allowed = set(error.schema.get("properties", {}))
            extra = [name for name in error.instance if name not in allowed]
            return _("khóa %(name)s không có trong định dạng") % {"name": ", ".join(map(repr, extra))}
        case "type":
            expected = error.validator_value
            expected = " / ".join(expected) if isinstance(expected, list) else expected
            return _("%(value)s không có kiểu %(type)s") % {"value": value or _("giá trị"), "type": expected}
        case "enum":
            return _("%(value)s không thuộc các giá trị cho phép: %(allowed)s") % {
                "value": value,
                "allowed": ", ".join(map(repr, error.validator_value)),
            }
        case "pattern":
            return _("%(value)s không đúng mẫu %(pattern)s") % {"value": value, "pattern": error.validator_value}
        case "minimum" | "exclusiveMinimum":
            return _("%(value)s nhỏ hơn mức tối thiểu %(limit)s") % {"value": value, "limit": error.validator_value}
        case "maximum" | "exclusiveMaximum":
            return _("%(value)s lớn hơn mức tối đa %(limit)s") % {"value": value, "limit": error.validator_value}
        case "minItems" | "minLength" | "minProperties":
            return _("quá ít: cần ít nhất %(limit)s") % {"limit": error.validator_value}
        case "maxItems" | "maxLength" | "maxProperties":
            return _("quá nhiều: nhiều nhất %(limit)s") % {"limit": error.validator_value}
    return error.message


def problems(definition: Any, vocabulary: vocab.Vocabulary | None = None) -> list[Problem]:
    """Every problem of the definition; an empty list means it can be loaded.

    Names are checked against `vocabulary` (by default the installation's catalog).
    """
    if not isinstance(definition, dict):
        return [Problem((), _("định nghĩa thủ tục phải là một ánh xạ (mapping)"))]
    found = [
        Problem(tuple(e.absolute_path), shape_message(e))
        for e in sorted(_validator().iter_errors(definition), key=lambda e: [str(p) for p in e.absolute_path])
    ]
    if found:
        # Meaning can only be checked on a definition of the right shape.
        return found
    return list(_meaning(definition, vocabulary or vocab.current()))


def _meaning(d: dict, v: vocab.Vocabulary) -> Iterator[Problem]:
    form = d["form"]
    props: dict = form["properties"]
    fields = set(props)

    try:
        Draft202012Validator.check_schema(form)
    except SchemaError as exc:
        yield Problem(("form", *exc.absolute_path), _("không phải JSON Schema hợp lệ: %(detail)s") % {"detail": exc.message})
    for i, name in enumerate(form.get("required", [])):
        if name not in fields:
            yield Problem(("form", "required", i), _("trường bắt buộc %(name)s không có trong biểu mẫu") % {"name": repr(name)})

    # The database columns are this long: a longer value passed every check and
    # then failed the whole load on PostgreSQL (SQLite does not enforce lengths).
    for path, value, column in ((("code",), d["code"], "code"), (("field", "code"), d["field"]["code"], "field_code")):
        limit = Procedure._meta.get_field(column).max_length
        if len(value) > limit:
            yield Problem(path, _("dài quá %(limit)d ký tự") % {"limit": limit})
    pattern = v.country.get("procedure_code")
    if pattern and not re.fullmatch(pattern, d["code"]):
        yield Problem(("code",), _("%(value)s không đúng mẫu %(pattern)s") % {"value": repr(d["code"]), "pattern": pattern})
    # The site's languages (the catalog's): the default one and the second are required in the names
    # lists and search show (Vietnamese and English for Viet Nam, Bengali and English for Bangladesh).
    for key in ("name", "field"):
        for language in v.country["languages"][:2]:
            if language not in d[key]:
                yield Problem((key,), _("cần có bản %(language)s (các ngôn ngữ của danh mục: %(known)s)") % {"language": language, "known": ", ".join(v.country["languages"])})
    for i, level in enumerate(d["levels"]):
        if level not in v.levels:
            yield _unknown(("levels", i), _("cấp %(value)s không có; các cấp có: %(known)s"), level, v.levels)
    if "agency" in d and d["agency"] not in v.agencies:
        yield _unknown(("agency",), _("ngành %(value)s không có; các ngành có: %(known)s"), d["agency"], v.agencies)
    for i, programme in enumerate(d.get("programmes", [])):
        if programme not in v.programmes:
            yield _unknown(("programmes", i), _("chương trình %(value)s không có; các chương trình có: %(known)s"), programme, v.programmes)

    yield from _choice_titles(props, ("form", "properties"))
    yield from _groups(props, d.get("form_ui", {}))
    yield from _fees(d.get("fees"), props)
    yield from _components(d.get("components", []), fields, v)
    yield from _form_ui(d.get("form_ui", {}), fields, v)
    yield from _people(d.get("form_ui", {}), props, v)
    yield from _derived(d.get("form_ui", {}), props)
    yield from _workflow(d["workflow"]["steps"], fields, timing.longest_time(d), v)
    # Recorded values (a step's `record`) are printed like form fields.
    yield from _result(d["result"], fields | set(decisions.recorded(d)), {s["id"] for s in d["workflow"]["steps"]}, v)
    # Officers' choices, recorded values, the refusal letter, holders, person blocks keyed by a form field.
    yield from (Problem(path, message) for path, message in decisions.problems(d, v))
    # Alternative times, obligations, inner deadlines, validity (catalog/timing.py).
    yield from (Problem(path, message) for path, message in timing.problems(d))
    # Who does the work: receivers by condition, hand-over, outside agencies, teams (catalog/who.py).
    yield from (Problem(path, message) for path, message in who.problems(d, v))

    if "example" in d:
        errors = Draft202012Validator(form).iter_errors(d["example"])
        for e in errors:
            yield Problem(("example", *e.absolute_path), _("ví dụ không khớp với biểu mẫu: %(detail)s") % {"detail": shape_message(e)})


def _choice_titles(props: dict, path: tuple) -> Iterator[Problem]:
    """One title per option in each language: a YAML list written unquoted splits a title at its comma
    ("Cơ quan, đơn vị nhà nước"), and every option after it would then show another's title."""
    for name, prop in props.items():
        if not isinstance(prop, dict):
            continue
        titles, options = prop.get("x-enum-titles"), prop.get("enum")
        if isinstance(titles, dict) and isinstance(options, list):
            for language, labels in titles.items():
                if isinstance(labels, list) and len(labels) != len(options):
                    yield Problem((*path, name, "x-enum-titles", language),
                                  _("%(titles)d tên cho %(options)d lựa chọn (một tên có dấu phẩy cần đặt trong ngoặc kép)")
                                  % {"titles": len(labels), "options": len(options)})
        items = prop.get("items")
        if isinstance(items, dict) and isinstance(items.get("properties"), dict):
            yield from _choice_titles(items["properties"], (*path, name, "items", "properties"))


# The most rows a repeating group may take (its `maxItems`): a page of a form, not a spreadsheet.
MAX_ROWS = 50
CELL_TYPES = ("string", "number", "integer", "boolean")


def _groups(props: dict, ui: dict) -> Iterator[Problem]:
    """Repeating groups (`type: array` of objects): bounded rows, flat cells, names a post can carry."""
    for name, prop in props.items():
        if not isinstance(prop, dict) or prop.get("type") != "array":
            continue
        path = ("form", "properties", name)
        items = prop.get("items")
        if not (isinstance(items, dict) and items.get("type") == "object" and isinstance(items.get("properties"), dict)
                and items["properties"]):
            yield Problem((*path, "items"), _("một nhóm lặp lại cần 'items' là một đối tượng (type: object) có 'properties' (các ô của mỗi dòng)"))
            continue
        if "-" in name:
            yield Problem(path, _("tên của nhóm lặp lại không được có dấu gạch ngang: %(name)s") % {"name": repr(name)})
        maximum, minimum = prop.get("maxItems"), prop.get("minItems", 0)
        if not isinstance(maximum, int) or isinstance(maximum, bool) or not 1 <= maximum <= MAX_ROWS:
            yield Problem((*path, "maxItems"), _("nhóm lặp lại cần 'maxItems' từ 1 đến %(max)d") % {"max": MAX_ROWS})
        elif isinstance(minimum, int) and minimum > maximum:
            yield Problem((*path, "minItems"), _("'minItems' (%(min)s) lớn hơn 'maxItems' (%(max)s)") % {"min": minimum, "max": maximum})
        for cell, cell_prop in items["properties"].items():
            cell_path = (*path, "items", "properties", cell)
            kind = cell_prop.get("type") if isinstance(cell_prop, dict) else None
            if kind in ("array", "object"):
                yield Problem(cell_path, _("một nhóm lặp lại không chứa nhóm khác: ô %(name)s phải là chữ, số, ngày, lựa chọn hoặc có/không") % {"name": repr(cell)})
            elif kind not in CELL_TYPES:
                yield Problem(cell_path, _("ô %(name)s cần 'type' là một trong: %(known)s") % {"name": repr(cell), "known": ", ".join(CELL_TYPES)})
            if "-" in cell:
                yield Problem(cell_path, _("tên ô không được có dấu gạch ngang: %(name)s") % {"name": repr(cell)})
        for i, cell in enumerate(items.get("required", [])):
            if cell not in items["properties"]:
                yield Problem((*path, "items", "required", i), _("ô bắt buộc %(name)s không có trong dòng") % {"name": repr(cell)})
        for key in ("prefill", "derived", "widgets"):
            if name in (ui.get(key) or {}):
                yield Problem(("form_ui", key, name), _("một nhóm lặp lại không được điền sẵn, tính tự động hay đổi kiểu nhập"))


def _unknown(path: tuple, message: str, value: object, values: Iterable[str]) -> Problem:
    """A name that is not in its vocabulary, with the names that are."""
    return Problem(path, message % {"value": repr(value), "known": vocab.known(values)})


def _registry_attribute(path: tuple, source: str, v: vocab.Vocabulary) -> Iterator[Problem]:
    """`registry.attribute`: a known registry, and an attribute it lists (when it lists them)."""
    registry, _dot, attribute = source.partition(".")
    if registry not in v.registries:
        yield _unknown(path, UNKNOWN_REGISTRY, registry, v.registries)
        return
    yield from _attribute(path, registry, attribute, v)


def _attribute(path: tuple, registry: str, attribute: str, v: vocab.Vocabulary) -> Iterator[Problem]:
    attributes = v.registries[registry].get("attributes")
    if attributes is not None and attribute.split(".", 1)[0] not in attributes:
        yield Problem(path, _("cơ sở dữ liệu %(registry)s không có thuộc tính %(value)s; các thuộc tính có: %(known)s")
                      % {"registry": registry, "value": repr(attribute), "known": vocab.known(attributes)})


def _unknown_fields(names: set[str], fields: set[str], path: tuple, what: str) -> Iterator[Problem]:
    for name in sorted(names - fields - CONTEXT_FIELDS):
        if name.split(".")[0] in fields:
            # `members.relationship`: a condition counts a group's rows by its name; it never reads a cell.
            yield Problem(path, _("%(what)s đọc ô %(name)s trong các dòng của một nhóm lặp lại; chỉ đọc được cả nhóm (số dòng), theo tên %(group)s")
                          % {"what": what, "name": repr(name), "group": repr(name.split(".")[0])})
            continue
        yield Problem(path, _("%(what)s đọc trường %(name)s, biểu mẫu không có trường này") % {"what": what, "name": repr(name)})


def _fees(fees: dict | None, props: dict) -> Iterator[Problem]:
    if not fees:
        return
    # Several charges and the local tables (catalog/fees.py).
    yield from (Problem(path, message) for path, message in fee_problems(fees, props))
    # Each unknown field at the rule that reads it (it was reported at `fees`,
    # i.e. the line of `fees:`, whichever of the rules was wrong).
    for kind in ("rules", "extras"):
        for i, part in enumerate(fees.get(kind, [])):
            yield from _unknown_fields(set(fields_of(part.get("when"))), set(props), ("fees", kind, i, "when"), _("quy tắc lệ phí"))
            if "per" in part:
                yield from _unknown_fields({part["per"]}, set(props), ("fees", kind, i, "per"), _("quy tắc lệ phí"))
    rules = fees.get("rules", [])
    if rules and "when" in rules[-1] and not any("when" not in r for r in rules):
        yield Problem(("fees", "rules"), _("các quy tắc lệ phí cần một quy tắc không có 'when' (mức thu chuẩn)"))
    for i, extra in enumerate(fees.get("extras", [])):
        per = extra.get("per")
        if per in props and not countable(props[per]):
            yield Problem(("fees", "extras", i, "per"), _("'per' phải là một trường số nguyên hoặc một nhóm lặp lại; %(name)s không phải") % {"name": repr(per)})
    if "times" in fees:
        times = fees["times"]
        yield from _unknown_fields({times}, set(props), ("fees", "times"), _("quy tắc lệ phí"))
        if times in props and not countable(props[times]):
            yield Problem(("fees", "times"), _("'times' phải là một trường số nguyên hoặc một nhóm lặp lại; %(name)s không phải") % {"name": repr(times)})


def _components(components: list, fields: set[str], v: vocab.Vocabulary) -> Iterator[Problem]:
    seen: set[str] = set()
    for i, c in enumerate(components):
        if c["key"] in seen:
            yield Problem(("components", i, "key"), _("thành phần %(key)s được khai báo hai lần") % {"key": repr(c["key"])})
        seen.add(c["key"])
        yield from _unknown_fields(set(fields_of(c.get("when"))), fields, ("components", i, "when"), _("điều kiện"))
        for j, source in enumerate(c.get("sources", [])):
            if "vault" in source and source["vault"] not in v.document_types:
                yield _unknown(("components", i, "sources", j, "vault"), UNKNOWN_DOCUMENT_TYPE, source["vault"], v.document_types)
            if "registry" in source and source["registry"] not in v.registries:
                yield _unknown(("components", i, "sources", j, "registry"), UNKNOWN_REGISTRY, source["registry"], v.registries)


def _form_ui(ui: dict, fields: set[str], v: vocab.Vocabulary) -> Iterator[Problem]:
    placed: set[str] = set()
    for i, section in enumerate(ui.get("sections", [])):
        for j, name in enumerate(section["fields"]):
            if name not in fields:
                yield Problem(("form_ui", "sections", i, "fields", j), _("trường %(name)s không có trong biểu mẫu") % {"name": repr(name)})
            elif name in placed:
                yield Problem(("form_ui", "sections", i, "fields", j), _("trường %(name)s được đặt trong hai phần") % {"name": repr(name)})
            placed.add(name)
    for key in ("help", "widgets", "prefill"):
        for name in ui.get(key, {}):
            if name not in fields:
                yield Problem(("form_ui", key, name), _("trường %(name)s không có trong biểu mẫu") % {"name": repr(name)})
    for name, source in ui.get("prefill", {}).items():
        if isinstance(source, dict):
            yield from _unknown_fields(
                set(fields_of(source.get("when"))), fields, ("form_ui", "prefill", name, "when"), "the condition"
            )
            source = source.get("from", "")
        yield from _registry_attribute(("form_ui", "prefill", name), source, v)


def _not_a_value(path: tuple, value: object, name: str, props: dict) -> Iterator[Problem]:
    allowed = props.get(name, {}).get("enum")
    if allowed is not None and value not in allowed:
        yield Problem(path, _("%(value)s không phải một giá trị của trường %(name)s") % {"value": repr(value), "name": repr(name)})


def _people(ui: dict, props: dict, v: vocab.Vocabulary) -> Iterator[Problem]:
    """`people` blocks: known fields and registry, relations the relation field can take, asked first."""
    spec = ui.get("people")
    if not spec:
        return
    relation = spec.get("relation")
    if relation is not None and relation not in props:
        yield Problem(("form_ui", "people", "relation"), _("trường %(name)s không có trong biểu mẫu") % {"name": repr(relation)})
    section_of = {n: i for i, sec in enumerate(ui.get("sections", [])) for n in sec["fields"]}
    for i, block in enumerate(spec["blocks"]):
        path = ("form_ui", "people", "blocks", i)
        if block["registry"] not in v.registries:
            yield _unknown((*path, "registry"), UNKNOWN_REGISTRY, block["registry"], v.registries)
        else:
            for name, attribute in block["fields"].items():
                yield from _attribute((*path, "fields", name), block["registry"], attribute, v)
        for name in block["fields"]:
            if name not in props:
                yield Problem((*path, "fields", name), _("trường %(name)s không có trong biểu mẫu") % {"name": repr(name)})
            elif relation and "as" in block and section_of and section_of.get(relation, -1) >= section_of.get(name, len(section_of)):
                # Asked on the same page, the relation would be unknown when the block is shown.
                yield Problem((*path, "fields", name), _("trường quan hệ %(relation)s phải được hỏi ở một phần trước trường %(name)s")
                              % {"relation": repr(relation), "name": repr(name)})
        for value in block.get("as", {}):
            yield from _not_a_value((*path, "as", value), value, relation or "", props)


def _derived(ui: dict, props: dict) -> Iterator[Problem]:
    for name, spec in (ui.get("derived") or {}).items():
        path = ("form_ui", "derived", name)
        source = spec.get("days_since") or spec.get("field")
        for field_name in (name, source):
            if field_name not in props:
                yield Problem(path, _("trường %(name)s không có trong biểu mẫu") % {"name": repr(field_name)})
        if "days_since" in spec and props.get(source, {}).get("format") != "date":
            yield Problem((*path, "days_since"), _("'days_since' phải là một trường ngày (format: date); %(name)s không phải") % {"name": repr(source)})
        for i, case in enumerate(spec["cases"]):
            yield from _not_a_value((*path, "cases", i, "value"), case["value"], name, props)


def _workflow(steps: list, fields: set[str], total_days: float, v: vocab.Vocabulary) -> Iterator[Problem]:
    ids = [s["id"] for s in steps]
    index = {sid: i for i, sid in enumerate(ids)}
    broken_links = False
    for i, step in enumerate(steps):
        path = ("workflow", "steps", i)
        if ids.count(step["id"]) > 1 and index[step["id"]] != i:
            yield Problem((*path, "id"), _("bước %(step)s được khai báo hai lần") % {"step": repr(step["id"])})
        if step["role"] not in v.role_keys:
            yield _unknown((*path, "role"), UNKNOWN_ROLE, step["role"], v.role_keys)
        unit = step.get("unit", {})
        if "kind" in unit and unit["kind"] not in v.unit_kinds:
            yield _unknown((*path, "unit", "kind"), _("loại đơn vị %(value)s không có; các loại có: %(known)s"), unit["kind"], v.unit_kinds)
        if "agency" in unit and unit["agency"] not in v.agencies:
            yield _unknown((*path, "unit", "agency"), _("ngành %(value)s không có; các ngành có: %(known)s"), unit["agency"], v.agencies)
        for j, before in enumerate(step.get("after", [])):
            if before not in index:
                broken_links = True
                yield Problem((*path, "after", j), _("bước %(step)s không có") % {"step": repr(before)})
            elif before == step["id"]:
                broken_links = True
                yield Problem((*path, "after", j), _("một bước không thể đứng sau chính nó"))
        yield from _unknown_fields(set(fields_of(step.get("when"))), fields, (*path, "when"), _("điều kiện"))
    if broken_links:
        # The graph of a workflow whose `after` names unknown steps is not the one
        # meant: judging it gave misleading "no way to an end" reports, and the
        # longest-path sum crashed (KeyError) when the step had a known one too.
        return
    graph = list(_graph_problems(steps, index))
    if graph:
        yield from graph
        return
    longest = longest_chain(steps)
    if longest > total_days:
        yield Problem(
            ("workflow",),
            _("đường dài nhất qua các bước mất %(longest)s ngày làm việc, quá processing_days (%(total)s)")
            % {"longest": f"{longest:g}", "total": f"{total_days:g}"},
        )


def _graph_problems(steps: list, index: dict[str, int]) -> Iterator[Problem]:
    if not any(s.get("end") for s in steps):
        yield Problem(("workflow", "steps"), _("không bước nào có 'end: true': quy trình không có điểm kết thúc"))
        return
    successors: dict[str, list[str]] = {s["id"]: [] for s in steps}
    for s in steps:
        for before in s.get("after", []):
            if before in successors:
                successors[before].append(s["id"])
    starts = [s["id"] for s in steps if not s.get("after")]
    if not starts:
        yield Problem(("workflow", "steps"), _("bước nào cũng chờ một bước khác: quy trình không có bước đầu tiên"))
        return
    # A step from which no end step can be reached leaves the dossier stuck.
    ends = {s["id"] for s in steps if s.get("end")}
    reaches_end: set[str] = set()
    changed = True
    while changed:
        changed = False
        for sid, nxt in successors.items():
            if sid not in reaches_end and (sid in ends or any(n in reaches_end for n in nxt)):
                reaches_end.add(sid)
                changed = True
    for sid in successors:
        if sid not in reaches_end:
            yield Problem(("workflow", "steps", index[sid]), _("từ bước %(step)s không đi tới được bước kết thúc") % {"step": repr(sid)})
    for sid in ends:
        if successors[sid]:
            yield Problem(("workflow", "steps", index[sid], "end"), _("sau bước kết thúc %(step)s vẫn còn bước %(next)s") % {"step": repr(sid), "next": ", ".join(successors[sid])})
    closing = _cycle_edge(successors)
    if closing is not None:
        # At the `after` entry that closes the cycle (it was reported at `workflow/steps`).
        before, step = closing
        after = steps[index[step]]["after"]
        yield Problem(
            ("workflow", "steps", index[step], "after", after.index(before)), _("các bước chờ nhau thành vòng lặp")
        )


def _cycle_edge(successors: dict[str, list[str]]) -> tuple[str, str] | None:
    """An edge (before, step) that closes a cycle, or None."""
    state: dict[str, int] = {}

    def visit(node: str) -> tuple[str, str] | None:
        state[node] = 1
        for n in successors[node]:
            if state.get(n) == 1:
                return node, n
            if n not in state and (found := visit(n)) is not None:
                return found
        state[node] = 2
        return None

    for node in successors:
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def _result(result: dict, fields: set[str], steps: set[str], v: vocab.Vocabulary) -> Iterator[Problem]:
    if result["document_type"] not in v.document_types:
        yield _unknown(("result", "document_type"), UNKNOWN_DOCUMENT_TYPE, result["document_type"], v.document_types)
    if result["signer_role"] not in v.role_keys:
        yield _unknown(("result", "signer_role"), UNKNOWN_ROLE, result["signer_role"], v.role_keys)
    for i, name in enumerate(result.get("summary_fields", [])):
        if name not in fields:
            yield Problem(("result", "summary_fields", i), _("trường %(name)s không có trong biểu mẫu") % {"name": repr(name)})
    for i, part in enumerate(result.get("parts", [])):
        if part["step"] not in steps:
            yield Problem(("result", "parts", i, "step"), _("bước %(step)s không có") % {"step": repr(part["step"])})
        if part["document_type"] not in v.document_types:
            yield _unknown(("result", "parts", i, "document_type"), UNKNOWN_DOCUMENT_TYPE, part["document_type"], v.document_types)
        for j, name in enumerate(part.get("fields", [])):
            if name not in fields:
                yield Problem(("result", "parts", i, "fields", j), _("trường %(name)s không có trong biểu mẫu") % {"name": repr(name)})
    template = result.get("template", "generic")
    try:
        get_template(f"results/{template}.html")
    except TemplateDoesNotExist:
        yield Problem(("result", "template"), _("không có mẫu kết quả results/%(name)s.html") % {"name": template})
