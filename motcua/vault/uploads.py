"""Files sent through the API: checked by content on arrival, named by a dossier component later.

The API never takes a file path or a digest from a client: a component is
either `{"key", "upload": <id from POST /api/v1/uploads>}`, `{"key",
"vault_document": <id>}`, or `{"key", "source": "registry"}` (looked up by the
submission). `resolve` turns the first kind into the stored record the portal
makes for a form upload, after checking the upload is the caller's, unused,
and of a kind and size the component accepts.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog.models import localized
from motcua.lib.errors import Conflict, Invalid
from motcua.vault import upload_checks as checks
from motcua.vault.models import Upload


def api_rule(component: Mapping | None) -> checks.UploadRule:
    """The component's rule, or (not yet known) the defaults up to UPLOAD_MAX_MB."""
    if component is not None:
        return checks.rule_for(component)
    return checks.UploadRule(checks.DEFAULT_TYPES, settings.UPLOAD_MAX_MB)


def receive(owner, file: UploadedFile, component: Mapping | None = None, *, contact: str = "") -> Upload:
    """Check and store one file; ValueError (in the user's language) when it is refused, nothing stored.

    `owner` is the account, or None with the verified `contact` of an anonymous petition filer."""
    kind = checks.check(file, api_rule(component))
    record = checks.store([checks.Checked("", file, kind)])[0]
    try:
        return Upload.objects.create(
            token=secrets.token_hex(16), owner=owner, contact="" if owner else contact, storage_name=record["path"], name=record["name"],
            size=record["size"], sha256=record["sha256"], content_type=record["content_type"], created_at=timezone.now(),
        )
    except BaseException:
        checks.discard([record])
        raise


def _refuse(message: str, code: str, key: str, upload: str) -> Invalid:
    return Invalid(message, code=code, component=key, upload=upload)


def resolve(owner, components: Iterable[Mapping], items: Iterable[Mapping], *,
            contact: str = "") -> tuple[list[dict], list[str]]:
    """API component references → records for `actions.submit`; and the upload ids taken.

    The uploads must be `owner`'s, or (owner None) the verified `contact`'s: never another's."""
    mine: dict | None = None  # no owner and no contact: no upload is anyone's to name
    if owner is not None:
        mine = {"owner": owner}
    elif contact:
        mine = {"owner__isnull": True, "contact": contact}
    by_key = {c["key"]: c for c in components}
    records: list[dict] = []
    taken: list[str] = []
    for item in items:
        key = str(item.get("key"))
        token = item.get("upload")
        if token is None:
            records.append({k: v for k, v in item.items() if v is not None})
            continue
        token = str(token)
        upload = Upload.objects.filter(token=token, **mine).first() if mine and len(token) == 32 else None
        if upload is None:
            raise _refuse(_("Không có tệp tải lên mã %(id)s của bạn.") % {"id": token}, "upload_not_found", key, token)
        if upload.used_in:
            raise _refuse(
                _("Tệp tải lên %(id)s đã được dùng cho hồ sơ %(code)s.") % {"id": token, "code": upload.used_in},
                "upload_already_used", key, token,
            )
        component = by_key.get(key)
        if component is not None:
            if checks.upload_source(component) is None:
                raise _refuse(
                    _("Thành phần “%(name)s” không nhận tệp tải lên.") % {"name": localized(component.get("name")) or key},
                    "upload_not_accepted", key, token,
                )
            rule = checks.rule_for(component)
            kind = {v: k for k, v in checks.CONTENT_TYPES.items()}.get(upload.content_type, "")
            if kind not in rule.types:
                raise _refuse(
                    _("Tệp “%(name)s” là %(kind)s; thành phần này chỉ nhận %(kinds)s.")
                    % {"name": upload.name, "kind": checks.KIND_NAMES.get(kind, kind),
                       "kinds": ", ".join(checks.KIND_NAMES[t] for t in rule.types)},
                    "upload_wrong_type", key, token,
                )
            if upload.size > rule.max_bytes:
                raise _refuse(
                    _("Tệp “%(name)s” quá lớn (%(size)s MB); tối đa %(max)s MB.")
                    % {"name": upload.name, "size": f"{upload.size / 1024 / 1024:.1f}", "max": f"{rule.max_mb:g}"},
                    "upload_too_large", key, token,
                )
        records.append({
            "key": key, "source": "upload", "name": upload.name, "size": upload.size, "sha256": upload.sha256,
            "content_type": upload.content_type, "path": upload.storage_name,
        })
        taken.append(token)
    return records, taken


def mark_used(tokens: Iterable[str], dossier_code: str) -> None:
    """Take the uploads for the dossier, or Conflict (409) if another dossier took one first.

    Called inside the transaction that saves the dossier: the conditional UPDATE takes each
    row's lock, so of two submissions naming the same upload at once, the second waits, then
    finds it used, and its whole transaction (its dossier too) is rolled back.
    """
    tokens = sorted(set(tokens))  # one lock order for every caller: no deadlock between two of them
    if not tokens:  # most dossiers reuse documents or are filed without files: nothing to mark
        return
    taken = Upload.objects.filter(token__in=tokens, used_in="").update(used_in=dossier_code)
    if taken != len(tokens):
        raise Conflict(
            _("Một tệp tải lên của hồ sơ này vừa được dùng cho hồ sơ khác; hãy tải tệp lên lại."),
            code="upload_already_used", uploads=tokens,
        )
