"""A procedure's components (thành phần hồ sơ) as the pages show them: what to supply, how, and what is there.

Whether a dossier is complete is decided by the core when an officer receives
it; these helpers only word the same rules for people ("required if you are
filing for someone else") and list what was supplied.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from motcua.catalog import vocab
from motcua.catalog.models import localized
from motcua.dossiers.actions.components import counter_source
from motcua.dossiers.models import Channel
from motcua.lib.conditions import evaluate, fields_of
from motcua.vault.store import documents_for, type_label, usable
from motcua.vault.submission import vault_types
from motcua.vault.upload_checks import FIELD_PREFIX, UploadRule, rule_for, upload_source
from motcua.web.presentation import format_date, issuer_names
from motcua.web.schema_form import enum_choices, field_label

VAULT_PREFIX = "vault-"


def _value_label(prop: Mapping, value: object) -> str:
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    for choice in enum_choices(prop) if "enum" in prop else []:
        if choice.value == str(value):
            return choice.label
    return str(value)


def describe_condition(condition: Mapping | None, schema: Mapping) -> str:
    """A `when` condition in words: {field: relationship, equals: nguoi_khac} → "“Quan hệ…” là “Người khác”"."""
    if not condition:
        return ""
    if "all" in condition:
        return _(" và ").join(describe_condition(c, schema) for c in condition["all"])
    if "any" in condition:
        return _(" hoặc ").join(describe_condition(c, schema) for c in condition["any"])
    if "not" in condition:
        return _("không phải trường hợp %(case)s") % {"case": describe_condition(condition["not"], schema)}
    name = str(condition.get("field", ""))
    if name == "$channel":
        label = _("Kênh nộp hồ sơ")
        prop: Mapping = {"enum": Channel.values, "x-enum-titles": {"vi": [str(c.label) for c in Channel]}}
    else:
        prop = schema.get("properties", {}).get(name, {})
        label = field_label(name, prop) if isinstance(prop, Mapping) else name
        prop = prop if isinstance(prop, Mapping) else {}
    if "present" in condition:
        return (_("“%(field)s” được khai") if condition["present"] else _("“%(field)s” để trống")) % {"field": label}
    if "equals" in condition and isinstance(condition["equals"], bool):
        return (_("“%(field)s” được chọn") if condition["equals"] else _("“%(field)s” không được chọn")) % {"field": label}
    words = {
        "equals": _("“%(field)s” là “%(value)s”"),
        "not_equals": _("“%(field)s” không phải “%(value)s”"),
        "in": _("“%(field)s” là một trong: %(value)s"),
        "not_in": _("“%(field)s” không phải: %(value)s"),
        "gt": _("“%(field)s” lớn hơn %(value)s"),
        "gte": _("“%(field)s” từ %(value)s trở lên"),
        "lt": _("“%(field)s” nhỏ hơn %(value)s"),
        "lte": _("“%(field)s” không quá %(value)s"),
    }
    for test, text in words.items():
        if test in condition:
            expected = condition[test]
            if isinstance(expected, list):
                shown = ", ".join(f"“{_value_label(prop, v)}”" for v in expected)
            else:
                shown = _value_label(prop, expected)
            return text % {"field": label, "value": shown}
    return ""


@dataclass(frozen=True)
class VaultChoice:
    """A document of the applicant's vault that can satisfy a component."""

    id: str
    title: str
    type_label: str
    issuer: str
    issued_on: str
    valid_until: str


@dataclass
class ComponentRow:
    """One component of a procedure, for a form or a dossier page."""

    key: str
    name: str
    required: bool  # required in every case
    condition: str  # when it is required only in some cases: in words
    rule: UploadRule | None  # None: cannot be uploaded
    registries: list[str] = field(default_factory=list)  # names of the registries it may come from
    needed: bool | None = None  # for a dossier: required with its data
    applies: bool | None = None  # for a dossier: False when its `when` does not hold with its data (not asked)
    supplied: Mapping | None = None  # for a dossier: what was supplied
    error: str = ""
    reason: str = ""  # a supplement request's reason for it
    vault_types: list[str] = field(default_factory=list)  # document types it accepts from the vault
    vault_choices: list[VaultChoice] = field(default_factory=list)  # the applicant's matching documents
    vault_selected: str = ""  # the chosen document's id (posted)
    counter: str = ""  # "receipt" / "result": the original paper may be brought to the counter then

    @property
    def input_id(self) -> str:
        return f"{FIELD_PREFIX}{self.key}"

    @property
    def input_name(self) -> str:
        return f"{FIELD_PREFIX}{self.key}"

    @property
    def hint_id(self) -> str:
        return f"{self.input_id}-hint"

    @property
    def error_id(self) -> str:
        return f"{self.input_id}-error"

    @property
    def described_by(self) -> str:
        return " ".join([self.hint_id, *([self.error_id] if self.error else [])])

    @property
    def conditional(self) -> bool:
        return bool(self.condition)

    @property
    def vault_name(self) -> str:
        return f"{VAULT_PREFIX}{self.key}"

    @property
    def counter_note(self) -> str:
        """What the applicant does with the original paper, in words ("" when nothing)."""
        if self.counter == "receipt":
            return _("mang bản chính đến bộ phận một cửa để đối chiếu khi tiếp nhận hồ sơ")
        if self.counter == "result":
            return _("mang bản chính đến bộ phận một cửa để đối chiếu khi nhận kết quả")
        return ""

    @property
    def suppliable(self) -> bool:
        """The applicant can supply it in the form: by upload or from the vault."""
        return self.rule is not None or bool(self.vault_types)


