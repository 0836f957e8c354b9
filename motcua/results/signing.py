"""Signing issued results (PAdES B-LT, pyHanko) and checking a signed PDF.

A result is an official document: the PDF carries the issuing unit's digital signature, an
RFC 3161 timestamp, and the certificates and revocation lists needed to check both (PAdES
B-LT), so anyone can check it offline, years later, against the installation's root
certificate. Each unit signs with its own certificate under the installation's CA (pki.py);
a unit without one, while `PKI_DEMO` is on, is given a demo one on its first result.

The installation-wide signer of earlier versions (SIGNING_KEY_FILE, SIGNING_CERT_FILE,
SIGNING_CHAIN_FILES) still signs what no unit signs; SIGNING_ROOT_FILES, when set, are the
roots trusted when checking (default: the CA of PKI_DIR).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from asn1crypto import crl as asn1_crl
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from django.conf import settings

from motcua.results import pki

# pyHanko (with aiohttp under it) is imported where a PDF is signed or checked, not with the module:
# it is ~0.6 s of CPU that every process paid at start-up (each command, worker and web process),
# most of which never signs anything.
if TYPE_CHECKING:
    from pyhanko.sign import signers, timestamps
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
    from pyhanko_certvalidator import ValidationContext

SIGNATURE_FIELD = "ChuKySo"


@dataclass(frozen=True)
class SigningMaterial:
    key_file: Path
    cert_file: Path
    chain_files: tuple[Path, ...]
    root_files: tuple[Path, ...]


def material() -> SigningMaterial:
    """The installation-wide signer (for what no unit signs), and the demo PKI made when missing."""
    pki.ensure_demo()
    if settings.SIGNING_CERT_FILE:
        return SigningMaterial(
            Path(settings.SIGNING_KEY_FILE),
            Path(settings.SIGNING_CERT_FILE),
            tuple(Path(p) for p in settings.SIGNING_CHAIN_FILES),
            tuple(Path(p) for p in settings.SIGNING_ROOT_FILES),
        )
    m = pki.issue_unit("_installation", "motcua demo result signer")
    return SigningMaterial(m.key_file, m.cert_file, (m.chain_file,), (pki.ca_cert_file(),))


def unit_material(unit) -> SigningMaterial:
    """The certificate that signs for `unit`: its own, else that of its nearest ancestor of the same body,
    else (demo) a new one of its own, else its nearest ancestor's, else the installation's.

    A unit of another sector than the units above it in the tree (the commune police under the commune
    People's Committee) is another issuing body: it signs what it issues (a residence deletion notice)
    with its own certificate, never with the commune's, as soon as it can have one.
    """
    pki.ensure_demo()
    here = unit
    while here is not None and _same_body(unit, here):
        m = pki.unit_material(here.code)
        if m.exists:
            return SigningMaterial(m.key_file, m.cert_file, (m.chain_file,), (pki.ca_cert_file(),))
        here = here.parent
    if pki.demo_available():
        m = pki.issue_unit(unit.code, unit.name)
        return SigningMaterial(m.key_file, m.cert_file, (m.chain_file,), (pki.ca_cert_file(),))
    while here is not None:
        m = pki.unit_material(here.code)
        if m.exists:
            return SigningMaterial(m.key_file, m.cert_file, (m.chain_file,), (pki.ca_cert_file(),))
        here = here.parent
    return material()


def _same_body(unit, ancestor) -> bool:
    """Whether `ancestor` issues for `unit`: itself, or a unit of the same sector (a desk has none: its parent's)."""
    mine, theirs = getattr(unit, "agency", ""), getattr(ancestor, "agency", "")
    return ancestor is unit or not mine or not theirs or mine == theirs


def field_name(unit) -> str:
    """The signature field, named after the unit (a PDF field name has no dots)."""
    return f"{SIGNATURE_FIELD}_{re.sub(r'[^A-Za-z0-9_-]', '_', unit.code)}" if unit is not None else SIGNATURE_FIELD


@lru_cache(maxsize=64)
def _signer(key_file: Path, cert_file: Path, chain_files: tuple[Path, ...], _mtime: float) -> signers.SimpleSigner:
    from pyhanko.keys import load_cert_from_pemder, load_certs_from_pemder, load_private_key_from_pemder
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    certs = [c for f in chain_files if f.exists() and f.stat().st_size for c in load_certs_from_pemder([str(f)])]
    return signers.SimpleSigner(
        signing_cert=load_cert_from_pemder(str(cert_file)),
        signing_key=load_private_key_from_pemder(str(key_file), passphrase=None),
        cert_registry=SimpleCertificateStore.from_certs(certs),
    )


@lru_cache(maxsize=1)
def _demo_timestamper(key_file: Path, cert_file: Path, _mtime: float) -> DummyTimeStamper:
    from pyhanko.keys import load_certs_from_pemder, load_private_key_from_pemder
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    tsa_cert, *issuers = load_certs_from_pemder([str(cert_file)])
    return DummyTimeStamper(
        tsa_cert=tsa_cert, tsa_key=load_private_key_from_pemder(str(key_file), passphrase=None), certs_to_embed=issuers
    )


def timestamper() -> timestamps.TimeStamper | None:
    """A real TSA (TSA_URL) if configured, else the bundled demo one (also served at /pki/tsa)."""
    if settings.TSA_URL:
        from pyhanko.sign import timestamps

        return timestamps.HTTPTimeStamper(settings.TSA_URL, timeout=settings.TSA_TIMEOUT)
    return demo_timestamper()


def demo_timestamper() -> DummyTimeStamper | None:
    """The bundled demo TSA (pki.py's key and certificate), in process; None without one."""
    key_file, cert_file = pki.tsa_files()
    if not cert_file.exists():
        return None
    return _demo_timestamper(key_file, cert_file, cert_file.stat().st_mtime)


def _crls() -> list[asn1_crl.CertificateList]:
    data = pki.demo_crl()
    return [asn1_crl.CertificateList.load(data)] if data else []


def _context_for_signing(m: SigningMaterial, stamper: timestamps.TimeStamper | None) -> ValidationContext:
    """What the signature's and the timestamp's validation data are gathered with, to be embedded.

    The demo CA's CRL is at hand, embedded as is; a real CA's revocation data is fetched (the CRL
    or OCSP addresses in its certificates). The signer's own chain names its root.
    """
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
    from pyhanko_certvalidator import ValidationContext

    chain = [_load_cert(p) for p in m.chain_files if p.exists() and p.stat().st_size]
    roots = [_load_cert(p) for p in m.root_files if p.exists()] + [c for c in chain if c.self_signed]
    demo_ca = _load_cert(pki.ca_cert_file()) if pki.demo_available() else None
    under_demo = demo_ca is not None and _load_cert(m.cert_file).issuer == demo_ca.subject
    if isinstance(stamper, DummyTimeStamper) and demo_ca is not None:
        roots.append(demo_ca)  # the demo TSA's root, beside a signer under another CA
    return ValidationContext(trust_roots=roots, other_certs=chain, crls=_crls(), allow_fetching=not under_demo)


def sign_pdf(pdf: bytes, *, reason: str, location: str, signer_name: str, unit=None) -> bytes:
    """The PDF with a PAdES signature over the whole file, timestamped, with its validation data (B-LT)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    m = unit_material(unit) if unit is not None else material()
    stamper = timestamper()
    meta = signers.PdfSignatureMetadata(
        field_name=field_name(unit),
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        name=signer_name,
        embed_validation_info=True,
        use_pades_lta=True,  # a document timestamp over the validation data: B-LTA
        validation_context=_context_for_signing(m, stamper),
    )
    signer = _signer(m.key_file, m.cert_file, m.chain_files, m.cert_file.stat().st_mtime)
    out = signers.sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf)), meta, signer=signer, timestamper=stamper)
    return out.getvalue()


@dataclass(frozen=True)
class Verdict:
    """What a check of a PDF's signature found."""

    signed: bool
    intact: bool = False  # the signed bytes are unchanged
    trusted: bool = False  # the certificate chains to a root this installation trusts
    whole_file: bool = False  # nothing but validation data was added after the signature
    signer: str = ""
    signed_at: datetime | None = None
    timestamped_at: datetime | None = None  # the time an RFC 3161 authority vouched for, if any
    timestamp_trusted: bool = False

    @property
    def valid(self) -> bool:
        return self.signed and self.intact and self.trusted and self.whole_file


def _roots() -> list[asn1_x509.Certificate]:
    if settings.SIGNING_ROOT_FILES:
        files = [Path(p) for p in settings.SIGNING_ROOT_FILES]
    elif pki.ca_cert_file().exists():
        files = [pki.ca_cert_file()]
    else:
        files = list(material().chain_files[-1:])
    return [_load_cert(p) for p in files]


def _load_cert(path: Path) -> asn1_x509.Certificate:
    """The first certificate of a PEM or DER file."""
    data = path.read_bytes()
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return asn1_x509.Certificate.load(data)


def _ends_cleanly(pdf: bytes) -> bool:
    # pyHanko's revisions end at an %%EOF; bytes after the last one (beyond line ends) are no revision
    # it would analyse, but they are a change to the file that was issued.
    return pdf.rstrip(b"\r\n\x00 ").endswith(b"%%EOF")


def verify_pdf(pdf: bytes) -> Verdict:
    """Check the (first) signature of a PDF against this installation's trusted roots."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        signatures = reader.embedded_regular_signatures
    except Exception:  # anything unreadable is simply "not a signed PDF we know"
        return Verdict(signed=False)
    if not signatures:
        return Verdict(signed=False)
    embedded = signatures[0]
    try:
        context = ValidationContext(trust_roots=_roots(), crls=_crls(), allow_fetching=False)
        status = validate_pdf_signature(embedded, context)
    except Exception:  # a malformed signature is a failed check, not a crash
        return Verdict(signed=True)
    # The signature covers its revision; after it, only validation data (the DSS) may follow.
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE or (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and status.modification_level is not None
        and status.modification_level <= ModificationLevel.LTA_UPDATES
    )
    ts = status.timestamp_validity
    return Verdict(
        signed=True,
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        whole_file=bool(whole and _ends_cleanly(pdf)),
        signer=status.signing_cert.subject.native.get("common_name", "") if status.signing_cert else "",
        signed_at=status.signer_reported_dt,
        timestamped_at=ts.timestamp if ts is not None else None,
        timestamp_trusted=bool(ts is not None and ts.intact and ts.valid and ts.trusted),
    )


def _demo_material(folder: Path) -> SigningMaterial:
    """A self-contained demo authority and signer in `folder` (another installation's, in the tests)."""
    from cryptography.hazmat.primitives.asymmetric import ec

    root, cert, key = folder / "demo-root-ca.pem", folder / "result-signer.pem", folder / "result-signer-key.pem"
    if not (root.exists() and cert.exists() and key.exists()):
        ca_key, ca = pki.make_ca(f"another root CA {folder.name}")
        signer_key = ec.generate_private_key(ec.SECP256R1())
        leaf = pki.issue_leaf(ca_key, ca, pki._name("motcua demo result signer"), signer_key)
        pki._write_folder(folder, {
            root.name: pki._pem(ca), cert.name: pki._pem(leaf), key.name: pki._pem_key(signer_key),
        })
    return SigningMaterial(key, cert, (root,), (root,))
