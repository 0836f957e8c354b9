"""Documents the state already issued to the demo citizens, in their vaults, ready for reuse.

The files are tiny one-page PDFs written here (no renderer: the demo load runs
before every test that uses the demo). Everything is synthetic.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from motcua.identity.models import User
from motcua.vault.store import keep_issued


@dataclass(frozen=True)
class DemoDocument:
    username: str
    key: str
    document_type: str
    title: str
    issuer: str
    issued_on: date
    valid_until: date | None


def _documents(today: date) -> list[DemoDocument]:
    return [
        DemoDocument("citizen", "cccd", "id_card", "Thẻ căn cước số 001090012345", "Cục Cảnh sát quản lý hành chính về trật tự xã hội (demo)", date(2021, 6, 1), date(2030, 4, 12)),
        DemoDocument("citizen", "khai-sinh", "birth_certificate", "Giấy khai sinh — Nguyễn Văn An", "UBND xã An Bình", date(1990, 4, 20), None),
        DemoDocument("citizen", "gplx", "driving_licence", "Giấy phép lái xe hạng B — Nguyễn Văn An", "Sở Xây dựng tỉnh Demo", date(2016, 3, 2), date(2026, 3, 2)),
        DemoDocument("citizen", "kham-suc-khoe", "health_certificate", "Giấy khám sức khỏe lái xe", "Bệnh viện Đa khoa tỉnh Demo", today - timedelta(days=30), today + timedelta(days=335)),
        DemoDocument("citizen2", "cccd", "id_card", "Thẻ căn cước số 079195054321", "Cục Cảnh sát quản lý hành chính về trật tự xã hội (demo)", date(2022, 2, 17), date(2035, 2, 17)),
        DemoDocument("citizen2", "chung-sinh", "medical_birth_certificate", "Giấy chứng sinh — con của bà Trần Thị Bình", "Bệnh viện Đa khoa tỉnh Demo", today - timedelta(days=3), None),
        DemoDocument("citizen2", "ket-hon", "marriage_certificate", "Giấy chứng nhận kết hôn — Võ Minh Tuấn và Trần Thị Bình", "UBND phường Hòa Thuận", date(2020, 10, 10), None),
        DemoDocument("citizen2", "so-do", "land_use_certificate", "Giấy chứng nhận quyền sử dụng đất — thửa 112, tờ bản đồ 7", "Sở Nông nghiệp và Môi trường tỉnh Demo", date(2018, 5, 15), None),
        DemoDocument("citizen3", "cccd", "id_card", "Thẻ căn cước số 031201067890", "Cục Cảnh sát quản lý hành chính về trật tự xã hội (demo)", date(2023, 1, 9), date(2026, 11, 5)),
        DemoDocument("citizen3", "khai-sinh", "birth_certificate", "Giấy khai sinh — Lê Minh Châu", "UBND xã An Bình", date(2001, 11, 20), None),
        DemoDocument("citizen_l1", "cccd", "id_card", "Thẻ căn cước số 048094011223", "Cục Cảnh sát quản lý hành chính về trật tự xã hội (demo)", date(2021, 8, 1), date(2034, 6, 21)),
    ]


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in folded if ord(c) < 128 and c not in "()\\")


def tiny_pdf(lines: list[str]) -> bytes:
    """A valid one-page PDF showing a few lines of text (Helvetica, ASCII)."""
    text = "BT /F1 14 Tf 50 780 Td 18 TL " + " ".join(f"({_ascii(line)}) '" for line in lines) + " ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text.encode() + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@transaction.atomic
def load_vault_documents() -> int:
    """Give the demo citizens their documents (once; safe to run again). Returns how many exist."""
    users = {u.username: u for u in User.objects.filter(username__in={"citizen", "citizen2", "citizen3", "citizen_l1"})}
    count = 0
    for spec in _documents(timezone.localdate()):
        owner = users.get(spec.username)
        if owner is None:
            continue
        content = tiny_pdf([spec.title, spec.issuer, f"Ngay cap: {spec.issued_on:%d/%m/%Y}", "DEMO - khong co gia tri phap ly"])
        keep_issued(
            owner, reference=f"demo/{spec.key}", document_type=spec.document_type, title=spec.title, issuer=spec.issuer,
            issued_on=spec.issued_on, valid_until=spec.valid_until, content=content, file_name=f"{spec.key}.pdf",
        )
        count += 1
    return count
