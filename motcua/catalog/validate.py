"""Checking a procedure definition: its shape (JSON Schema) and its meaning.

The schema says what a definition looks like; the checks here say whether it
makes sense: every role, unit kind, agency, document type, registry, step,
component and form field it names exists, and its workflow always reaches an
end within the legal time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from motcua.catalog import vocab
from motcua.catalog.models import Procedure
from motcua.lib.conditions import fields_of

SCHEMA_PATH = Path(__file__).parent / "schema" / "procedure.schema.json"
CONTEXT_FIELDS = frozenset({"$channel"})


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


def problems(definition: Any) -> list[Problem]:
    """Every problem of the definition; an empty list means it can be loaded."""
    if not isinstance(definition, dict):
        return [Problem((), "a procedure definition must be a mapping")]
    found = [
        Problem(tuple(e.absolute_path), e.message)
        for e in sorted(_validator().iter_errors(definition), key=lambda e: [str(p) for p in e.absolute_path])
    ]
    if found:
        # Meaning can only be checked on a definition of the right shape.
        return found
    return list(_meaning(definition))


def _meaning(d: dict) -> Iterator[Problem]:
    form = d["form"]
    props: dict = form["properties"]
    fields = set(props)

    try:
        Draft202012Validator.check_schema(form)
    except SchemaError as exc:
        yield Problem(("form", *exc.absolute_path), f"not a valid JSON Schema: {exc.message}")
    for i, name in enumerate(form.get("required", [])):
        if name not in fields:
            yield Problem(("form", "required", i), f"required field {name!r} is not a property of the form")

    # The database columns are this long: a longer value passed every check and
    # then failed the whole load on PostgreSQL (SQLite does not enforce lengths).
    for path, value, column in ((("code",), d["code"], "code"), (("field", "code"), d["field"]["code"], "field_code")):
        limit = Procedure._meta.get_field(column).max_length
        if len(value) > limit:
            yield Problem(path, _("dài quá %(limit)d ký tự") % {"limit": limit})
    for i, level in enumerate(d["levels"]):
        if level not in vocab.LEVELS:
            yield Problem(("levels", i), f"unknown level {level!r}; known: {', '.join(sorted(vocab.LEVELS))}")
    if "agency" in d and d["agency"] not in vocab.AGENCIES:
        yield Problem(("agency",), f"unknown agency {d['agency']!r}; known: {', '.join(sorted(vocab.AGENCIES))}")

    yield from _fees(d.get("fees"), props)
    yield from _components(d.get("components", []), fields)
    yield from _form_ui(d.get("form_ui", {}), fields)
    yield from _workflow(d["workflow"]["steps"], fields, d["processing_days"])
    yield from _result(d["result"], fields)

    if "example" in d:
        errors = Draft202012Validator(form).iter_errors(d["example"])
        for e in errors:
            yield Problem(("example", *e.absolute_path), f"the example does not fit the form: {e.message}")


def _unknown_fields(names: set[str], fields: set[str], path: tuple, what: str) -> Iterator[Problem]:
    for name in sorted(names - fields - CONTEXT_FIELDS):
        yield Problem(path, f"{what} reads field {name!r}, which the form does not have")


def _fees(fees: dict | None, props: dict) -> Iterator[Problem]:
    if not fees:
        return
    # Each unknown field at the rule that reads it (it was reported at `fees`,
    # i.e. the line of `fees:`, whichever of the rules was wrong).
    for kind in ("rules", "extras"):
        for i, part in enumerate(fees.get(kind, [])):
            yield from _unknown_fields(set(fields_of(part.get("when"))), set(props), ("fees", kind, i, "when"), "a fee rule")
            if "per" in part:
                yield from _unknown_fields({part["per"]}, set(props), ("fees", kind, i, "per"), "a fee rule")
    rules = fees.get("rules", [])
    if rules and "when" in rules[-1] and not any("when" not in r for r in rules):
        yield Problem(("fees", "rules"), "the fee rules need one rule without 'when' (the standard amount)")
    for i, extra in enumerate(fees.get("extras", [])):
        per = extra.get("per")
        if per in props and props[per].get("type") != "integer":
            yield Problem(("fees", "extras", i, "per"), f"'per' must name an integer field; {per!r} is not")


def _components(components: list, fields: set[str]) -> Iterator[Problem]:
    seen: set[str] = set()
    for i, c in enumerate(components):
        if c["key"] in seen:
            yield Problem(("components", i, "key"), f"component {c['key']!r} is defined twice")
        seen.add(c["key"])
        yield from _unknown_fields(set(fields_of(c.get("when"))), fields, ("components", i, "when"), "the condition")
        for j, source in enumerate(c.get("sources", [])):
            if "vault" in source and source["vault"] not in vocab.DOCUMENT_TYPES:
                yield Problem(("components", i, "sources", j, "vault"), f"unknown document type {source['vault']!r}")
            if "registry" in source and source["registry"] not in vocab.REGISTRIES:
                yield Problem(("components", i, "sources", j, "registry"), f"unknown registry {source['registry']!r}")


def _form_ui(ui: dict, fields: set[str]) -> Iterator[Problem]:
    placed: set[str] = set()
    for i, section in enumerate(ui.get("sections", [])):
        for j, name in enumerate(section["fields"]):
            if name not in fields:
                yield Problem(("form_ui", "sections", i, "fields", j), f"unknown form field {name!r}")
            elif name in placed:
                yield Problem(("form_ui", "sections", i, "fields", j), f"field {name!r} is placed in two sections")
            placed.add(name)
    for key in ("help", "widgets", "prefill"):
        for name in ui.get(key, {}):
            if name not in fields:
                yield Problem(("form_ui", key, name), f"unknown form field {name!r}")
    for name, source in ui.get("prefill", {}).items():
        if isinstance(source, dict):
            yield from _unknown_fields(
                set(fields_of(source.get("when"))), fields, ("form_ui", "prefill", name, "when"), "the condition"
            )
            source = source.get("from", "")
        registry = source.split(".", 1)[0]
        if registry not in vocab.REGISTRIES:
            yield Problem(("form_ui", "prefill", name), f"unknown registry {registry!r}")


def _workflow(steps: list, fields: set[str], total_days: float) -> Iterator[Problem]:
    ids = [s["id"] for s in steps]
    index = {sid: i for i, sid in enumerate(ids)}
    broken_links = False
    for i, step in enumerate(steps):
        path = ("workflow", "steps", i)
        if ids.count(step["id"]) > 1 and index[step["id"]] != i:
            yield Problem((*path, "id"), f"step {step['id']!r} is defined twice")
        if step["role"] not in vocab.ROLES:
            yield Problem((*path, "role"), f"unknown role {step['role']!r}; known: {', '.join(sorted(vocab.ROLES))}")
        unit = step.get("unit", {})
        if "kind" in unit and unit["kind"] not in vocab.UNIT_KINDS:
            yield Problem((*path, "unit", "kind"), f"unknown unit kind {unit['kind']!r}")
        if "agency" in unit and unit["agency"] not in vocab.AGENCIES:
            yield Problem((*path, "unit", "agency"), f"unknown agency {unit['agency']!r}")
        for j, before in enumerate(step.get("after", [])):
            if before not in index:
                broken_links = True
                yield Problem((*path, "after", j), f"unknown step {before!r}")
            elif before == step["id"]:
                broken_links = True
                yield Problem((*path, "after", j), "a step cannot come after itself")
        yield from _unknown_fields(set(fields_of(step.get("when"))), fields, (*path, "when"), "the condition")
    if broken_links:
        # The graph of a workflow whose `after` names unknown steps is not the one
        # meant: judging it gave misleading "no way to an end" reports, and the
        # longest-path sum crashed (KeyError) when the step had a known one too.
        return
    graph = list(_graph_problems(steps, index))
    if graph:
        yield from graph
        return
    longest = _longest_path_days(steps, index)
    if longest > total_days:
        yield Problem(
            ("workflow",),
            f"the longest path through the steps takes {longest:g} working days, more than processing_days ({total_days:g})",
        )


def _graph_problems(steps: list, index: dict[str, int]) -> Iterator[Problem]:
    if not any(s.get("end") for s in steps):
        yield Problem(("workflow", "steps"), "no step is marked 'end: true': the workflow has no way to an end")
        return
    successors: dict[str, list[str]] = {s["id"]: [] for s in steps}
    for s in steps:
        for before in s.get("after", []):
            if before in successors:
                successors[before].append(s["id"])
    starts = [s["id"] for s in steps if not s.get("after")]
    if not starts:
        yield Problem(("workflow", "steps"), "every step waits for another: the workflow has no first step")
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
            yield Problem(("workflow", "steps", index[sid]), f"step {sid!r} has no way to an end step")
    for sid in ends:
        if successors[sid]:
            yield Problem(("workflow", "steps", index[sid], "end"), f"end step {sid!r} is followed by {successors[sid]}")
    closing = _cycle_edge(successors)
    if closing is not None:
        # At the `after` entry that closes the cycle (it was reported at `workflow/steps`).
        before, step = closing
        after = steps[index[step]]["after"]
        yield Problem(
            ("workflow", "steps", index[step], "after", after.index(before)), "the steps wait for each other in a cycle"
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


def _longest_path_days(steps: list, index: dict[str, int]) -> float:
    finish: dict[str, float] = {}

    def done(sid: str) -> float:
        if sid not in finish:
            step = steps[index[sid]]
            finish[sid] = max((done(b) for b in step.get("after", [])), default=0.0) + float(step["days"])
        return finish[sid]

    return max(done(s["id"]) for s in steps)


def _result(result: dict, fields: set[str]) -> Iterator[Problem]:
    if result["document_type"] not in vocab.DOCUMENT_TYPES:
        yield Problem(("result", "document_type"), f"unknown document type {result['document_type']!r}")
    if result["signer_role"] not in vocab.ROLES:
        yield Problem(("result", "signer_role"), f"unknown role {result['signer_role']!r}")
    for i, name in enumerate(result.get("summary_fields", [])):
        if name not in fields:
            yield Problem(("result", "summary_fields", i), f"unknown form field {name!r}")
    template = result.get("template", "generic")
    try:
        get_template(f"results/{template}.html")
    except TemplateDoesNotExist:
        yield Problem(("result", "template"), f"no result template results/{template}.html")
