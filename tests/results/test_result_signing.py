"""Issued results are signed (PAdES) and anyone can check a result file on /verify/."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from freezegun import freeze_time
from pyhanko.pdf_utils.reader import PdfFileReader
from weasyprint import HTML

from motcua.dossiers import actions
from motcua.identity.models import User
from motcua.results import signing
from motcua.results.models import Result
from tests.conftest import BIRTH, BIRTH_COMPONENTS

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _issued(demo) -> Result:
    people = {n: User.objects.get(username=n) for n in ("citizen", "onestop_anbinh", "specialist_anbinh", "approver_anbinh")}
    code = actions.submit(people["citizen"], "1.001193", dict(BIRTH), components=list(BIRTH_COMPONENTS)).code
    actions.perform(code, "receive", people["onestop_anbinh"])
    actions.perform(code, "start_processing", people["specialist_anbinh"])
    actions.perform(code, "transfer", people["specialist_anbinh"])
    actions.perform(code, "approve", people["approver_anbinh"])
    actions.perform(code, "issue_result", people["approver_anbinh"])
    return Result.objects.select_related("dossier__unit").get(dossier__code=code)


def _bytes(result: Result) -> bytes:
    with result.file.open("rb") as f:
        return f.read()


def test_an_issued_result_carries_a_valid_signature_over_the_whole_file(demo):
    result = _issued(demo)
    pdf = _bytes(result)
    assert hashlib.sha256(pdf).hexdigest() == result.sha256  # the stored digest is the signed file's
    verdict = signing.verify_pdf(pdf)
    assert verdict.valid, verdict
    # The unit signs with its own certificate, and the PDF names it in every place a reader looks.
    unit = result.dossier.unit
    assert verdict.signer == unit.name[:64]
    assert verdict.timestamped_at is not None and verdict.timestamp_trusted
    [embedded] = PdfFileReader(__import__("io").BytesIO(pdf)).embedded_regular_signatures
    assert embedded.field_name == signing.field_name(unit) and unit.code.replace(".", "_") in embedded.field_name
    assert f"{unit.name} ban hành kết quả hồ sơ {result.dossier.code}" == embedded.sig_object["/Reason"]
    assert embedded.sig_object["/Location"] == unit.name


def test_a_changed_byte_or_an_appended_page_breaks_the_check(demo):
    pdf = _bytes(_issued(demo))
    # A byte of the signed content (inside the first object's stream), then a PDF with something added after signing.
    at = pdf.index(b"stream") + 20
    altered = pdf[:at] + bytes([pdf[at] ^ 0xFF]) + pdf[at + 1:]
    assert not signing.verify_pdf(altered).valid
    appended = signing.verify_pdf(pdf + b"\n1 0 obj\n<<>>\nendobj\n")
    assert appended.signed and not appended.valid
    assert not signing.verify_pdf(HTML(string="<p>unsigned</p>").write_pdf()).signed
    assert not signing.verify_pdf(b"%PDF-1.7 garbage").valid


def test_a_signature_from_another_authority_is_not_trusted(demo, settings, tmp_path):
    pdf = _bytes(_issued(demo))
    # An installation with its own authority (configured by files, as in production) does not trust the demo one.
    other = signing._demo_material(tmp_path / "other")
    settings.SIGNING_KEY_FILE, settings.SIGNING_CERT_FILE = str(other.key_file), str(other.cert_file)
    settings.SIGNING_CHAIN_FILES, settings.SIGNING_ROOT_FILES = [str(other.chain_files[0])], [str(other.root_files[0])]
    verdict = signing.verify_pdf(pdf)
    assert verdict.signed and verdict.intact and not verdict.trusted and not verdict.valid, verdict
    # ...and signs with its own key, which it does trust.
    own = signing.sign_pdf(HTML(string="<p>x</p>").write_pdf(), reason="r", location="l", signer_name="n")
    assert signing.verify_pdf(own).valid


def test_the_demo_authority_is_made_once_and_kept(tmp_path):
    first = signing._demo_material(tmp_path / "signing")
    key = Path(first.key_file).read_bytes()
    again = signing._demo_material(tmp_path / "signing")
    assert again == first and Path(again.key_file).read_bytes() == key
    assert oct(Path(first.key_file).stat().st_mode & 0o777) == "0o600"
    assert not list(tmp_path.glob("*.tmp"))


def test_a_demo_authority_made_while_the_clock_was_wrong_still_verifies(settings, tmp_path):
    # It was made inside a test frozen at a later date, kept in var/, and every result
    # signed afterwards failed the check as "not yet valid".
    with freeze_time("2030-06-01"):
        made = signing._demo_material(tmp_path / "signing")
    settings.SIGNING_KEY_FILE, settings.SIGNING_CERT_FILE = str(made.key_file), str(made.cert_file)
    settings.SIGNING_CHAIN_FILES = settings.SIGNING_ROOT_FILES = [str(made.root_files[0])]
    pdf = signing.sign_pdf(HTML(string="<p>z</p>").write_pdf(), reason="r", location="l", signer_name="n")
    assert signing.verify_pdf(pdf).valid


# --- the public check page --------------------------------------------------------------------


def _post(client, name: str, data: bytes, content_type: str = "application/pdf"):
    return client.post("/verify/", {"document": SimpleUploadedFile(name, data, content_type=content_type)})


def test_the_check_page_confirms_a_genuine_result_without_telling_who_applied(client, demo):
    result = _issued(demo)
    assert client.get("/verify/").status_code == 200
    page = _post(client, "ket-qua.pdf", _bytes(result))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Văn bản hợp lệ" in html and result.number in html and result.dossier.unit.name in html
    applicant = result.dossier.applicant.citizen
    assert applicant.full_name not in html and applicant.personal_id not in html


def test_the_check_page_refuses_what_it_cannot_take_and_doubts_what_it_cannot_confirm(client, demo):
    missing = client.post("/verify/", {})
    assert missing.status_code == 400 and "Chọn tệp PDF" in missing.content.decode()
    png = _post(client, "anh.png", PNG, "image/png")
    assert png.status_code == 400 and "chỉ nhận PDF" in png.content.decode()
    lying = _post(client, "anh.pdf", PNG)
    assert lying.status_code == 400
    unsigned = _post(client, "a.pdf", HTML(string="<p>x</p>").write_pdf())
    assert unsigned.status_code == 200 and "Tệp không có chữ ký số." in unsigned.content.decode()
    assert "Văn bản hợp lệ" not in unsigned.content.decode()
    # Signed by this installation's key but never issued as a result: not taken for genuine.
    stray = signing.sign_pdf(HTML(string="<p>y</p>").write_pdf(), reason="r", location="l", signer_name="n")
    page = _post(client, "b.pdf", stray).content.decode()
    assert "Không xác nhận được văn bản" in page and "Không tìm thấy văn bản này" in page


@pytest.mark.parametrize("language", ["en", "bn"])
def test_the_check_page_speaks_the_reader_language(client, demo, language):
    client.cookies["django_language"] = language
    page = client.get("/verify/").content.decode()
    assert "Kiểm tra kết quả điện tử" not in page
