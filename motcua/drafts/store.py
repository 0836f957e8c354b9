"""Drafts: applications being filled in, kept on the server for their owner until submitted or deleted.

A draft is the citizen's own business: every lookup is by owner, and another
person's draft looks exactly like one that does not exist. Submitting goes
through `actions.submit` and deletes the draft in the same transaction, so a
dossier and its draft never both exist, and a failed submit keeps the draft.

When the procedure gets a new version while a draft waits, the draft moves to
the new version on its next use: answers to fields the new form still has are
kept, the others (and documents for components it no longer asks) are dropped,
and the caller tells the citizen what was dropped so they can check the form.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog.forms import check_declared
from motcua.catalog.models import Procedure
from motcua.dossiers import actions
from motcua.dossiers.models import Channel, Dossier
from motcua.drafts.models import Draft
from motcua.lib.errors import Conflict, Forbidden, Invalid, NotFound
from motcua.vault.access import link_draft
from motcua.vault.upload_checks import discard

MAX_DRAFTS = 50  # per citizen: a draft is a half-filled form, not a filing cabinet


def not_found(public_id: object) -> NotFound:
    return NotFound(
        _("Không tìm thấy bản nháp này. Có thể bản nháp đã được nộp, đã bị xóa hoặc thuộc về tài khoản khác."),
        code="draft_not_found", draft=str(public_id),
    )


def drafts_of(owner) -> Iterable[Draft]:
    if not getattr(owner, "is_authenticated", False):
        return Draft.objects.none()
    return Draft.objects.filter(owner=owner).select_related("procedure", "procedure_version")


def owned(owner, public_id: object, *, for_update: bool = False) -> Draft:
    """The owner's draft, or NotFound (another citizen's draft is not found either)."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise not_found(public_id) from None
    qs = drafts_of(owner)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    draft = qs.filter(public_id=key).first()
    if draft is None:
        raise not_found(public_id)
    return draft


def start(owner, procedure_code: str, *, data: Mapping | None = None) -> Draft:
    if not hasattr(owner, "citizen"):
        raise Forbidden(_("Chỉ công dân đã định danh mới nộp được hồ sơ."), code="not_a_citizen")
    procedure = Procedure.objects.select_related("current").filter(code=procedure_code, active=True).first()
    if procedure is None or procedure.current is None:
        raise Invalid(_("Không có thủ tục mã %(code)s.") % {"code": procedure_code}, code="unknown_procedure")
    if Draft.objects.filter(owner=owner).count() >= MAX_DRAFTS:
        raise Conflict(
            _("Bạn đã có %(max)s bản nháp; hãy nộp hoặc xóa bớt trước khi tạo bản mới.") % {"max": MAX_DRAFTS},
            code="too_many_drafts",
        )
    now = timezone.now()
    return Draft.objects.create(
        public_id=uuid.uuid4(), owner=owner, procedure=procedure, procedure_version=procedure.current,
        data=known_fields(procedure.current, data or {}), created_at=now, updated_at=now,
    )


def known_fields(version, data: Mapping) -> dict:
    """The answers, if every one names a field of the form (a draft is not a store for anything else)."""
    check_declared(version.form_schema, dict(data))  # the same rule as a submission's
    return dict(data)


def save(draft: Draft, **changes: object) -> Draft:
    """Store new data, components, step or unit choice; `updated_at` says when it was last touched."""
    for name, value in changes.items():
        setattr(draft, name, value)
    draft.updated_at = timezone.now()
    draft.save(update_fields=[*changes, "updated_at"])
    return draft


def _discard_later(records: Iterable[Mapping]) -> None:
    # Files go only once the change that stopped needing them is committed.
    records = list(records)
    if records:
        transaction.on_commit(lambda: discard(records))


def replace_components(draft: Draft, supplied: list[dict]) -> Draft:
    """Put new component records in, one per key; the files they replace are removed."""
    new_keys = {r["key"] for r in supplied}
    old = [r for r in draft.components if isinstance(r, Mapping)]
    with transaction.atomic():
        _discard_later(r for r in old if r.get("key") in new_keys)
        return save(draft, components=[r for r in old if r.get("key") not in new_keys] + supplied)


def remove_component(draft: Draft, key: str) -> Draft:
    old = [r for r in draft.components if isinstance(r, Mapping)]
    with transaction.atomic():
        _discard_later(r for r in old if r.get("key") == key)
        return save(draft, components=[r for r in old if r.get("key") != key])


def delete(draft: Draft) -> None:
    with transaction.atomic():
        _discard_later(r for r in draft.components if isinstance(r, Mapping))
        draft.delete()


@dataclass
class Refresh:
    """What moving a draft to the procedure's current version changed."""

    moved: bool = False
    closed: bool = False  # the procedure takes no more applications
    dropped_fields: list[str] = field(default_factory=list)
    dropped_components: list[str] = field(default_factory=list)


def refresh(draft: Draft) -> Refresh:
    """Move the draft to its procedure's current version if a newer one has come out."""
    procedure = draft.procedure
    if not procedure.active or procedure.current_id is None:
        return Refresh(closed=True)
    if procedure.current_id == draft.procedure_version_id:
        return Refresh()
    current = procedure.current
    fields = set(current.form_schema.get("properties", {}))
    keys = {c["key"] for c in current.components}
    data = {k: v for k, v in draft.data.items() if k in fields}
    kept = [r for r in draft.components if isinstance(r, Mapping) and r.get("key") in keys]
    gone = [r for r in draft.components if isinstance(r, Mapping) and r.get("key") not in keys]
    change = Refresh(
        moved=True, dropped_fields=sorted(set(draft.data) - fields), dropped_components=[str(r.get("key")) for r in gone]
    )
    with transaction.atomic():
        _discard_later(gone)
        save(draft, procedure_version=current, data=data, components=kept)
    return change


def submit(owner, public_id: object, *, unit_code: str | None = None) -> Dossier:
    """File the draft as a dossier under the version it was reviewed in, and delete it: all or nothing."""
    with transaction.atomic():
        draft = owned(owner, public_id, for_update=True)
        procedure = draft.procedure
        if procedure.active and procedure.current_id not in (None, draft.procedure_version_id):
            # The citizen reviewed another form than the one that would be filed.
            raise Conflict(
                _("Thủ tục vừa được cập nhật; hãy xem lại bản nháp trước khi nộp."), code="draft_version_changed"
            )
        records = [r for r in draft.components if isinstance(r, Mapping)]
        dossier = actions.submit(
            owner, procedure.code, dict(draft.data), unit_code=unit_code or draft.unit_code or None,
            channel=Channel.ONLINE, components=records,
        )
        link_draft(owner, str(draft.public_id), dossier.code)
        draft.delete()
    return dossier
