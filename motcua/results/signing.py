"""Signing issued results (PAdES, pyHanko) and checking a signed PDF.

A result is an official document: the PDF carries a digital signature anyone can
check offline against the issuing authority's root certificate. Production gives
the signing key and certificate chain (SIGNING_KEY_FILE, SIGNING_CERT_FILE,
SIGNING_CHAIN_FILES, SIGNING_ROOT_FILES). Without them a demo certificate
authority and a signing certificate are generated once in var/signing/, like
the demo e-ID provider's key, so the embedded default signs for real too.
"""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from django.conf import settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

SIGNATURE_FIELD = "ChuKySo"


@dataclass(frozen=True)
class SigningMaterial:
    key_file: Path
    cert_file: Path
    chain_files: tuple[Path, ...]
    root_files: tuple[Path, ...]


def material() -> SigningMaterial:
    if settings.SIGNING_CERT_FILE:
        return SigningMaterial(
            Path(settings.SIGNING_KEY_FILE),
            Path(settings.SIGNING_CERT_FILE),
            tuple(Path(p) for p in settings.SIGNING_CHAIN_FILES),
            tuple(Path(p) for p in settings.SIGNING_ROOT_FILES),
        )
    return _demo_material(Path(settings.VAR_DIR) / "signing")


@lru_cache(maxsize=4)
def _signer(key_file: Path, cert_file: Path, chain_files: tuple[Path, ...]) -> signers.SimpleSigner:
    signer = signers.SimpleSigner.load(str(key_file), str(cert_file), ca_chain_files=tuple(map(str, chain_files)))
    if signer is None:
        raise RuntimeError(f"cannot load the signing key {key_file} and certificate {cert_file}")
    return signer


def sign_pdf(pdf: bytes, *, reason: str, location: str, signer_name: str) -> bytes:
    """The PDF with a PAdES signature over the whole file."""
    m = material()
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        name=signer_name,
    )
    out = signers.sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf)), meta, signer=_signer(m.key_file, m.cert_file, m.chain_files))
    return out.getvalue()


@dataclass(frozen=True)
class Verdict:
    """What a check of a PDF's signature found."""

    signed: bool
    intact: bool = False  # the signed bytes are unchanged
    trusted: bool = False  # the certificate chains to a root this installation trusts
    whole_file: bool = False  # nothing was added after the signature
    signer: str = ""
    signed_at: datetime | None = None

    @property
    def valid(self) -> bool:
        return self.signed and self.intact and self.trusted and self.whole_file


def _roots() -> list[asn1_x509.Certificate]:
    m = material()
    files = m.root_files or m.chain_files[-1:]
    return [_load_cert(p) for p in files]


def _load_cert(path: Path) -> asn1_x509.Certificate:
    from asn1crypto import pem

    data = path.read_bytes()
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return asn1_x509.Certificate.load(data)


def verify_pdf(pdf: bytes) -> Verdict:
    """Check the (first) signature of a PDF against this installation's trusted roots."""
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # anything unreadable is simply "not a signed PDF we know"
        return Verdict(signed=False)
    if not signatures:
        return Verdict(signed=False)
    embedded = signatures[0]
    try:
        status = validate_pdf_signature(embedded, ValidationContext(trust_roots=_roots(), allow_fetching=False))
    except Exception:  # a malformed signature is a failed check, not a crash
        return Verdict(signed=True)

    return Verdict(
        signed=True,
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer=status.signing_cert.subject.native.get("common_name", "") if status.signing_cert else "",
        signed_at=status.signer_reported_dt,
    )


# --- the demo certificate authority -----------------------------------------------------------


def _demo_material(folder: Path) -> SigningMaterial:
    root, cert, key = folder / "demo-root-ca.pem", folder / "result-signer.pem", folder / "result-signer-key.pem"
    if not (root.exists() and cert.exists() and key.exists()):
        _create_demo_ca(folder, root, cert, key)
    return SigningMaterial(key, cert, (root,), (root,))


def _create_demo_ca(folder: Path, root_path: Path, cert_path: Path, key_path: Path) -> None:
    # Imported here: an installation with its own certificates never generates any.
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def name(common: str) -> x509.Name:
        return x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "motcua demo (not a real authority)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ])

    # Fixed dates, not "now": a set made while the clock is off (a test under freezegun, a
    # machine with a wrong date) was valid only from that moment, so every later check of
    # every result failed as "not yet valid". A demo authority need not expire.
    valid_from, valid_to = datetime(2020, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = name("motcua demo root CA")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(valid_from).not_valid_after(valid_to)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
        ), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name("motcua demo result signer")).issuer_name(ca_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(valid_from).not_valid_after(valid_to)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False,
        ), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    # Written in a folder of its own, then renamed into place as a whole (which
    # fails if the folder exists): of two processes starting at once, the first
    # set wins, both use it, and nobody reads half a set.
    staging = folder.with_name(f"{folder.name}.{secrets.token_hex(4)}.tmp")
    staging.mkdir(parents=True)
    for path, data in (
        (root_path, ca.public_bytes(serialization.Encoding.PEM)),
        (cert_path, cert.public_bytes(serialization.Encoding.PEM)),
        (key_path, key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )),
    ):
        (staging / path.name).write_bytes(data)
        (staging / path.name).chmod(0o600)
    try:
        staging.rename(folder)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
