"""Results anyone can verify: QR codes to /verify/, pyHanko's own command line, revocation, tampering, the TSA.

The checks that matter are made by implementations not written here: pyHanko's command line validates
the signature and its timestamp as docs/verification.md tells a reader to, PDFium draws the page and
zxing-cpp reads its QR code, OpenSSL asks the time-stamping authority and checks its answer.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from asn1crypto import core, tsp
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import HTTPTimeStamper
from weasyprint import HTML

from motcua.audit.log import verify_chain
from motcua.audit.models import AuditEntry
from motcua.dossiers import actions
from motcua.dossiers.models import ApologyLetter, Dossier
from motcua.identity.models import User
from motcua.lib.errors import Conflict
from motcua.results import links, pki, receipt, signing
from motcua.results.apology import render_apology_letter
from motcua.results.models import Result
from motcua.units.models import Unit
from tests.conftest import BIRTH, BIRTH_COMPONENTS
from tests.results.test_result_signing import _bytes, _issued

PYHANKO = str(Path(sys.executable).with_name("pyhanko"))
OPENSSL = shutil.which("openssl") or "openssl"


def _people() -> dict[str, User]:
    names = ("citizen", "onestop_anbinh", "specialist_anbinh", "approver_anbinh", "approver_hoathuan")
    return {n: User.objects.get(username=n) for n in names}


def _one_byte_changed(pdf: bytes) -> bytes:
    at = pdf.index(b"stream") + 40  # inside the first page's content, which the signature covers
    return pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1:]


def _qr_codes(pdf: bytes) -> list[str]:
    """The QR codes PDFium's drawing of the first page shows, as zxing-cpp reads them."""
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=2).to_pil()
    return [c.text for c in zxingcpp.read_barcodes(image) if c.format == zxingcpp.BarcodeFormat.QRCode]


def _text(pdf: bytes) -> str:
    return pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()


def _validate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PYHANKO, "sign", *args], capture_output=True, text=True, timeout=120)  # noqa: S603 - pyHanko from the venv


# --- offline, with pyHanko's command line (docs/verification.md) ----------------------------------


def test_pyhanko_command_line_finds_the_result_signed_by_its_unit_and_timestamped(demo, tmp_path):
    result = _issued(demo)
    path = tmp_path / "ket-qua.pdf"
    path.write_bytes(_bytes(result))
    ca = str(pki.ca_cert_file())
    # Exactly the commands of docs/verification.md.
    quick = _validate("validate", "--trust", ca, "--trust-replace", "--soft-revocation-check", str(path))
    assert quick.returncode == 0, quick.stderr
    field = signing.field_name(result.dossier.unit)
    assert f"{field}:" in quick.stdout
    assert ":INTACT:TRUSTED," in quick.stdout and "TIMESTAMP_TOKEN<INTACT:TRUSTED>" in quick.stdout
    # AdES validation reads the certificates and the CRL embedded in the file: no network needed (B-LT/LTA).
    ades = _validate("adesverify", "--pretty-print", "--trust", ca, "--trust-replace", str(path))
    assert ades.returncode == 0, ades.stderr
    assert "The signer's certificate is trusted." in ades.stdout
    assert "This timestamp is backed by a time stamping authority." in ades.stdout
    assert "The TSA certificate is trusted." in ades.stdout
    assert "The signature is judged VALID." in ades.stdout
    # The PDF holds the validation data: the signer's chain and the CA's CRL in its DSS.
    reader = PdfFileReader(BytesIO(path.read_bytes()))
    dss = reader.root["/DSS"]
    assert len(dss["/Certs"]) >= 3 and len(dss["/CRLs"]) >= 1


def test_pyhanko_command_line_rejects_a_result_with_one_byte_changed(demo, tmp_path):
    path = tmp_path / "sua.pdf"
    path.write_bytes(_one_byte_changed(_bytes(_issued(demo))))
    ca = str(pki.ca_cert_file())
    checked = _validate("validate", "--trust", ca, "--trust-replace", "--soft-revocation-check", str(path))
    assert checked.returncode != 0
    assert "INTACT:TRUSTED" not in checked.stdout


# --- the PDFs: the unit named, and a QR code to their page on /verify/ ----------------------------


