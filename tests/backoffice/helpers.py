"""Shared steps of the officer-page tests (issue 17): a birth dossier with an uploaded PDF, walked on."""

from __future__ import annotations

import pypdfium2

from tests.conftest import BIRTH, BIRTH_COMPONENTS, ApiClient

WALK = [
    ("specialist_anbinh", "start_processing"), ("specialist_anbinh", "transfer"), ("approver_anbinh", "approve"),
    ("approver_anbinh", "issue_result"), ("onestop_anbinh", "return_result"),
]


def birth_dossier(applicant: str = "citizen", *, received: bool = True, upto: int = 0) -> str:
    """A birth registration at An Bình with its certificate uploaded as a PDF; received, then `upto` steps on."""
    citizen = ApiClient(applicant)
    r = citizen.post("/dossiers", {"procedure": "1.001193", "data": BIRTH, "components": citizen.references(BIRTH_COMPONENTS)})
    assert r.status_code == 201, r.content
    code = r.json()["code"]
    if received:
        assert ApiClient("onestop_anbinh").act(code, "receive").status_code == 200
    for username, action in WALK[:upto]:
        r = ApiClient(username).act(code, action)
        assert r.status_code == 200, (action, r.content)
    return code


def pdf_text(content: bytes) -> str:
    document = pypdfium2.PdfDocument(content)
    return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
