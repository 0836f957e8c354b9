"""The installation's public-key infrastructure: a certificate authority, one signing certificate per
unit that signs results, a time-stamping authority (RFC 3161) and the CA's revocation list.

Everything lives in `settings.PKI_DIR` (default var/pki/), private keys mode 0600, nothing in the
repository:

    ca/ca.pem  ca/ca-key.pem (demo only)  ca/crl.der (demo only)
    tsa/tsa.pem  tsa/tsa-key.pem           (the demo time-stamping authority)
    units/<unit code>/key.pem  cert.pem  chain.pem

`motcua pki demo` makes the demo CA and TSA (also made on first use while `PKI_DEMO` is on);
`motcua pki issue-unit` gives a unit a demo certificate (also made on first use for a unit
without one); `motcua pki load-unit` installs a real one (PKCS#12, or PEM key + chain). The demo
certificates name a CRL distribution point served by motcua (`/pki/crl`), and the demo CRL is
embedded with every signature (PAdES B-LT), so a result still verifies when the server is gone.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings

# Fixed dates, not "now": a set made while the clock is off (a test under freezegun, a machine
# with a wrong date) was valid only from that moment, so every later check failed as "not yet
# valid". A demo authority need not expire.
VALID_FROM, VALID_TO = datetime(2020, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
DEMO_ORG = "motcua demo (not a real authority)"


def folder() -> Path:
    return Path(settings.PKI_DIR)


def _fit(text: str, limit: int = 64) -> str:
    """At most `limit` UTF-8 bytes, the bound X.509 puts on these names: 64 characters of a Bengali
    unit's name (three bytes each) were refused, and the unit could sign nothing."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def _country() -> str:
    """The installation's country (the catalog's), for the certificates' C= attribute."""
    from motcua.catalog import vocab  # the PKI is also made before the catalog is needed

    return vocab.current().country.get("code", "VN")


@dataclass(frozen=True)
class UnitMaterial:
    """What signs for one unit: its key, its certificate and the chain up to the root."""

    key_file: Path
    cert_file: Path
    chain_file: Path

    @property
    def exists(self) -> bool:
        return self.key_file.exists() and self.cert_file.exists() and self.chain_file.exists()


def unit_folder_name(code: str) -> str:
    # Unit codes are the e-ID codes (letters, digits, dots); anything else is replaced, never a path.
    return re.sub(r"[^A-Za-z0-9._-]", "_", code).lstrip(".") or "_"


def unit_material(code: str) -> UnitMaterial:
    base = folder() / "units" / unit_folder_name(code)
    return UnitMaterial(base / "key.pem", base / "cert.pem", base / "chain.pem")


def ca_cert_file() -> Path:
    return folder() / "ca" / "ca.pem"


def tsa_files() -> tuple[Path, Path]:
    return folder() / "tsa" / "tsa-key.pem", folder() / "tsa" / "tsa.pem"


def crl_file() -> Path:
    return folder() / "ca" / "crl.der"


def crl_url() -> str:
    return f"{settings.PUBLIC_URL}/pki/crl"


# --- writing -----------------------------------------------------------------------------------


def _pem_key(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _write_folder(target: Path, files: dict[str, bytes]) -> None:
    """Write a set of files as a whole: into a folder of its own, renamed into place (which fails if the
    target exists). Of two processes starting at once the first set wins and nobody reads half a set."""
    target.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(target.parent, 0o700)
    staging = target.with_name(f"{target.name}.{secrets.token_hex(4)}.tmp")
    staging.mkdir(mode=0o700)
    for name, data in files.items():
        fd = os.open(staging / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
    try:
        staging.rename(target)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)


def _name(common: str, org: str = DEMO_ORG) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, _country()),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
        x509.NameAttribute(NameOID.COMMON_NAME, common),
    ])


def _usage(**on: bool) -> x509.KeyUsage:
    flags = dict.fromkeys(
        ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
         "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"), False
    )
    return x509.KeyUsage(**{**flags, **on})


def make_ca(common: str = "motcua demo root CA") -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(VALID_FROM).not_valid_after(VALID_TO)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def issue_leaf(ca_key, ca_cert: x509.Certificate, subject: x509.Name, key, *, timestamping: bool = False,
               crl: str | None = None) -> x509.Certificate:
    """A certificate under the CA: a document signer, or (timestamping) a TSA's."""
    eku = [ExtendedKeyUsageOID.TIME_STAMPING] if timestamping else [ExtendedKeyUsageOID.EMAIL_PROTECTION]
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(ca_cert.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(VALID_FROM).not_valid_after(VALID_TO)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(digital_signature=True, content_commitment=True), critical=True)
        # RFC 3161 §2.3: a TSA's certificate has exactly this one extended key usage, critical.
        .add_extension(x509.ExtendedKeyUsage(eku), critical=timestamping)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
    )
    if crl:
        builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(crl)], relative_name=None, reasons=None, crl_issuer=None,
        )]), critical=False)
    return builder.sign(ca_key, hashes.SHA256())


def demo_available() -> bool:
    return (folder() / "ca" / "ca-key.pem").exists()


