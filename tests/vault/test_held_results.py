"""A result held by someone without an account reaches them when they sign in with their e-ID (issue 21, item 6).

The disability certificate is held by the represented child (`result.holder`), who has no account when it
is issued: it is kept in the vault of the parent who filed for him, marked as held for the child's identity
number. When the child signs in with the e-ID of that number, he gets his own copy; the parent keeps theirs;
nobody else gets anything, and a second sign-in copies nothing twice.
"""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from motcua.identity import oidc
from motcua.identity.models import User
from motcua.vault.models import Origin, VaultDocument
from tests.dossiers.test_decisions_results import DISABILITY, finish_step, started

CHILD = "001215003344"  # the represented child of the disability certificate's example


def _sign_in_with_eid(monkeypatch, personal_id: str, name: str) -> Client:
    """The e-ID callback, the provider's verified answer stood in for (tests/identity test the exchange itself)."""
    claims = {"sub": f"eid-{personal_id}", "personal_id": personal_id, "name": name, "acr": "level2"}
    monkeypatch.setattr(oidc, "finish", lambda request: oidc.Login(claims=claims, id_token="x", next_url="/my/documents/"))
    client = Client()
    r = client.get(reverse("oidc:callback"))
    assert r.status_code == 302 and r["Location"] == "/my/documents/", r.content
    return client


def test_the_child_gets_his_certificate_when_he_signs_in_with_the_e_id(demo, monkeypatch):
    walker = started(DISABILITY)
    finish_step(walker, "council", {"choice": "disabled",
                                    "values": {"disability_form": "van_dong", "disability_level": "nang"}})
    walker.process()
    walker.finish()
    kept = VaultDocument.objects.get(source_dossier=walker.code, origin=Origin.RESULT)
    assert (kept.owner.username, kept.held_for) == ("citizen", CHILD)
    assert not User.objects.filter(citizen__personal_id=CHILD).exists()

    # Someone else signing in gets nothing of it.
    _sign_in_with_eid(monkeypatch, "079195054321", "Trần Thị Bình")
    assert VaultDocument.objects.filter(reference=kept.reference).count() == 1

    child = _sign_in_with_eid(monkeypatch, CHILD, "Nguyễn Minh Khôi")
    account = User.objects.get(citizen__personal_id=CHILD)
    mine = VaultDocument.objects.get(owner=account, reference=kept.reference)
    assert (mine.document_type, mine.sha256, mine.storage_name, mine.held_for) == (
        "disability_certificate", kept.sha256, kept.storage_name, "")
    assert mine.source_dossier == walker.code and mine.origin == Origin.RESULT
    # His documents page lists it and opens its file; the parent still holds hers.
    page = child.get("/my/documents/").content.decode()
    assert mine.title in page
    VaultDocument.objects.get(owner__username="citizen", reference=kept.reference)
    # Signing in again copies nothing twice.
    _sign_in_with_eid(monkeypatch, CHILD, "Nguyễn Minh Khôi")
    assert VaultDocument.objects.filter(owner=account, reference=kept.reference).count() == 1
