"""Filing a petition: a citizen online (signed in, or a verified contact), or an officer registering
one received by phone, letter or in person. Each gets its code and its deadlines."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog.models import Procedure
from motcua.catalog.search import implementing_units
from motcua.dossiers.actions.complaints import link_complaint
from motcua.dossiers.models import Dossier
from motcua.lib.errors import Forbidden, Invalid, NotFound
from motcua.petitions import codes, deadlines, limits
from motcua.petitions.actions import history, notify
from motcua.petitions.actions.handling import HANDLERS
from motcua.petitions.actions.inputs import MAX_TEXT
from motcua.petitions.models import Kind, Origin, Petition, PetitionStatus, Topic
from motcua.units.models import Unit
from motcua.units.scope import grants_of, roles_in
from motcua.vault import upload_checks
from motcua.vault import uploads as vault_uploads

MAX_ATTACHMENTS = 5
ATTACHMENT_RULE = upload_checks.UploadRule(upload_checks.DEFAULT_TYPES, 10.0)
# The API's files arrive as the dossiers' do (POST /api/v1/uploads, then their ids): this component stands
# for "a petition's attachment" so vault/uploads.resolve checks them by the same rule as the form's files.
ATTACHMENT_COMPONENT = {"key": "attachment", "name": {"vi": "Tệp đính kèm", "en": "Attachment"},
                        "sources": [{"upload": {"types": list(ATTACHMENT_RULE.types), "max_mb": ATTACHMENT_RULE.max_mb}}]}


@dataclass
class Filing:
    kind: str
    subject: str
    body: str
    unit: str | None = None
    procedure: str | None = None
    dossier: str | None = None
    topic: str | None = None


def _text(value: str, name: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise Invalid(_("Cần nhập %(field)s.") % {"field": name}, code="required", field=name)
    if len(value) > limit:
        raise Invalid(_("%(field)s quá dài (tối đa %(max)s ký tự).") % {"field": name, "max": limit},
                      code="too_long", field=name)
    if "\x00" in value:
        raise Invalid(_("Nội dung có ký tự không hợp lệ."), code="invalid_character", field=name)
    return value


def _resolve(f: Filing, filer) -> tuple[Unit, Procedure | None, Dossier | None]:
    dossier = procedure = None
    if f.dossier:
        dossier = Dossier.objects.select_related("unit", "procedure").filter(code=f.dossier).first()
        if dossier is None or filer is None or dossier.applicant_id != filer.pk:
            # Someone else's dossier looks like one that does not exist.
            raise NotFound(_("Không tìm thấy hồ sơ %(code)s.") % {"code": f.dossier}, code="dossier_not_found")
        procedure = dossier.procedure
    elif f.kind == Kind.COMPLAINT:
        raise Invalid(_("Khiếu nại cần nêu hồ sơ bị khiếu nại."), code="dossier_required", field="dossier")
    if procedure is None and f.procedure:
        procedure = Procedure.objects.filter(code=f.procedure, active=True).first()
        if procedure is None:
            raise Invalid(_("Không có thủ tục mã %(code)s.") % {"code": f.procedure}, code="unknown_procedure",
                          field="procedure")
    if f.unit:
        unit = Unit.objects.filter(code=f.unit).first()
        if unit is None:
            raise Invalid(_("Không có đơn vị mã %(code)s.") % {"code": f.unit}, code="unknown_unit", field="unit")
    elif dossier is not None:
        unit = dossier.unit
    else:
        home = getattr(getattr(filer, "citizen", None), "home_unit", None) if filer is not None else None
        candidates = list(implementing_units(procedure)[:2]) if procedure is not None else []
        unit = candidates[0] if len(candidates) == 1 else home
        if unit is None:
            raise Invalid(_("Hãy chọn đơn vị nhận phản ánh, kiến nghị."), code="unit_required", field="unit")
    return unit, procedure, dossier


def _topic(f: Filing, procedure, dossier) -> str:
    if f.topic:
        if f.topic not in Topic.values:
            raise Invalid(_("Chủ đề không hợp lệ."), code="invalid_topic", field="topic", choices=Topic.values)
        return f.topic
    if dossier is not None:
        return Topic.DOSSIER
    return Topic.PROCEDURE if procedure is not None else Topic.UNIT


def check_attachments(files: Iterable[UploadedFile]) -> list[upload_checks.Checked]:
    """Every file checked by its content (the vault's upload checks) before any is stored."""
    files = list(files)
    if len(files) > MAX_ATTACHMENTS:
        raise Invalid(_("Tối đa %(n)s tệp đính kèm.") % {"n": MAX_ATTACHMENTS}, code="too_many_files")
    checked = []
    for i, file in enumerate(files):
        try:
            checked.append(upload_checks.Checked(f"attachment-{i + 1}", file, upload_checks.check(file, ATTACHMENT_RULE)))
        except ValueError as exc:
            raise Invalid(str(exc), code="invalid_file", field="attachments") from exc
    return checked


def resolve_uploads(filer, tokens: Sequence[str], contact: str = "") -> tuple[list[dict], list[str]]:
    """Ids from POST /api/v1/uploads or /petitions/attachments → attachment records (the filer's own — the
    account's, or without one the verified contact's —, unused, of an accepted kind and size)."""
    if not tokens:
        return [], []
    if len(tokens) > MAX_ATTACHMENTS:
        raise Invalid(_("Tối đa %(n)s tệp đính kèm.") % {"n": MAX_ATTACHMENTS}, code="too_many_files")
    if len(set(tokens)) != len(tokens):
        raise Invalid(_("Một tệp tải lên được nêu hai lần."), code="duplicate_upload", field="attachments")
    return vault_uploads.resolve(filer, [ATTACHMENT_COMPONENT], [{"key": "attachment", "upload": t} for t in tokens],
                                 contact=contact if filer is None else "")


def _create(f: Filing, *, filer, actor, contact: str, contact_name: str, origin: str,
            files: Iterable[UploadedFile], registered_by=None, idempotency_key: str = "",
            uploads: Sequence[str] = ()) -> Petition:
    if f.kind not in Kind.values:
        raise Invalid(_("Loại phản ánh, kiến nghị không hợp lệ."), code="invalid_kind", field="kind", choices=Kind.values)
    subject = _text(f.subject, "subject", 200)
    body = _text(f.body, "body", MAX_TEXT)
    unit, procedure, dossier = _resolve(f, filer)
    if registered_by is not None and not (roles_in(grants_of(registered_by), unit) & HANDLERS):
        raise NotFound(_("Không có đơn vị mã %(code)s.") % {"code": unit.code}, code="unknown_unit")
    topic = _topic(f, procedure, dossier)
    checked = check_attachments(files)
    uploaded, taken = resolve_uploads(filer, uploads, contact)
    if len(checked) + len(uploaded) > MAX_ATTACHMENTS:
        raise Invalid(_("Tối đa %(n)s tệp đính kèm.") % {"n": MAX_ATTACHMENTS}, code="too_many_files")
    now = timezone.now()
    if registered_by is None:
        limits.check_filing(now, user=filer, contact=contact)
    records = upload_checks.store(checked)  # only these are discarded on failure: an upload stays its owner's
    try:
        with transaction.atomic():
            code = codes.next_code(timezone.localdate(now))
            petition = Petition.objects.create(
                code=code, kind=f.kind, topic=topic, subject=subject, body=body, filer=filer,
                contact_name=contact_name, contact=contact, origin=origin, registered_by=registered_by,
                unit=unit, first_unit=unit, procedure=procedure, dossier=dossier, attachments=records + uploaded,
                idempotency_key=idempotency_key,
                status=PetitionStatus.RECEIVED, first_received_at=now, received_at=now, updated_at=now,
                **deadlines.stage_deadlines(now, unit),
            )
            # Taken in this transaction: of two filings naming one upload, the second waits, finds it used, rolls back.
            vault_uploads.mark_used(taken, code)
            if dossier is not None and f.kind == Kind.COMPLAINT:
                link_complaint(dossier.code, code, filer, now)
            action = "register" if registered_by is not None else "file"
            history.write_history(
                petition, action, "", actor, now, first=True,
                data={"kind": f.kind, "topic": topic, "origin": origin, "due_at": petition.due_at.isoformat(),
                      "attachments": len(records) + len(uploaded), **({"dossier": dossier.code} if dossier is not None else {})},
                notify=notify.mail_for(petition, action),
            )
    except BaseException:
        upload_checks.discard(records)
        raise
    return petition


def file_petition(f: Filing, *, user=None, contact: str = "", files: Iterable[UploadedFile] = (),
                  idempotency_key: str = "", uploads: Sequence[str] = ()) -> tuple[Petition, bool]:
    """A citizen files online: signed in (`user`), or anonymous with a contact verified by a code (`contact`).

    Attachments are `files` (the page's form) or `uploads` (ids from POST /api/v1/uploads, the API's way).

    Returns (the petition, created): with an `idempotency_key` already used by the same filer, the
    petition filed then, and False.
    """
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    if not signed_in and not contact:
        raise Forbidden(_("Cần đăng nhập hoặc xác thực thư điện tử, số điện thoại."), code="contact_required")
    filer = user if signed_in else None
    name = filer.get_full_name() if filer is not None else ""
    own_contact = contact or (filer.email if filer is not None else "")
    if idempotency_key:
        if len(idempotency_key) > 128 or "\x00" in idempotency_key:
            raise Invalid(_("Khóa Idempotency-Key không hợp lệ."), code="invalid_idempotency_key")
        earlier = Petition.objects.filter(filer=filer, contact=own_contact, idempotency_key=idempotency_key).first()
        if earlier is not None:
            return earlier, False
    petition = _create(f, filer=filer, actor=filer, contact=own_contact, contact_name=name, origin=Origin.ONLINE,
                       files=files, idempotency_key=idempotency_key, uploads=uploads)
    return petition, True


def register_petition(f: Filing, officer, *, origin: str, contact_name: str, contact: str = "",
                      files: Iterable[UploadedFile] = ()) -> Petition:
    """An officer registers a petition received by phone, letter or in person, at a unit they serve."""
    if origin not in (Origin.PHONE, Origin.LETTER, Origin.IN_PERSON):
        raise Invalid(_("Nguồn tiếp nhận không hợp lệ."), code="invalid_origin", field="origin")
    if f.dossier:
        raise Invalid(_("Khiếu nại về hồ sơ do chính người nộp hồ sơ gửi."), code="dossier_not_allowed", field="dossier")
    name = _text(contact_name, "contact_name", 255)
    return _create(f, filer=None, actor=officer, contact=(contact or "").strip()[:254], contact_name=name,
                   origin=origin, files=files, registered_by=officer)