def ensure_demo() -> None:
    """The demo CA and TSA, made when missing (`PKI_DEMO`); an installation with its own CA makes none."""
    if not ca_cert_file().exists():
        if not settings.PKI_DEMO:
            return
        ca_key, ca = make_ca()
        _write_folder(folder() / "ca", {"ca.pem": _pem(ca), "ca-key.pem": _pem_key(ca_key)})
    if not tsa_files()[1].exists() and demo_available():
        ca_key, ca = _demo_ca()
        # pyHanko's bundled time-stamper signs with RSA only.
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = issue_leaf(ca_key, ca, _name("motcua demo time-stamping authority"), key, timestamping=True,
                          crl=crl_url())
        _write_folder(folder() / "tsa", {"tsa.pem": _pem(cert) + _pem(ca), "tsa-key.pem": _pem_key(key)})


def _demo_ca() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    base = folder() / "ca"
    key = serialization.load_pem_private_key((base / "ca-key.pem").read_bytes(), password=None)
    return key, x509.load_pem_x509_certificate((base / "ca.pem").read_bytes())  # type: ignore[return-value]


def issue_unit(code: str, name: str) -> UnitMaterial:
    """A demo signing certificate for a unit, under the demo CA (kept if the unit has one already)."""
    ensure_demo()
    if not demo_available():
        raise RuntimeError("no demo certificate authority: load the unit's certificate with `motcua pki load-unit`")
    m = unit_material(code)
    if m.exists:
        return m
    ca_key, ca = _demo_ca()
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, _country()),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, _fit(name)),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, _fit(code)),
        x509.NameAttribute(NameOID.COMMON_NAME, _fit(name)),
    ])
    cert = issue_leaf(ca_key, ca, subject, key, crl=crl_url())
    _write_folder(m.key_file.parent, {"key.pem": _pem_key(key), "cert.pem": _pem(cert), "chain.pem": _pem(ca)})
    return m


def load_unit(code: str, *, p12: bytes | None = None, password: bytes | None = None, key_pem: bytes | None = None,
              chain_pem: bytes | None = None, replace: bool = False) -> UnitMaterial:
    """Install a unit's real key and certificate: a PKCS#12 file, or a PEM key and a PEM chain (the unit's
    certificate first, then its issuers)."""
    if p12 is not None:
        key, cert, extra = pkcs12.load_key_and_certificates(p12, password)
        if key is None or cert is None:
            raise ValueError("the PKCS#12 file holds no key and certificate")
        chain = list(extra or [])
    else:
        if key_pem is None or chain_pem is None:
            raise ValueError("give a PKCS#12 file, or a PEM key and a PEM certificate chain")
        key = serialization.load_pem_private_key(key_pem, password=password)
        cert, *chain = x509.load_pem_x509_certificates(chain_pem)
    if cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) != \
            key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo):
        raise ValueError("the key does not belong to the certificate")
    m = unit_material(code)
    if m.key_file.parent.exists():
        if not replace:
            raise ValueError(f"unit {code} has a certificate already (use --replace)")
        shutil.rmtree(m.key_file.parent)
    _write_folder(m.key_file.parent, {
        "key.pem": _pem_key(key), "cert.pem": _pem(cert), "chain.pem": b"".join(_pem(c) for c in chain),
    })
    return m


def load_ca(cert_pem: bytes) -> Path:
    """Trust a real CA (its certificate only): results are checked against it."""
    certs = x509.load_pem_x509_certificates(cert_pem)
    target = ca_cert_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"".join(_pem(c) for c in certs))
    return target


# --- the demo CRL ------------------------------------------------------------------------------


def revoked_serials() -> dict[int, datetime]:
    """The demo certificates put on the demo CRL, with when (one "serial ISO-date" a line)."""
    path = folder() / "ca" / "revoked.txt"
    if not path.exists():
        return {}
    pairs = (line.split() for line in path.read_text().splitlines() if line.strip())
    return {int(serial): datetime.fromisoformat(when) for serial, when in pairs}


def revoke_certificate(cert: x509.Certificate, at: datetime | None = None) -> None:
    """Put a demo certificate (a unit's lost key) on the demo CRL, from `at` (now): signatures made before stand."""
    revoked = {**revoked_serials()}
    revoked.setdefault(cert.serial_number, at or datetime.now(UTC))
    path = folder() / "ca" / "revoked.txt"
    path.write_text("".join(f"{serial} {when.isoformat()}\n" for serial, when in sorted(revoked.items())))
    crl_file().unlink(missing_ok=True)


def demo_crl() -> bytes | None:
    """The demo CA's CRL (DER); None without a demo CA.

    Valid over the demo certificates' whole life (2020-2100) and made again only when a certificate
    is revoked: a result signed with any clock (the demo history files its dossiers months back,
    under freezegun) finds a CRL current at its signing time, and still does years later.
    """
    if not demo_available():
        return None
    path = crl_file()
    if path.exists():
        return path.read_bytes()
    ca_key, ca = _demo_ca()
    revoked = revoked_serials()
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.subject).last_update(VALID_FROM).next_update(VALID_TO)
        .add_extension(x509.CRLNumber(len(revoked) + 1), critical=False)  # revocations only ever grow
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
    )
    for serial, when in revoked.items():
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
        )
    data = builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    tmp = path.with_name(f"crl.{secrets.token_hex(4)}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return data


def ensure_units(units) -> None:
    """A demo certificate for each of `units` that has none (made before the demo history freezes the clock:
    cryptography refuses real dates once it first met freezegun's)."""
    if settings.PKI_DEMO:
        ensure_demo()
        demo_crl()
        for unit in units:
            issue_unit(unit.code, unit.name)
