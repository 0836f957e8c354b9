"""Once-only prefill: the form fields a registry already knows about the applicant.

A procedure's `form_ui.prefill` maps a form field to `registry.attribute`
(e.g. `full_name: population.full_name`), or to `{from: registry.attribute,
when: condition}` when the registry value is the answer only in some cases
(the father's name is the applicant's own name only when the applicant is the
father). An unconditional field is shown verified and read-only; whatever is
posted for it is replaced by the registry value at submission
(`dossiers.actions.submit` calls `apply`), so it cannot be forged. A
conditional one is offered as a suggestion and enforced when its condition
holds on the submitted data.

`form_ui.people` prefills whole blocks of fields about other people (the
child's mother, the father) from the registry record *relative to the relation
the applicant declared* (`relation`, a form field asked on an earlier step):
the applicant's own record when they are that person (`self`: verified,
read-only, enforced at submission), or a person their record refers to
(`spouse`: an editable suggestion, never enforced, since the registry knows
the applicant's spouse, not the child's other parent). A relation the block
does not name (a grandparent, a guardian) prefills nothing: the applicant
answers, and never finds their own name put in someone else's place.

The lookup key is the applicant's personal ID (person registries only, see
`person: true` in the catalog's registries). A registry that cannot be reached leaves its
fields to the applicant, who is told so, and the dossier records them as
declared rather than verified.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from motcua.catalog import vocab
from motcua.lib.conditions import evaluate
from motcua.lib.personal_id import InvalidPersonalId, validate_personal_id
from motcua.vault import registries
from motcua.vault.access import log_registry

SELF = "self"  # in a `people` block: the applicant's own record


@dataclass(frozen=True)
class Prefilled:
    value: object
    registry: str  # registry code
    source: str  # the registry's name, in the user's language
    verified: bool = True
    when: Mapping | None = None  # the registry value applies only when this holds on the form data
    enforced: bool = True  # False: only a suggestion (a relative's data), never put in at submission
    settled: bool = False  # its condition is the relation declared on an earlier step, and holds
    person: str = ""  # whose record the value is from, in a `people` block: "self", "spouse"…

    @property
    def read_only(self) -> bool:
        return self.enforced and (self.when is None or self.settled)


@dataclass(frozen=True)
class Hint:
    field: str
    registry: str
    attribute: str
    when: Mapping | None = None
    person: str = ""  # set for a `people` block: applies only when its relation is the declared one
    key: str = ""  # a `people` block keyed by a form field: the record of the person whose ID it holds

    @property
    def by_relation(self) -> bool:
        # Known only once the form's answers so far are (the relation, or the keyed person's ID).
        return bool(self.person or self.key)

    @property
    def enforced(self) -> bool:
        return self.person in ("", SELF)


class PrefillResult(dict[str, Prefilled]):
    """Field path → Prefilled; also says which registries could not be asked and what was read."""

    def __init__(self) -> None:
        super().__init__()
        self.unavailable: list[str] = []  # registry codes that did not answer
        self.reads: dict[str, set[str]] = {}  # registry code → attributes read

    @property
    def unavailable_labels(self) -> list[str]:
        return [registries.label_of(code) for code in self.unavailable]


def people(version) -> tuple[str, set[str]]:
    """The relation field of the form's `people` blocks and the fields the blocks fill ("" and none without)."""
    spec = (version.definition.get("form_ui", {}) or {}).get("people") or {}
    fields = {name for block in spec.get("blocks", []) or [] for name in (block.get("fields") or {})}
    return str(spec.get("relation", "")), fields


def keyed_people(version) -> dict[str, set[str]]:
    """The `people` blocks keyed by a form field: key field → the fields the block fills."""
    spec = (version.definition.get("form_ui", {}) or {}).get("people") or {}
    found: dict[str, set[str]] = {}
    for block in spec.get("blocks", []) or []:
        if block.get("key"):
            found.setdefault(block["key"], set()).update(block.get("fields") or {})
    return found


def _people_hints(ui: Mapping, properties: Mapping) -> list[Hint]:
    spec = ui.get("people") or {}
    relation = spec.get("relation")
    found = []
    for block in spec.get("blocks", []) or []:
        if block.get("key"):
            # The person the form names (the deceased, the person represented): their own record, verified.
            when = {"field": block["key"], "present": True}
            found += [Hint(name, block["registry"], attribute, when, key=block["key"])
                      for name, attribute in (block.get("fields") or {}).items() if name in properties]
            continue
        for value, person in (block.get("as") or {}).items():
            when = {"field": relation, "equals": value}
            for name, attribute in (block.get("fields") or {}).items():
                if name in properties:
                    path = attribute if person == SELF else f"{person}.{attribute}"
                    found.append(Hint(name, block["registry"], path, when, str(person)))
    return found


