"""The public page of each document motcua issues, on /verify/, as printed in its QR code.

A link names the kind of document and its number and carries a signature of both (Django's
signer, keyed by SECRET_KEY): the page answers for a document that was issued here and
nobody can walk through dossier codes to learn which procedures they were for.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

RESULT, RECEIPT, APOLOGY = "kq", "tn", "xl"  # kết quả, giấy tiếp nhận, thư xin lỗi
KINDS = frozenset({RESULT, RECEIPT, APOLOGY})
_SALT = "motcua.results.verify-link"


def _signature(kind: str, number: str) -> str:
    return signing.Signer(salt=_SALT).signature(f"{kind}/{number}")


def verify_path(kind: str, number: str) -> str:
    return reverse("portal:verify_document", kwargs={"kind": kind, "number": number, "signature": _signature(kind, number)})


def verify_url(kind: str, number: str) -> str:
    """The absolute address printed on the document (PUBLIC_URL: the PDF is drawn outside any request)."""
    return f"{settings.PUBLIC_URL}{verify_path(kind, number)}"


def genuine(kind: str, number: str, signature: str) -> bool:
    if kind not in KINDS:
        return False
    try:
        signing.Signer(salt=_SALT).unsign(f"{kind}/{number}:{signature}")
    except signing.BadSignature:
        return False
    return True


def printed(kind: str, number: str, *, signing_unit: str = "") -> dict[str, str]:
    """What a document's template shows of its page (results/_verify.html): QR code, address, signer."""
    from motcua.results.qr import verify_qr

    url = verify_url(kind, number)
    return {
        "verify_url": url,
        "verify_qr": verify_qr(url),
        "verify_home": settings.PUBLIC_URL + reverse("portal:verify"),
        "signing_unit": signing_unit,
    }
