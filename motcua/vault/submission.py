"""What the vault does when a dossier is filed: registry values, reused documents, lookups, the log.

`dossiers.actions.submit` calls `prepare` before its transaction (registries are
asked over the network, never while holding a lock) and `record` inside it, once
the dossier has its code, so the access-log rows and the kept uploads commit or
vanish together with the dossier.

What the dossier records:
- registry-sourced form fields: `registry_fields` {field: registry} in the data of
  its "submit" event (and the values themselves in `Dossier.data`);
- a reused vault document: the component record `{"key", "source": "vault",
  "vault_document": id, "document_type", "name", "issuer", "issued_on",
  "valid_until", "sha256", "size", "content_type"}`;
- a component a registry holds: `{"key", "source": "registry", "registry",
  "looked_up_at", "found"}` (or `"unavailable": true`, for the agency to look up).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog.models import localized
from motcua.lib.conditions import evaluate
from motcua.lib.errors import Invalid, NotFound
from motcua.vault import registries
from motcua.vault.access import log_registry, log_vault
from motcua.vault.models import VaultDocument
from motcua.vault.prefill import PrefillResult, apply, log_reads, lookup
from motcua.vault.store import get_for, is_expired, keep_upload, type_label


def vault_types(component: Mapping) -> list[str]:
    """The document types a component accepts from the vault."""
    return [str(s["vault"]) for s in component.get("sources", []) or [] if isinstance(s, Mapping) and "vault" in s]


def registry_source(component: Mapping) -> str | None:
    for source in component.get("sources", []) or []:
        if isinstance(source, Mapping) and "registry" in source:
            return str(source["registry"])
    return None


@dataclass
class Prepared:
    data: object
    components: list[dict]
    registry_fields: dict[str, str] = field(default_factory=dict)
    prefill: PrefillResult = field(default_factory=PrefillResult)
    reused: list[tuple[str, VaultDocument]] = field(default_factory=list)  # (component key, document)
    looked_up: list[tuple[str, str]] = field(default_factory=list)  # (component key, registry)

    def event_data(self) -> dict:
        data: dict[str, object] = {}
        if self.registry_fields:
            data["registry_fields"] = dict(sorted(self.registry_fields.items()))
        if self.prefill.unavailable:
            data["registries_unavailable"] = sorted(self.prefill.unavailable)
        if self.reused:
            data["vault_documents"] = {key: doc.pk for key, doc in self.reused}
        if self.looked_up:
            data["registry_components"] = {key: code for key, code in self.looked_up}
        return data


def _reuse(applicant, component: Mapping, record: Mapping, today) -> tuple[dict, VaultDocument]:
    key = component["key"]
    accepted = vault_types(component)
    name = localized(component.get("name")) or key
    if not accepted:
        raise Invalid(
            _("Thành phần “%(name)s” không nhận giấy tờ từ kho dữ liệu.") % {"name": name},
            code="vault_not_accepted", component=key,
        )
    try:
        document = get_for(applicant, record.get("vault_document"))
    except NotFound as exc:  # the same answer for another citizen's document as for none at all
        raise Invalid(exc.message, code="vault_document_not_found", component=key,
                      vault_document=record.get("vault_document")) from None
    if document.document_type not in accepted:
        raise Invalid(
            _("Giấy tờ “%(title)s” là “%(type)s”; thành phần “%(name)s” cần: %(accepted)s.")
            % {"title": document.title, "type": type_label(document.document_type), "name": name,
               "accepted": ", ".join(type_label(t) for t in accepted)},
            code="vault_document_wrong_type", component=key, vault_document=document.pk,
        )
    if is_expired(document, today):
        raise Invalid(
            _("Giấy tờ “%(title)s” đã hết hiệu lực từ ngày %(date)s.")
            % {"title": document.title, "date": document.valid_until.strftime("%d/%m/%Y")},
            code="vault_document_expired", component=key, vault_document=document.pk,
        )
    return {
        "key": key, "source": "vault", "vault_document": document.pk, "document_type": document.document_type,
        "name": document.title, "issuer": document.issuer,
        "issued_on": document.issued_on.isoformat() if document.issued_on else None,
        "valid_until": document.valid_until.isoformat() if document.valid_until else None,
        "sha256": document.sha256, "size": document.size, "content_type": document.content_type,
    }, document


def _registry_record(applicant, key: str, code: str, now: datetime, asked: dict) -> tuple[dict, bool]:
    """A registry-held component: looked up now when the registry can be asked for this person.

    `asked` holds the answers already had in this submission (the prefill asked the same registry).
    """
    record: dict[str, object] = {"key": key, "source": "registry", "registry": code}
    adapter = registries.get(code)
    subject = registries.subject_key(code, applicant)
    if adapter is None or subject is None:
        return record, False  # the agency looks it up itself
    try:
        found = asked[code] if code in asked else adapter.lookup(subject)
    except registries.RegistryUnavailable:
        record["unavailable"] = True
        return record, False
    asked[code] = found
    record.update(looked_up_at=now.isoformat(), found=found is not None)
    return record, True


def resolve_references(
    applicant, version, components: Iterable[object], today, *, keep_registry: bool = False
) -> tuple[list[dict], list[tuple[str, VaultDocument]]]:
    """Vault references → records of the documents (checked); registry claims dropped (looked up by `prepare`)."""
    by_key = {c["key"]: c for c in version.components}
    records: list[dict] = []
    reused: list[tuple[str, VaultDocument]] = []
    for record in components:
        if isinstance(record, Mapping) and "vault_document" in record and record.get("key") in by_key:
            resolved, document = _reuse(applicant, by_key[record["key"]], record, today)
            records.append(resolved)
            reused.append((resolved["key"], document))
        elif (
            not keep_registry and isinstance(record, Mapping) and record.get("source") == "registry"
            and record.get("key") in by_key
        ):
            continue  # looked up by the submission, never taken from the caller
        else:
            records.append(record)  # type: ignore[arg-type]  (checked by the caller)
    return records, reused


def supplement(applicant, dossier, components: Iterable[object], at: datetime) -> list[dict]:
    """A supplement's components: vault references resolved, reads logged, uploads kept (inside the action)."""
    records, reused = resolve_references(
        applicant, dossier.procedure_version, components, timezone.localdate(at), keep_registry=True
    )
    for _key, document in reused:
        log_vault(document, actor=applicant, dossier=dossier.code, purpose=dossier.procedure.code, at=at)
    keep_uploads(applicant, dossier, records, at)
    return records


