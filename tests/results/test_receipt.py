"""The receipt with the return date is stored once drawn, and drawn again when what it shows changes."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from motcua.dossiers import actions
from motcua.dossiers.models import Dossier
from motcua.identity.models import User
from motcua.results import receipt
from tests.conftest import BIRTH, BIRTH_COMPONENTS


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _drawings(monkeypatch) -> list[str]:
    """The pages drawn as PDF from now on (the real drawing still happens)."""
    drawn: list[str] = []
    real = receipt.draw

    def draw(html: str) -> bytes:
        drawn.append(html)
        return real(html)

    monkeypatch.setattr(receipt, "draw", draw)
    return drawn


def test_two_downloads_draw_once_and_a_moved_due_date_draws_the_new_date(demo, monkeypatch):
    dossier = actions.submit(
        User.objects.get(username="citizen"), "1.001193", dict(BIRTH), components=list(BIRTH_COMPONENTS)
    )
    actions.perform(dossier.code, "receive", User.objects.get(username="onestop_anbinh"))
    drawn = _drawings(monkeypatch)
    url = f"/my/dossiers/{dossier.code}/receipt.pdf"
    citizen, officer = _client("citizen"), _client("onestop_anbinh")

    first = citizen.get(url)
    second = citizen.get(url)
    # The officer's page links to the same receipt: still the stored copy.
    third = officer.get(url)
    assert first.status_code == second.status_code == third.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert first["Content-Disposition"] == f'inline; filename="{dossier.code}-tiep-nhan.pdf"'
    assert first.content.startswith(b"%PDF-") and first.content == second.content == third.content
    assert len(drawn) == 1
    old_due = timezone.localtime(Dossier.objects.get(pk=dossier.pk).due_at)
    assert old_due.strftime("%d/%m/%Y") in drawn[0]
    _dirs, stored = default_storage.listdir(f"receipts/{dossier.code}")
    assert len(stored) == 1

    # A supplement pause or an apology letter moves the due date (outside this test's concern how).
    new_due = old_due + timedelta(days=7)
    Dossier.objects.filter(pk=dossier.pk).update(due_at=new_due)
    fourth = citizen.get(url)
    assert fourth.status_code == 200 and fourth.content != first.content
    assert len(drawn) == 2
    assert new_due.strftime("%d/%m/%Y") in drawn[1] and old_due.strftime("%d/%m/%Y") not in drawn[1]
    # The copy of the old date is gone; the new one is served from now on.
    _dirs, now_stored = default_storage.listdir(f"receipts/{dossier.code}")
    assert len(now_stored) == 1 and now_stored != stored
    assert citizen.get(url).content == fourth.content and len(drawn) == 2
