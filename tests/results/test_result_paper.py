"""What the signed result, the receipt and the apology letter say on paper, read from the PDFs' text.

Answers by their labels (not `nam`, `True`, `on_time`), dates as dd/mm/yyyy, officers'
names as they write them (family name first: "Cao Thị Yến", never "Yến Cao Thị"), and an
inter-agency bundle's result carrying what each agency issued.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

from django.utils import timezone
from pypdf import PdfReader

from motcua.dossiers import actions
from motcua.dossiers.models import Dossier
from motcua.identity.models import User
from motcua.results import receipt
from motcua.results.apology import render_apology_letter
from motcua.results.models import Result, ResultDocument
from motcua.vault.models import VaultDocument
from tests.conftest import BIRTH, BIRTH_COMPONENTS
from tests.walker import DEFINITIONS, Walker

BUNDLE = DEFINITIONS["3.000722-lien-thong-khai-sinh-thuong-tru-bhyt.yaml"]


def text_of(pdf: bytes) -> str:
    """The PDF's text with runs of white space as one space (table cells end up on one line or two)."""
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


def _people(*names: str) -> dict[str, User]:
    return {n: User.objects.get(username=n) for n in names}


def _result_text(code: str) -> str:
    result = Result.objects.get(dossier__code=code)
    with result.file.open("rb") as f:
        return text_of(f.read())


def test_the_birth_certificate_prints_labels_dates_and_the_signer_as_she_writes_her_name(demo):
    people = _people("citizen2", "onestop_hoathuan", "specialist_hoathuan", "approver_hoathuan")
    code = actions.submit(
        people["citizen2"], "1.001193", dict(BIRTH), unit_code="000.12.00.H99", components=list(BIRTH_COMPONENTS)
    ).code
    actions.perform(code, "receive", people["onestop_hoathuan"])
    actions.perform(code, "start_processing", people["specialist_hoathuan"])
    actions.perform(code, "transfer", people["specialist_hoathuan"])
    actions.perform(code, "approve", people["approver_hoathuan"])
    actions.perform(code, "issue_result", people["approver_hoathuan"])
    text = _result_text(code)
    assert "Giới tính Nam" in text
    assert "Ngày, tháng, năm sinh 20/11/2026" in text
    assert "2026-11-20" not in text and " nam " not in text
    assert "Cao Thị Yến" in text and "Yến Cao Thị" not in text


def test_the_receipt_and_the_apology_letter_name_the_officer_family_name_first(demo):
    people = _people("citizen2", "onestop_hoathuan")
    dossier = actions.submit(
        people["citizen2"], "1.001193", dict(BIRTH), unit_code="000.12.00.H99", components=list(BIRTH_COMPONENTS)
    )
    actions.perform(dossier.code, "receive", people["onestop_hoathuan"])
    dossier = Dossier.objects.select_related("unit", "procedure_version", "applicant__citizen").get(code=dossier.code)
    slip = text_of(receipt.draw(receipt.receipt_html(dossier)))
    assert "Lý Thị Hoa" in slip and "Hoa Lý Thị" not in slip
    now = timezone.now()
    letter = text_of(render_apology_letter(
        dossier, "XL-1", people["onestop_hoathuan"], now, reason="Chờ xác minh", previous_due_at=now - timedelta(days=1),
    ))
    assert "Lý Thị Hoa" in letter and "Hoa Lý Thị" not in letter


def test_a_name_is_kept_as_written_and_never_rebuilt_from_first_and_last(demo):
    user = User.objects.get(username="approver_hoathuan")
    assert user.get_full_name() == "Cao Thị Yến"
    user.first_name, user.last_name = "Yến", "Cao Thị"  # whatever these say, the written name wins
    assert user.get_full_name() == "Cao Thị Yến" and user.get_short_name() == "Yến"


def _walk_bundle(request_id_card: bool) -> str:
    data = {**BUNDLE["example"], "request_id_card": request_id_card}
    walker = Walker(BUNDLE)
    walker.submit(data=data)
    walker.receive()
    walker.process()
    walker.act(walker.signer(), "issue_result")
    return walker.code


def _document_text(code: str, step: str) -> str:
    document = ResultDocument.objects.get(result__dossier__code=code, step=step)
    with document.file.open("rb") as f:
        return text_of(f.read())


def test_the_bundle_gives_one_signed_file_per_agency_document(demo):
    code = _walk_bundle(request_id_card=True)
    text = _result_text(code)
    dossier = Dossier.objects.get(code=code)
    tasks = {t.step: t for t in dossier.tasks.select_related("unit", "done_by")}
    # The birth certificate alone, naming what the other agencies issued with it (each their own file).
    assert "GIẤY KHAI SINH" in text and "THẺ BẢO HIỂM Y TẾ CỦA TRẺ EM DƯỚI 6 TUỔI" not in text
    for step, title in [
        ("register_residence", "THÔNG BÁO KẾT QUẢ ĐĂNG KÝ THƯỜNG TRÚ"),
        ("issue_health_card", "THẺ BẢO HIỂM Y TẾ CỦA TRẺ EM DƯỚI 6 TUỔI"),
        ("issue_id_card", "THÔNG BÁO CẤP THẺ CĂN CƯỚC CHO TRẺ EM"),
    ]:
        part = _document_text(code, step)
        # Headed by the unit that did the step, naming the officer who did it; not the commune's certificate.
        assert title in part, step
        assert tasks[step].unit.name.upper() in part, step
        assert tasks[step].done_by.get_full_name() in part, step
        assert "GIẤY KHAI SINH" not in part, step
        assert tasks[step].unit.name in text, step  # listed on the birth certificate
    assert "Nơi đăng ký khám chữa bệnh ban đầu Trạm Y tế xã An Bình" in _document_text(code, "issue_health_card")
    id_card = _document_text(code, "issue_id_card")
    assert "Đề nghị cấp thẻ căn cước cho trẻ Có" in id_card and "True" not in id_card
    # Each document is in the citizen's vault under its own type, from its own agency, as its own file.
    kept = VaultDocument.objects.filter(source_dossier=code)
    assert dict(kept.values_list("document_type", "issuer")) == {
        "birth_certificate": dossier.unit.name,
        "residence_notice": tasks["register_residence"].unit.name,
        "health_insurance_card": tasks["issue_health_card"].unit.name,
        "id_card": tasks["issue_id_card"].unit.name,
    }
    assert len({d.sha256 for d in kept}) == 4 and len({d.storage_name for d in kept}) == 4


def test_a_skipped_step_issues_nothing(demo):
    code = _walk_bundle(request_id_card=False)
    assert set(ResultDocument.objects.filter(result__dossier__code=code).values_list("step", flat=True)) == {
        "register_residence", "issue_health_card"}
    assert not VaultDocument.objects.filter(source_dossier=code, document_type="id_card").exists()