def hints(version) -> list[Hint]:
    """The prefill hints of a procedure version, for fields its form has (`prefill`, then `people`)."""
    properties = version.form_schema.get("properties", {})
    ui = version.definition.get("form_ui", {}) or {}
    found = []
    for name, spec in (ui.get("prefill") or {}).items():
        if name not in properties:
            continue
        source, when = (spec.get("from", ""), spec.get("when")) if isinstance(spec, Mapping) else (spec, None)
        registry, _, attribute = str(source).partition(".")
        if registry and attribute:
            found.append(Hint(name, registry, attribute, when))
    return found + _people_hints(ui, properties)


def _chosen(all_hints: list[Hint], data: Mapping | None, context: Mapping | None) -> list[Hint]:
    """At most one hint per field: a `people` one only when its relation is the one declared in `data`."""
    chosen: dict[str, Hint] = {}
    for hint in all_hints:
        if hint.field in chosen:
            continue
        if hint.by_relation and (data is None or not evaluate(hint.when, data, dict(context or {}))):
            continue  # the relation is not known yet, or is another one
        chosen[hint.field] = hint
    return list(chosen.values())


def _typed(prop: Mapping, value: object) -> object:
    kind = prop.get("type", "string")
    if kind == "string" and not isinstance(value, str) and value is not None:
        return str(value)
    return value


def lookup(
    user, version, records: dict | None = None, data: Mapping | None = None, context: Mapping | None = None
) -> PrefillResult:
    """Ask the registries for the applicant's fields (nothing is logged: see `prefill` and `log_reads`).

    `records`, when given, keeps each registry's answer by code, for the caller to reuse.
    `data`: the form data so far, which says the applicant's relation for the `people` blocks
    (without it, or without the relation, those blocks are left to the applicant).
    """
    result = PrefillResult()
    wanted: dict[str, list[Hint]] = {}
    for hint in _chosen(hints(version), data if isinstance(data, Mapping) else None, context):
        wanted.setdefault(hint.registry, []).append(hint)
    properties = version.form_schema.get("properties", {})
    by_subject: dict[tuple[str, str | None], list[Hint]] = {}
    for code, group in wanted.items():
        for hint in group:
            # The applicant's own record, or the record of the person a form field names.
            key = _named_person(code, data, hint.key) if hint.key else registries.subject_key(code, user)
            by_subject.setdefault((code, key), []).append(hint)
    for (code, key), group in by_subject.items():
        adapter = registries.get(code)
        if adapter is None or key is None:
            continue
        try:
            record = adapter.lookup(key)
        except registries.RegistryUnavailable:
            result.unavailable.append(code)
            continue
        if records is not None and not any(h.key for h in group):
            records[code] = record
        if record is None:
            continue
        label = adapter.label
        for hint in group:
            value = record.get(hint.attribute)
            prop = properties.get(hint.field, {})
            if value is None or ("enum" in prop and value not in prop["enum"]):
                continue  # nothing known, or a value the form cannot take: the applicant answers
            result[hint.field] = Prefilled(
                _typed(prop, value), code, label, True, hint.when, hint.enforced, hint.by_relation, hint.person
            )
            result.reads.setdefault(code, set()).add(hint.attribute)
    return result


def _named_person(code: str, data: Mapping | None, field: str) -> str | None:
    """The personal ID a form field holds, when it is one and the registry is about persons; else None."""
    if code not in vocab.current().person_registries or not isinstance(data, Mapping):
        return None
    value = data.get(field)
    if not isinstance(value, str):
        return None
    try:
        validate_personal_id(value)
    except InvalidPersonalId:
        return None
    return value


def log_reads(
    user, result: PrefillResult, *, actor=None, dossier: str = "", draft: str = "", purpose: str = "", at=None,
) -> None:
    for code, attributes in result.reads.items():
        log_registry(user, code, attributes, actor=actor, dossier=dossier, draft=draft, purpose=purpose, at=at)


def prefill(
    user, procedure_version, *, purpose: str | None = None, draft: str = "", data: Mapping | None = None
) -> PrefillResult:
    """The registry-known fields of this form for this user; each registry read is logged for them,
    once per draft (`draft`: its public id) and purpose, however many pages of the form read it.

    `data`: the answers so far (the applicant's relation for the `people` blocks)."""
    if not getattr(user, "is_authenticated", False):
        return PrefillResult()
    result = lookup(user, procedure_version, data=data)
    log_reads(
        user, result, actor=user, draft=draft,
        purpose=purpose if purpose is not None else procedure_version.procedure.code,
    )
    return result


def applies(item: Prefilled, data: Mapping, context: Mapping | None = None) -> bool:
    return item.enforced and (item.when is None or evaluate(item.when, data, dict(context or {})))


def apply(data: object, result: PrefillResult, context: Mapping | None = None) -> tuple[object, dict[str, str]]:
    """The form data with every applicable registry value put in; and {field: registry} of those used.

    A suggestion (a relative's data) is never put in: what the applicant answered stands.
    """
    if not isinstance(data, Mapping):
        return data, {}
    filled = dict(data)
    used: dict[str, str] = {}
    for name, item in result.items():
        if applies(item, filled, context):
            filled[name] = item.value
            used[name] = item.registry
    return filled, used

