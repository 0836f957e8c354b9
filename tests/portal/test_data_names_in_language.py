"""Names that come from data (units, workflow steps, vault document types, registries) read in the
reader's language, and a unit is named the same way on every page of a language (issue 14)."""

from __future__ import annotations

from html import unescape

import pytest
from django.test import Client

from motcua.identity.models import User
from motcua.units.models import Unit
from tests.walker import DEFINITIONS, Walker

BUNDLE = DEFINITIONS["3.000722-lien-thong-khai-sinh-thuong-tru-bhyt.yaml"]

# (language, the receiving unit, the open Police step, a vault document type, the population registry)
EXPECTED = {
    "en": ("An Binh Commune People's Committee", "Commune Police register the child's permanent residence",
           "Medical birth certificate", "National population database", "An Binh Commune Police"),
    "bn": ("আন বিন কমিউনের গণকমিটি", "কমিউন পুলিশ শিশুর স্থায়ী বসবাস নিবন্ধন করে",
           "হাসপাতালের জন্ম সনদ", "জাতীয় জনসংখ্যা ডেটাবেস", "আন বিন কমিউনের পুলিশ"),
}


def _client(username: str, language: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    client.cookies["django_language"] = language
    return client


@pytest.mark.parametrize("language", ["en", "bn"])
def test_units_steps_and_document_types_in_the_readers_language(demo, language):
    unit, step, doc_type, registry, police = EXPECTED[language]
    walker = Walker(BUNDLE)
    walker.submit()
    walker.receive()
    # Up to the Police step: receive, register the birth, sign it.
    while not any(t.step == "register_residence" for t in walker.open_work()):
        walker.step_once()
    citizen = _client("citizen", language)
    page = unescape(citizen.get(f"/my/dossiers/{walker.code}/").content.decode())
    assert unit in page and step in page and police in page
    assert "UBND xã An Bình" not in page and "Công an xã An Bình" not in page
    assert "Công an xã đăng ký thường trú cho trẻ" not in page

    officer = _client("specialist_police_anbinh", language)
    queue = unescape(officer.get("/office/").content.decode())
    assert step in queue and police in queue and "Công an xã An Bình" not in queue

    documents = unescape(citizen.get("/my/documents/").content.decode())
    assert doc_type in documents and "Giấy chứng sinh</td>" not in documents

    log = unescape(citizen.get("/my/access-log/").content.decode())
    assert registry in log and "Cơ sở dữ liệu quốc gia về dân cư" not in log


@pytest.mark.parametrize("language", ["en", "bn"])
def test_the_dashboard_names_a_unit_as_the_dossier_pages_do(demo, language):
    client = _client("monitor_province", language)
    anbinh = Unit.objects.get(code="000.11.00.H99")
    page = unescape(client.get(f"/kpi/units/{anbinh.code}/").content.decode())
    assert EXPECTED[language][0] in page and "UBND xã An Bình" not in page