def prepare(
    applicant, version, data: object, components: Iterable[object] | None, *, channel: int, now: datetime | None = None
) -> Prepared:
    """Registry values into the data, vault references resolved, registry components looked up."""
    now = now or timezone.now()
    context = {"channel": channel}
    asked: dict = {}  # one question per registry per submission
    result = lookup(applicant, version, asked, data if isinstance(data, Mapping) else None, context)
    data, used = apply(data, result, context)
    records, reused = resolve_references(applicant, version, components or [], timezone.localdate(now))
    given = {r.get("key") for r in records if isinstance(r, Mapping)}
    looked_up: list[tuple[str, str]] = []
    form = data if isinstance(data, Mapping) else {}
    for component in version.components:
        code = registry_source(component)
        if code is None or component["key"] in given:
            continue
        if not component.get("required", True) or not evaluate(component.get("when"), form, context):
            continue
        record, found = _registry_record(applicant, component["key"], code, now, asked)
        records.append(record)
        if found:
            looked_up.append((component["key"], code))
    return Prepared(data, records, used, result, reused, looked_up)


def record(applicant, dossier, prepared: Prepared, at: datetime) -> None:
    """Inside the submit transaction: the access log and the uploads kept in the vault."""
    purpose = dossier.procedure.code
    # Only the values the dossier used are logged against it.
    used = PrefillResult()
    for name, code in prepared.registry_fields.items():
        used.reads.setdefault(code, set()).add(name)
    log_reads(applicant, used, actor=None, dossier=dossier.code, purpose=purpose, at=at)
    for key, code in prepared.looked_up:
        log_registry(applicant, code, [key], actor=None, dossier=dossier.code, purpose=purpose, at=at)
    for _key, document in prepared.reused:
        log_vault(document, actor=applicant, dossier=dossier.code, purpose=purpose, at=at)
    keep_uploads(applicant, dossier, prepared.components, at)


def keep_uploads(applicant, dossier, records: Iterable[Mapping], at: datetime) -> None:
    """Every file the applicant uploaded with the dossier, or the officer scanned for them, goes into their vault."""
    by_key = {c["key"]: c for c in dossier.procedure_version.components}
    for item in records:
        # A paper component scanned at the one-stop counter is kept like an upload (Decision 766 4.3: reusable).
        if not isinstance(item, Mapping) or item.get("source") not in ("upload", "paper") or not item.get("path"):
            continue
        component = by_key.get(item.get("key"), {})
        types = vault_types(component)
        keep_upload(
            applicant, item, dossier_code=dossier.code, document_type=types[0] if len(types) == 1 else "",
            title=localized(component.get("name"), "vi") or str(item.get("name") or item.get("key")), at=at,
        )