def _registries(component: Mapping) -> list[str]:
    names = []
    for source in component.get("sources", []) or []:
        if isinstance(source, Mapping) and "registry" in source:
            code = str(source["registry"])
            names.append(localized(vocab.current().name("registries", code)) or code)
    return names


def _context(channel: int) -> dict:
    return {"channel": channel}


def rows(
    components: Iterable[Mapping],
    schema: Mapping,
    *,
    data: Mapping | None = None,
    channel: int = Channel.ONLINE,
    supplied: Iterable[Mapping] = (),
    errors: Mapping[str, str] | None = None,
) -> list[ComponentRow]:
    """Each component with how it may be supplied; with `data`, whether this dossier needs it."""
    have = {c.get("key"): c for c in supplied if isinstance(c, Mapping)}
    result = []
    for c in components:
        required = bool(c.get("required", True))
        when = c.get("when")
        needed = applies = None
        if data is not None:
            needed = required and evaluate(when, data, _context(channel))
            # Known not to apply only once every answer its condition reads is given.
            answered = all(n.startswith("$") or n in data for n in fields_of(when))
            applies = evaluate(when, data, _context(channel)) if answered else None
        result.append(
            ComponentRow(
                key=c["key"], name=localized(c.get("name")) or c["key"],
                required=required and not when,
                condition=describe_condition(when, schema) if required and when else "",
                rule=rule_for(c) if upload_source(c) is not None else None,
                registries=_registries(c), needed=needed, applies=applies, supplied=have.get(c["key"]),
                error=(errors or {}).get(c["key"], ""), vault_types=vault_types(c), counter=counter_source(c),
            )
        )
    return result


def registry_records(components: Iterable[Mapping], data: Mapping, channel: int, given: set[str]) -> list[dict]:
    """Once-only: a required component a registry holds, not uploaded, is looked up there by the agency."""
    records = []
    for c in components:
        if c["key"] in given or not c.get("required", True) or not evaluate(c.get("when"), data, _context(channel)):
            continue
        for source in c.get("sources", []) or []:
            if isinstance(source, Mapping) and "registry" in source:
                records.append({"key": c["key"], "source": "registry", "registry": str(source["registry"])})
                break
    return records


def missing(rows_: Iterable[ComponentRow]) -> list[ComponentRow]:
    """What the applicant still has to supply: a component a registry holds is looked up by the submission,
    a paper brought to the counter is compared there."""
    return [r for r in rows_ if r.needed and r.supplied is None and not r.registries and not r.counter]


def preselect_vault(rows_: Iterable[ComponentRow]) -> None:
    """Vault first: a component with nothing supplied yet offers the newest matching vault document, chosen.

    Run after `with_vault` on a page not yet posted; the applicant may still choose to upload instead.
    """
    for row in rows_:
        if row.applies is not False and row.supplied is None and row.vault_choices and not row.vault_selected:
            row.vault_selected = row.vault_choices[0].id


def with_vault(rows_: Iterable[ComponentRow], user, posted: Mapping | None = None) -> None:
    """Offer each component that accepts vault documents the applicant's valid matching ones."""
    rows_ = [r for r in rows_ if r.vault_types]
    if not rows_ or not getattr(user, "is_authenticated", False):
        return
    wanted = {t for r in rows_ for t in r.vault_types}
    documents = list(usable(documents_for(user, wanted)))
    issuers = issuer_names(d.issuer for d in documents)
    for row in rows_:
        row.vault_choices = [
            VaultChoice(
                str(d.pk), d.title, type_label(d.document_type), issuers.get(d.issuer, d.issuer),
                format_date(d.issued_on) if d.issued_on else "", format_date(d.valid_until) if d.valid_until else "",
            )
            for d in documents if d.document_type in row.vault_types
        ]
        if posted is not None:
            row.vault_selected = str(posted.get(row.vault_name, ""))


def vault_picks(posted: Mapping, components: Iterable[Mapping]) -> dict[str, str]:
    """{component key: vault document id} for each component the applicant answered from the vault."""
    picks = {}
    for c in components:
        value = str(posted.get(f"{VAULT_PREFIX}{c['key']}", "")).strip()
        if value:
            picks[c["key"]] = value
    return picks
