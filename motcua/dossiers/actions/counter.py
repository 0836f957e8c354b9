"""Filing at the one-stop counter (channel 1) or from the post (channel 3), and digitizing paper (issue 17).

`file_at_counter` is `submit` done by a one-stop officer for an applicant
(`dossiers/applicants.py`): the same form validation, prefill, fee rules (with
`$channel`), code and workflow, then, in the same transaction, the officer's
`receive` (and `confirm_payment` when a fee due at filing was paid at the
counter): the dossier leaves the counter received, with its return date, or
nothing is stored at all.

Components at the counter are paper the officer either scans (a record
`{"source": "paper", "digitized": true, "digitized_by", "digitized_at", file…}`)
or keeps on paper only (`{"source": "paper", "digitized": false,
"paper_reason", "kept_by", "kept_at"}`). `dossiers/facts.py` turns them into the
SCANNED and PAPER bits the Decision 766 indicators read (4.2: a paper-only
component keeps the dossier from counting as digitized). The actions
`digitize` and `keep_on_paper` change one component later; `digitize_result`
keeps the scan of a result handed over on paper (the applicant's vault gets it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext as _
from pydantic import Field

from motcua.catalog import who
from motcua.catalog.models import Procedure, localized
from motcua.catalog.search import implementing_units
from motcua.dossiers.actions.context import Ctx
from motcua.dossiers.actions.filing import submit
from motcua.dossiers.actions.inputs import ActionInput, Text
from motcua.dossiers.applicants import Applicant, resolve
from motcua.dossiers.models import Channel, Dossier, Status
from motcua.lib.errors import Forbidden, Invalid
from motcua.units.models import Role, Unit, level_kinds
from motcua.units.scope import units_for
from motcua.vault.store import keep_upload

COUNTER_CHANNELS = (Channel.IN_PERSON, Channel.POST)
FILE_FIELDS = ("name", "size", "sha256", "content_type", "path")


def scanned(record: Mapping, officer, at: datetime) -> dict:
    """A stored file (an upload record) as the scan of a paper component, digitized by `officer` at `at`."""
    return {
        "key": record["key"], "source": "paper", "digitized": True,
        **{k: record[k] for k in FILE_FIELDS if k in record},
        "digitized_by": officer.get_username(), "digitized_at": at.isoformat(),
    }


def on_paper(key: str, reason: str, officer, at: datetime) -> dict:
    return {
        "key": key, "source": "paper", "digitized": False, "paper_reason": reason,
        "kept_by": officer.get_username(), "kept_at": at.isoformat(),
    }


def counter_units(officer, procedure: Procedure):
    """The units implementing the procedure that the officer's one-stop desk receives for, and the units of
    a lower level whose desk may take it in and hand it over (the procedure's `hand_over`, catalog/who.py)."""
    mine = units_for(officer, Role.ONE_STOP_OFFICER).values("pk")
    levels = who.hand_over_levels(procedure.current.definition)
    places = Q(pk__in=implementing_units(procedure).values("pk"))
    if levels:
        places |= Q(level__in=levels, kind__in=level_kinds())
    return Unit.objects.filter(places, pk__in=mine)


@dataclass
class _Filing:
    """The `counter` of `submit`: who files, where, for whom, and what happens inside its transaction."""

    officer: object
    units: object
    applicant: Applicant
    channel: int
    payment_receipt: str | None
    received: list[Dossier] = field(default_factory=list)

    def save_applicant(self) -> None:
        self.applicant.save()

    def event_data(self) -> dict:
        return {"channel": self.channel, "filed_by": self.officer.get_username(), "applicant": self.applicant.identity}

    def inside(self, dossier: Dossier) -> None:
        # Imported here: transitions imports the rules, which import this module's actions.
        from motcua.dossiers.actions.transitions import perform

        if dossier.payment_due and self.payment_receipt:
            perform(dossier.code, "confirm_payment", self.officer, payload={"receipt_number": self.payment_receipt})
        elif dossier.payment_due:
            return  # the fee is due before receipt: the dossier waits at the counter (status 1)
        self.received.append(perform(dossier.code, "receive", self.officer))


def check_officer(officer) -> None:
    """Forbidden (403) unless the user serves some one-stop desk: citizens never file at the counter."""
    if not getattr(officer, "is_authenticated", False) or not units_for(officer, Role.ONE_STOP_OFFICER).exists():
        raise Forbidden(_("Chỉ cán bộ bộ phận một cửa mới tiếp nhận hồ sơ tại quầy."), code="not_one_stop_officer")


def file_at_counter(
    officer,
    applicant: Mapping,
    procedure_code: str,
    data: object,
    *,
    channel: int,
    unit_code: str | None = None,
    components: list | None = None,
    procedure: Procedure | None = None,
    payment_receipt: str | None = None,
) -> Dossier:
    """A one-stop officer files and receives a dossier for `applicant` (a personal ID or a typed identity).

    `components`: records as `submit` takes them, the officer's scans already as `scanned` records and
    paper-only ones as `on_paper` records. All or nothing: a refusal (bad personal ID, a procedure the
    officer's unit does not offer, an invalid form, a missing component) stores nothing.
    """
    check_officer(officer)
    if channel not in COUNTER_CHANNELS:
        raise Invalid(_("Tại quầy chỉ tiếp nhận hồ sơ trực tiếp (1) hoặc qua bưu chính công ích (3)."), code="invalid_channel")
    if procedure is None or procedure.code != procedure_code or not procedure.active:
        procedure = Procedure.objects.select_related("current").filter(code=procedure_code, active=True).first()
    if procedure is None or procedure.current is None:
        raise Invalid(_("Không có thủ tục mã %(code)s.") % {"code": procedure_code}, code="unknown_procedure")
    units = counter_units(officer, procedure)
    if not units.exists():
        raise Invalid(
            _("Đơn vị của bạn không tiếp nhận thủ tục “%(name)s”.") % {"name": localized(procedure.current.definition["name"])},
            code="procedure_not_offered",
        )
    person = resolve(applicant)
    if person.user.pk is None and any(isinstance(c, Mapping) and "vault_document" in c for c in components or []):
        raise Invalid(_("Người nộp chưa có kho dữ liệu: không có giấy tờ nào để dùng lại."), code="vault_document_not_found")
    filing = _Filing(officer, units, person, channel, payment_receipt)
    dossier = submit(
        person.user, procedure.code, data, unit_code=unit_code, channel=channel, components=components,
        procedure=procedure, counter=filing,
    )
    return filing.received[0] if filing.received else dossier


# --- digitizing later (RULES: digitize, keep_on_paper, digitize_result) -----------------------------


class DigitizeInput(ActionInput):
    """digitize: the scan of one component (a stored file record; the API and the pages store it first)."""

    key: Text = Field(max_length=64, description="a component of the procedure")
    scan: dict | None = Field(None, description="the stored file (set by the page or the API from an upload)")


class PaperInput(ActionInput):
    """keep_on_paper: the component stays on paper only, and why (the reason is required)."""

    key: Text = Field(max_length=64, description="a component of the procedure")


class ResultScanInput(ActionInput):
    scan: dict | None = Field(None, description="the stored scan of the paper result")


def _component(ctx: Ctx, key: str) -> Mapping:
    for c in ctx.dossier.procedure_version.components:
        if c["key"] == key:
            return c
    raise Invalid(_("Thành phần hồ sơ không có trong thủ tục."), code="unknown_component", components=[key])


def _stored(scan: Mapping | None) -> dict:
    from motcua.vault.upload_checks import STORED_PATH

    if not isinstance(scan, Mapping) or not STORED_PATH.match(str(scan.get("path", ""))):
        raise Invalid(_("Hãy chọn tệp bản quét (PDF hoặc ảnh)."), code="scan_required")
    return dict(scan)


def _replace(ctx: Ctx, record: dict) -> None:
    kept = [c for c in ctx.dossier.components if not (isinstance(c, Mapping) and c.get("key") == record["key"])]
    ctx.dossier.components = [*kept, record]


def digitize(ctx: Ctx, p: DigitizeInput) -> tuple[None, dict]:
    component = _component(ctx, p.key)
    record = scanned({"key": p.key, **_stored(p.scan)}, ctx.user, ctx.now)
    _replace(ctx, record)
    _keep_in_vault(ctx, record, localized(component.get("name"), "vi") or p.key)
    return None, {"key": p.key, "digitized": True, "sha256": record.get("sha256", "")}


def keep_on_paper(ctx: Ctx, p: PaperInput) -> tuple[None, dict]:
    _component(ctx, p.key)
    _replace(ctx, on_paper(p.key, p.reason, ctx.user, ctx.now))
    return None, {"key": p.key, "digitized": False}


def digitize_result(ctx: Ctx, p: ResultScanInput) -> tuple[None, dict]:
    scan = _stored(p.scan)
    record = {"key": "result-scan", **scan}
    title = _("Bản số hóa kết quả giải quyết hồ sơ %(code)s") % {"code": ctx.dossier.code}
    _keep_in_vault(ctx, record, title)
    return None, {
        "result_scan": {k: scan[k] for k in FILE_FIELDS if k in scan}, "digitized_by": ctx.user.get_username(),
        "digitized_at": ctx.now.isoformat(),
    }


def _keep_in_vault(ctx: Ctx, record: Mapping, title: str) -> None:
    # The applicant's vault keeps what was digitized for them (reused in a later dossier: 4.3).
    keep_upload(ctx.dossier.applicant, record, dossier_code=ctx.dossier.code, title=title, at=ctx.now)


def on_paper_dossier(ctx: Ctx) -> bool:
    """A dossier that came on paper: filed at the counter or by post, or holding a paper component."""
    d = ctx.dossier
    return d.channel != Channel.ONLINE or any(isinstance(c, Mapping) and c.get("source") == "paper" for c in d.components or [])


def paper_components(dossier: Dossier) -> list[Mapping]:
    return [c for c in dossier.components or [] if isinstance(c, Mapping) and c.get("source") == "paper" and not c.get("digitized")]


def scans(components: Iterable[object]) -> list[Mapping]:
    return [c for c in components if isinstance(c, Mapping) and c.get("source") == "paper" and c.get("digitized")]


DIGITIZE_STATUSES = frozenset({
    Status.SUBMITTED, Status.RECEIVED, Status.PROCESSING, Status.SUPPLEMENT_REQUESTED, Status.PAYMENT_REQUESTED,
    Status.PROCESSED, Status.RETURNED,
})
RESULT_STATUSES = frozenset({Status.PROCESSED, Status.RETURNED})
