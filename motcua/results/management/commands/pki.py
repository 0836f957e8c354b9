"""`motcua pki`: the installation's CA, the units' signing certificates and the demo TSA (results/pki.py).

    motcua pki demo [--units]             make the demo CA and TSA (and a certificate for every unit)
    motcua pki issue-unit CODE            a demo certificate for one unit
    motcua pki load-unit CODE --p12 F [--password-file P] | --key K --chain C   a unit's real certificate
    motcua pki load-ca FILE               trust a real CA (PEM)
    motcua pki revoke-unit CODE           put a unit's demo certificate on the demo CRL
    motcua pki list                       what each unit signs with
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.results import pki
from motcua.units.models import Unit


class Command(BaseCommand):
    help = "The certificate authority, the units' signing certificates and the demo time-stamping authority."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        demo = sub.add_parser("demo", help="make the demo CA and time-stamping authority when missing")
        demo.add_argument("--units", action="store_true", help="and a demo certificate for every unit")
        issue = sub.add_parser("issue-unit", help="a demo signing certificate for a unit")
        issue.add_argument("code")
        load = sub.add_parser("load-unit", help="install a unit's real key and certificate chain")
        load.add_argument("code")
        load.add_argument("--p12", type=Path, help="PKCS#12 file (key, certificate, chain)")
        load.add_argument("--password-file", type=Path, help="file holding the PKCS#12 or key password")
        load.add_argument("--key", type=Path, help="PEM private key")
        load.add_argument("--chain", type=Path, help="PEM certificates: the unit's first, then its issuers")
        load.add_argument("--replace", action="store_true", help="replace the unit's present certificate")
        ca = sub.add_parser("load-ca", help="trust a real CA: results are checked against it")
        ca.add_argument("file", type=Path)
        revoke = sub.add_parser("revoke-unit", help="put a unit's demo certificate on the demo CRL")
        revoke.add_argument("code")
        sub.add_parser("list", help="the CA and what each unit signs with")

    def handle(self, *args, what: str, **options) -> None:
        try:
            getattr(self, "_" + what.replace("-", "_"))(**options)
        except (ValueError, OSError, RuntimeError) as exc:
            raise CommandError(str(exc)) from exc

    def _unit(self, code: str) -> Unit:
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            raise CommandError(f"no unit with code {code}")
        return unit

    def _demo(self, units: bool = False, **_) -> None:
        pki.ensure_demo()
        if not pki.demo_available():
            raise CommandError("PKI_DEMO is off and no demo CA exists")
        self.stdout.write(f"demo CA: {pki.ca_cert_file()}  TSA: {pki.tsa_files()[1]}")
        if units:
            for unit in Unit.objects.order_by("path"):
                pki.issue_unit(unit.code, unit.name)
            self.stdout.write(f"{Unit.objects.count()} units have a certificate")

    def _issue_unit(self, code: str, **_) -> None:
        unit = self._unit(code)
        m = pki.issue_unit(unit.code, unit.name)
        self.stdout.write(f"{unit.code}: {m.cert_file}")

    def _load_unit(self, code: str, p12: Path | None, password_file: Path | None, key: Path | None,
                   chain: Path | None, replace: bool, **_) -> None:
        unit = self._unit(code)
        password = password_file.read_bytes().rstrip(b"\r\n") if password_file else None
        if p12 is not None:
            m = pki.load_unit(unit.code, p12=p12.read_bytes(), password=password, replace=replace)
        elif key is not None and chain is not None:
            m = pki.load_unit(unit.code, key_pem=key.read_bytes(), chain_pem=chain.read_bytes(), password=password,
                              replace=replace)
        else:
            raise CommandError("give --p12, or --key and --chain")
        self.stdout.write(f"{unit.code}: {m.cert_file}")

    def _load_ca(self, file: Path, **_) -> None:
        self.stdout.write(f"trusted: {pki.load_ca(file.read_bytes())}")

    def _revoke_unit(self, code: str, **_) -> None:
        m = pki.unit_material(self._unit(code).code)
        if not m.exists:
            raise CommandError(f"unit {code} has no certificate")
        pki.revoke_certificate(x509.load_pem_x509_certificate(m.cert_file.read_bytes()))
        pki.demo_crl()
        self.stdout.write(f"{code}: revoked on the demo CRL")

    def _list(self, **_) -> None:
        ca = pki.ca_cert_file()
        self.stdout.write(f"CA: {ca if ca.exists() else '(none)'}; demo: {pki.demo_available()}")
        base = pki.folder() / "units"
        for folder in sorted(base.iterdir()) if base.exists() else []:
            cert_file = folder / "cert.pem"
            if not cert_file.exists():
                continue
            cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
            mode = oct(os.stat(folder / "key.pem").st_mode & 0o777)
            self.stdout.write(
                f"{folder.name}\t{cert.subject.rfc4514_string()}\tuntil {cert.not_valid_after_utc:%Y-%m-%d}"
                f"\tsha256 {cert.fingerprint(hashes.SHA256()).hex()[:16]}…\tkey {mode}"
            )