def test_the_result_names_its_signing_unit_and_its_qr_code_opens_its_page(demo, client):
    result = _issued(demo)
    pdf = _bytes(result)
    unit = result.dossier.unit
    text = _text(pdf)
    assert "Văn bản điện tử được ký số bởi" in text and unit.name in text
    [url] = _qr_codes(pdf)
    assert url == links.verify_url(links.RESULT, result.number)
    page = client.get(url.removeprefix("http://127.0.0.1:8000"))
    html = page.content.decode()
    assert page.status_code == 200
    assert result.number in html and unit.name in html and "chưa bị thu hồi" in html
    applicant = result.dossier.applicant.citizen
    assert applicant.full_name not in html and applicant.personal_id not in html


def test_the_receipt_and_the_apology_letter_carry_the_qr_code_of_their_page(demo, client):
    p = _people()
    dossier = actions.submit(p["citizen"], "1.001193", dict(BIRTH), components=list(BIRTH_COMPONENTS))
    actions.perform(dossier.code, "receive", p["onestop_anbinh"])
    dossier = Dossier.objects.select_related("unit", "procedure_version", "applicant").get(pk=dossier.pk)

    [url] = _qr_codes(receipt.receipt_pdf(dossier))
    assert url == links.verify_url(links.RECEIPT, dossier.code)
    page = client.get(url.removeprefix("http://127.0.0.1:8000")).content.decode()
    assert dossier.code in page and timezone.localtime(dossier.due_at).strftime("%d/%m/%Y") in page

    # The letter as the actions layer stores it (apology.py renders, the action numbers and keeps it).
    now = timezone.now()
    letter_pdf = render_apology_letter(dossier, "XL-1", p["onestop_anbinh"], now, reason="r", previous_due_at=now)
    ApologyLetter.objects.create(
        dossier=dossier, number="XL-1", reason="r", previous_due_at=now, new_due_at=now + timedelta(days=3),
        file=ContentFile(letter_pdf, name="x.pdf"), sha256="0" * 64, issued_by=p["onestop_anbinh"], issued_at=now,
    )
    [url] = _qr_codes(letter_pdf)
    assert url == links.verify_url(links.APOLOGY, "XL-1")
    assert "XL-1" in client.get(url.removeprefix("http://127.0.0.1:8000")).content.decode()


def test_a_verify_link_not_printed_by_motcua_is_not_found(demo, client):
    result = _issued(demo)
    good = links.verify_path(links.RESULT, result.number)
    assert client.get(good).status_code == 200
    signature = good.rstrip("/").rsplit("/", 1)[1]
    # Another number under the same signature, another kind, a forged signature, a number never issued.
    assert client.get(good.replace(result.number, result.number + "0")).status_code == 404
    assert client.get(good.replace("/kq/", "/tn/")).status_code == 404
    assert client.get(good.replace(signature, "A" * len(signature))).status_code == 404
    assert client.get(links.verify_path(links.RESULT, "KQ-none")).status_code == 404
    assert client.get(links.verify_path("zz", result.number)).status_code == 404


# --- revoking a result, and a tampered file on /verify/ ---------------------------------------------


def _upload(client, pdf: bytes):
    return client.post("/verify/", {"document": SimpleUploadedFile("kq.pdf", pdf, content_type="application/pdf")})


def test_a_leader_of_the_issuing_unit_revokes_and_verify_says_revoked_when_and_why(demo, client):
    result = _issued(demo)
    code = result.dossier.code
    url = f"/office/dossiers/{code}/revoke-result/"
    people = _people()
    officer = Client()
    officer.force_login(people["approver_anbinh"])
    assert "Thu hồi kết quả" in officer.get(f"/office/dossiers/{code}/").content.decode()

    empty = officer.post(url, {"reason": "   "})
    assert empty.status_code == 422 and "Nhập lý do thu hồi kết quả." in empty.content.decode()
    nul = officer.post(url, {"reason": "sai\x00"})
    assert nul.status_code == 400  # NUL is refused for every form before the view (api/middleware.py)
    assert Result.objects.get(pk=result.pk).revoked_at is None

    done = officer.post(url, {"reason": "Cấp nhầm  người"})
    assert done.status_code == 302
    revoked = Result.objects.get(pk=result.pk)
    assert revoked.revoked_at and revoked.revoked_by == people["approver_anbinh"]
    assert revoked.revocation_reason == "Cấp nhầm người"
    entry = AuditEntry.objects.get(object_type="result", object_id=result.number)
    assert entry.action == "result.revoke" and entry.data["reason"] == "Cấp nhầm người"
    assert verify_chain("result", result.number)

    # The file is still the one issued, intact and trusted: the page says it no longer stands, when and why.
    page = _upload(client, _bytes(result)).content.decode()
    assert "Kết quả đã bị thu hồi" in page and "Văn bản hợp lệ" not in page
    assert "Cấp nhầm người" in page and timezone.localtime(revoked.revoked_at).strftime("%H:%M %d/%m/%Y") in page
    qr_page = client.get(links.verify_path(links.RESULT, result.number)).content.decode()
    assert "Kết quả đã bị thu hồi" in qr_page and "Cấp nhầm người" in qr_page
    # The citizen's dossier page says so too; a second revocation changes nothing.
    citizen = Client()
    citizen.force_login(people["citizen"])
    assert "Cấp nhầm người" in citizen.get(f"/my/dossiers/{code}/").content.decode()
    again = officer.post(url, {"reason": "lần hai"}, follow=True)
    assert "đã bị thu hồi" in again.content.decode()
    assert Result.objects.get(pk=result.pk).revocation_reason == "Cấp nhầm người"
    assert AuditEntry.objects.filter(object_type="result").count() == 1


def test_only_a_leader_of_the_issuing_unit_may_revoke(demo):
    result = _issued(demo)
    url = f"/office/dossiers/{result.dossier.code}/revoke-result/"
    people = _people()
    for username, status in (("specialist_anbinh", 403), ("onestop_anbinh", 403), ("approver_hoathuan", 404),
                             ("citizen", 403)):
        c = Client()
        c.force_login(people[username])
        assert c.post(url, {"reason": "x"}).status_code == status, username
    assert Client().post(url, {"reason": "x"}).status_code == 302  # to the login page
    assert Result.objects.get(pk=result.pk).revoked_at is None


def test_a_result_with_one_byte_changed_is_shown_as_tampered(demo, client):
    pdf = _bytes(_issued(demo))
    page = _upload(client, _one_byte_changed(pdf))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Văn bản đã bị sửa đổi sau khi ký" in html and "Văn bản hợp lệ" not in html
    appended = _upload(client, pdf + b"%% added\n").content.decode()
    assert "Văn bản đã bị sửa đổi sau khi ký" in appended


# --- the demo time-stamping authority, over HTTP --------------------------------------------------


def test_the_demo_tsa_answers_rfc3161_over_http(live_server):
    digest = bytes(range(32))
    # pyHanko's HTTP client: a granted token over our digest, from the demo TSA's certificate.
    token = asyncio.run(HTTPTimeStamper(f"{live_server.url}/pki/tsa").async_timestamp(digest, "sha256"))
    signed = token["content"]
    info = tsp.TSTInfo.load(signed["encap_content_info"]["content"].parsed.dump())
    assert info["message_imprint"]["hashed_message"].native == digest
    names = {c.chosen.subject.native["common_name"] for c in signed["certificates"]}
    assert names == {"motcua demo time-stamping authority", "motcua demo root CA"}


@pytest.mark.skipif(shutil.which("openssl") is None, reason="OpenSSL's command line is not installed")
def test_openssl_asks_the_demo_tsa_and_verifies_its_reply(live_server, tmp_path):
    import requests

    data = tmp_path / "data.txt"
    data.write_bytes(b"motcua")
    query = tmp_path / "q.tsq"
    subprocess.run([OPENSSL, "ts", "-query", "-data", str(data), "-sha256", "-cert", "-out", str(query)], check=True)  # noqa: S603
    answer = requests.post(f"{live_server.url}/pki/tsa", data=query.read_bytes(),
                           headers={"Content-Type": "application/timestamp-query"}, timeout=30)
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/timestamp-reply"
    reply = tmp_path / "r.tsr"
    reply.write_bytes(answer.content)
    untrusted = tmp_path / "tsa.pem"
    untrusted.write_bytes(pki.tsa_files()[1].read_bytes())
    checked = subprocess.run(  # noqa: S603
        [OPENSSL, "ts", "-verify", "-data", str(data), "-in", str(reply), "-CAfile", str(pki.ca_cert_file()),
         "-untrusted", str(untrusted)], capture_output=True, text=True,
    )
    assert checked.returncode == 0 and "Verification: OK" in checked.stdout, checked.stderr


def _status(reply: bytes) -> tsp.PKIStatusInfo:
    """The PKIStatusInfo of a TimeStampResp without a token (asn1crypto's TimeStampResp requires one)."""
    return tsp.PKIStatusInfo.load(core.Sequence.load(reply)[0].dump())


def test_the_tsa_refuses_what_is_not_a_timestamp_query(client):
    wrong_type = client.post("/pki/tsa", data=b"x", content_type="text/plain")
    assert wrong_type.status_code == 415
    garbage = client.post("/pki/tsa", data=b"\x30\x03\x02\x01\x01", content_type="application/timestamp-query")
    assert garbage.status_code == 400 and garbage["Content-Type"] == "application/timestamp-reply"
    assert _status(garbage.content)["status"].native == "rejection"
    bad_alg = tsp.TimeStampReq({"version": "v1", "message_imprint": {
        "hash_algorithm": {"algorithm": "sha256"}, "hashed_message": b"short"}}).dump()
    refused = client.post("/pki/tsa", data=bad_alg, content_type="application/timestamp-query")
    assert refused.status_code == 400
    assert _status(refused.content)["fail_info"].native == {"bad_alg"}
    assert client.get("/pki/tsa").status_code == 405
    crl = client.get("/pki/crl")
    assert crl.status_code == 200 and x509.load_der_x509_crl(crl.content).issuer == x509.load_pem_x509_certificate(
        client.get("/pki/ca.pem").content).subject


# --- motcua pki: a unit's own certificate ----------------------------------------------------------


def test_a_unit_signs_with_the_certificate_loaded_for_it(demo, settings, tmp_path):
    settings.PKI_DIR = tmp_path / "pki"
    call_command("pki", "demo")
    unit = Unit.objects.get(code="000.11.00.H99")
    # A real authority's certificate for the unit, handed over as PKCS#12 with a password.
    ca_key, ca = pki.make_ca("Vietnam test national root CA")
    key = ec.generate_private_key(ec.SECP256R1())
    cert = pki.issue_leaf(ca_key, ca, x509.Name.from_rfc4514_string("CN=An Binh commune people's committee,C=VN"), key)
    p12 = tmp_path / "anbinh.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"anbinh", key, cert, [ca], serialization.BestAvailableEncryption(b"s3cret")))
    password = tmp_path / "password"
    password.write_text("s3cret\n")
    call_command("pki", "load-unit", unit.code, "--p12", str(p12), "--password-file", str(password))
    material = pki.unit_material(unit.code)
    assert oct(material.key_file.stat().st_mode & 0o777) == "0o600"
    assert oct(material.key_file.parent.stat().st_mode & 0o777) == "0o700"
    with pytest.raises(Exception, match="already"):
        call_command("pki", "load-unit", unit.code, "--p12", str(p12), "--password-file", str(password))

    pdf = signing.sign_pdf(HTML(string="<p>x</p>").write_pdf(), reason="r", location="l", signer_name="n", unit=unit)
    [embedded] = PdfFileReader(BytesIO(pdf)).embedded_regular_signatures
    assert embedded.signer_cert.subject.native["common_name"] == "An Binh commune people's committee"
    # Checked against the demo CA only, it is not trusted; once the installation trusts that CA, it is.
    assert not signing.verify_pdf(pdf).trusted
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    settings.SIGNING_ROOT_FILES = [str(ca_file)]
    assert signing.verify_pdf(pdf).intact and signing.verify_pdf(pdf).trusted


def test_a_unit_certificate_on_the_demo_crl_no_longer_signs_trusted_results(demo, settings, tmp_path):
    settings.PKI_DIR = tmp_path / "pki"
    unit = Unit.objects.get(code="000.11.00.H99")
    before = signing.sign_pdf(HTML(string="<p>a</p>").write_pdf(), reason="r", location="l", signer_name="n", unit=unit)
    assert signing.verify_pdf(before).valid
    call_command("pki", "revoke-unit", unit.code)
    crl = x509.load_der_x509_crl(pki.demo_crl())
    serial = x509.load_pem_x509_certificate(pki.unit_material(unit.code).cert_file.read_bytes()).serial_number
    assert crl.get_revoked_certificate_by_serial_number(serial) is not None
    # The file signed before still checks (the CRL dates the revocation); nothing more is signed with the key.
    assert signing.verify_pdf(before).intact
    with pytest.raises(SigningError):
        signing.sign_pdf(HTML(string="<p>b</p>").write_pdf(), reason="r", location="l", signer_name="n", unit=unit)
    # Issuing a result is refused with a clear word, and nothing of it is kept.
    with pytest.raises(Conflict, match="Chứng thư số"):
        _issued(demo)
    assert not Result.objects.filter(dossier__unit=unit, issued_at__gte=timezone.now() - timedelta(minutes=5)).exists()


def test_a_tsa_that_does_not_answer_refuses_the_issue_with_a_clear_word(demo, settings):
    settings.TSA_URL = "http://127.0.0.1:9/tsa"  # the discard port: nothing answers
    with pytest.raises(Conflict, match="dấu thời gian"):
        _issued(demo)
