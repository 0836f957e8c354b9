"""A second country from data only: the Bangladesh demo pack (countries/bd) in a fresh database.

The pack's catalog says the unit kinds (division → district → upazila → union), the currency
(taka), the languages (Bengali first), the personal ID form and the holiday calendar; its
procedures and demo people are YAML. Nothing here is Bangladesh-specific code: the test sets the
settings the pack's country section gives (as settings.py does with COUNTRY_DIR=countries/bd),
loads the demo, and walks a birth registration to its result with the due date on the
Bangladesh calendar (Friday–Saturday weekend, Eid and Independence Day).
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation
from pypdf import PdfReader

from motcua.catalog import vocab
from motcua.catalog.files import catalog_settings
from motcua.catalog.models import Procedure
from motcua.catalog.search import implementing_units
from motcua.dossiers import deadlines
from motcua.dossiers.models import Dossier
from motcua.units.models import Unit
from motcua.web.presentation import level_label, money, role_label
from tests.walker import Walker

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
PACK = ROOT / "countries" / "bd"
DHAKA = ZoneInfo("Asia/Dhaka")


def _definition(name: str) -> dict:
    return yaml.safe_load((PACK / "procedures" / name).read_text(encoding="utf-8"))


@pytest.fixture
def bangladesh(db, settings):
    """The installation settings.py makes of COUNTRY_DIR=countries/bd, and its demo loaded."""
    settings.COUNTRY_DIR = PACK
    settings.CATALOG_DIRS = [PACK / "catalog"]
    settings.PROCEDURES_DIR = PACK / "procedures"
    for name, value in catalog_settings(settings.CATALOG_DIRS).items():
        setattr(settings, name, value)
    deadlines.forget_calendars()
    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    with translation.override(settings.LANGUAGE_CODE):
        yield settings
    deadlines.forget_calendars()


def test_the_pack_country_is_bangladesh(bangladesh):
    assert bangladesh.COUNTRY == "BD"
    assert bangladesh.TIME_ZONE == "Asia/Dhaka"
    assert bangladesh.LANGUAGE_CODE == "bn" and [code for code, _name in bangladesh.LANGUAGES] == ["bn", "en"]
    v = vocab.current()
    assert v.levels == {"division", "district", "upazila", "union"}
    # Money and names as the pack writes them: Bengali first, taka.
    assert money(25) == "25 টাকা"
    assert level_label("union") == "ইউনিয়ন পর্যায়"
    assert role_label("approver") == "চেয়ারম্যান / নিবন্ধক"
    with translation.override("en"):
        assert money(1500) == "Tk 1,500"


def test_the_tree_takes_its_levels_from_the_catalog(bangladesh):
    levels = dict(Unit.objects.values_list("code", "level"))
    assert levels["BD-30"] == "division"
    assert levels["BD-30-33"] == "district"
    assert levels["BD-30-33-32"] == "upazila"
    assert levels["BD-30-33-32-63"] == "union"
    assert levels["BD-30-33-32-LAND"] == "upazila"  # an office takes the level of its administration
    birth = Procedure.objects.get(code="BD.0001")
    assert set(implementing_units(birth).values_list("code", flat=True)) == {"BD-30-33-32-63", "BD-30-33-32-47"}


def _bd_due(received: datetime, days: int) -> date:
    """The oracle: `days` working days after a working-day receipt, counted on Bangladesh's calendar."""
    calendar = holidays.country_holidays("BD", years=(received.year, received.year + 1))
    day, counted = received.astimezone(DHAKA).date(), 0
    while counted < days:
        day += timedelta(days=1)
        if day.weekday() not in (4, 5) and day not in calendar:  # Friday and Saturday are the weekend
            counted += 1
    return day


def test_due_dates_are_counted_on_the_bangladesh_calendar(bangladesh):
    union = Unit.objects.get(code="BD-30-33-32-63")
    received = datetime(2026, 3, 18, 10, 0, tzinfo=DHAKA)  # a Wednesday, before Eid and Independence Day
    due = deadlines.due_at(received, 7, union)
    # 19 Mar; Eid al-Fitr 20–23 Mar (with the weekend); 24, 25; Independence Day 26; weekend; 29, 30, 31 Mar, 1 Apr.
    assert due == datetime(2026, 4, 1, 17, 0, tzinfo=DHAKA)
    assert due.date() == _bd_due(received, 7)


def test_a_birth_registration_walks_to_its_result(bangladesh):
    definition = _definition("BD.0001-birth-registration.yaml")
    today = timezone.localdate()
    data = {**definition["example"], "child_birth_date": (today - timedelta(days=10)).isoformat()}
    walker = Walker(definition)
    assert walker.unit.code == "BD-30-33-32-47"  # the first union by code that is staffed
    body = walker.submit(data=data)
    assert body["fee"] == 0  # within 45 days of the birth: free
    dossier = walker.dossier
    assert dossier.data["registration_timing"] == "on_time"
    # The parents' NID cards are brought to the counter: nothing uploaded, and receipt is not refused.
    assert {c["key"] for c in dossier.components} == {"birth_proof"}
    answer = walker.receive()
    dossier = Dossier.objects.get(code=walker.code)
    assert dossier.due_at.astimezone(DHAKA).time().hour == 17
    assert dossier.due_at.astimezone(DHAKA).date() == _bd_due_from(dossier.received_at, 7)
    assert answer["status"] == 2
    walker.process()
    final = walker.finish()
    assert final["status"] == 10
    pdf = walker.citizen.get(f"/dossiers/{walker.code}/result")
    content = b"".join(pdf.streaming_content)
    assert pdf.status_code == 200 and content.startswith(b"%PDF-")
    # Headed by Bangladesh's letterhead from the pack's catalog, not Viet Nam's.
    text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
    assert "VIỆT NAM" not in text and "Độc lập" not in text
    assert "গণপ্রজাতন্ত্রী" in text, text[:300]  # (pypdf splits some Bengali vowel signs: the first word is whole)
    # Its body is in the installation's language too (gettext), not Vietnamese.
    assert "Kết quả giải quyết thủ tục" not in text and "NGƯỜI KÝ" not in text and "ngày" not in text
    assert walker.code in text and "motcua" in text


def _bd_due_from(received: datetime, days: int) -> date:
    """As `_bd_due`, from any moment: received on a day off or after 17:00, the next working day is day 0."""
    calendar = holidays.country_holidays("BD", years=(received.year, received.year + 1))

    def working(day: date) -> bool:
        return day.weekday() not in (4, 5) and day not in calendar

    local = received.astimezone(DHAKA)
    start = local.date()
    if not working(start) or local.hour >= 17:
        start += timedelta(days=1)
        while not working(start):
            start += timedelta(days=1)
    return _bd_due(datetime.combine(start, local.time(), tzinfo=DHAKA), days)


def test_the_procedure_page_is_in_bengali_with_taka(bangladesh):
    page = Client().get("/procedures/BD.0001/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "জন্ম নিবন্ধন" in text
    # The counter source, in words, beside the component.
    assert "মূল কপি" in text
    home = Client().get("/").content.decode()
    assert "জন্ম নিবন্ধন" in home and "নাগরিকত্ব সনদ" in home
    assert "ইউনিয়ন পর্যায়" in home  # the level filter names the catalog's levels


def test_the_api_says_which_papers_are_brought_to_the_counter(bangladesh):
    components = {c["key"]: c for c in Client().get("/api/v1/procedures/BD.0001").json()["components"]}
    assert [s["counter"] for s in components["parents_nid"]["sources"]] == ["result"]
    assert components["guardian_authority"]["when"] == {"field": "applicant_relation", "equals": "guardian"}


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages).split())


def test_the_desks_papers_are_in_bengali_with_taka_and_bengali_dates(bangladesh):
    """The receipt, the return slip, the apology letter and the e-receipt of a Bangladesh installation:
    their words through gettext in Bengali, dates with Bengali month names, amounts in taka (issue 21)."""
    from motcua.payments import receipts as e_receipts
    from motcua.payments.models import Payment, Purpose
    from motcua.results import receipt, slips
    from motcua.results.apology import render_apology_letter

    definition = _definition("BD.0001-birth-registration.yaml")
    today = timezone.localdate()
    # Born 100 days ago: a late registration, 25 taka.
    data = {**definition["example"], "child_birth_date": (today - timedelta(days=100)).isoformat()}
    walker = Walker(definition)
    assert walker.submit(data=data)["fee"] == 25
    walker.receive()
    dossier = Dossier.objects.select_related("unit", "procedure_version", "applicant").get(code=walker.code)

    papers = {"receipt": receipt.receipt_pdf(dossier)}
    letter_at = timezone.now()
    papers["apology"] = render_apology_letter(
        dossier, "XL-1", dossier.events.get(action="receive").actor, letter_at, reason="যাচাই বাকি",
        previous_due_at=dossier.due_at)
    # The e-receipt of the late fee taken at the counter (drawn from the payment as the desk records it).
    paid = Payment(
        dossier=dossier, purpose=Purpose.REQUESTED, amount=25, gateway="counter", order_ref="BD-TEST-1", state="paid",
        receipt_number="R-7", created_at=letter_at, updated_at=letter_at, paid_at=letter_at,
        lines=[{"rule": "late", "label": definition["fees"]["rules"][1]["label"], "amount": 25}],
    )
    papers["e_receipt"] = e_receipts.receipt_pdf(paid)
    walker.process()
    walker.finish()
    dossier = Dossier.objects.select_related("unit", "procedure_version", "applicant").get(code=walker.code)
    papers["return"] = slips.slip_pdf(slips.RETURN_SLIP, slips.return_slip_context(dossier))

    texts = {name: _text(pdf) for name, pdf in papers.items()}
    month = translation.gettext(timezone.localtime(dossier.due_at).strftime("%B"))  # Django's Bengali month name
    assert month and month.strip() and not month.isascii(), month
    for name, text in texts.items():
        # No Vietnamese word of the old papers, and the pack's letterhead.
        for word in ("Mã hồ sơ", "ngày", "Thời gian", "NGƯỜI", "Biên lai", "Kính gửi", "Số tiền", "đồng"):
            assert word not in text, (name, word, text[:400])
        assert "গণপ্রজাতন্ত্রী" in text, name
        assert walker.code in text or name == "apology", name
    # (pypdf moves a vowel sign written before its consonant, ি ে ৈ: the words checked have none.)
    assert "গ্রহণ" in texts["receipt"] and "কাগজপত্র" in texts["receipt"]
    assert "প্রাপক" in texts["apology"] and "যাচাই" in texts["apology"]
    assert "25 টাকা" in texts["e_receipt"] and "খাত" in texts["e_receipt"]
    assert "ফলাফল গ্রহণ" in texts["return"] and "KQ-" + walker.code in texts["return"]
    due = timezone.localtime(dossier.due_at)
    assert f"{due.day} " in texts["receipt"] and str(due.year) in texts["receipt"]
    assert f"{due.day:02d}/{due.month:02d}/{due.year}" not in texts["receipt"]  # not Viet Nam's dd/mm/yyyy
    # The desk's print page shows the paper in Bengali inside a page in the officer's language.
    officer = Client()
    officer.force_login(dossier.events.get(action="receive").actor)
    officer.cookies["django_language"] = "en"
    page = officer.get(f"/office/dossiers/{walker.code}/print/receipt/").content.decode()
    assert 'lang="bn"' in page and "আবেদন গ্রহণের রসিদ" in page


def test_an_english_first_installation_writes_its_papers_in_english(bangladesh, settings):
    """Bengali first, and English when the installation says so (the country's first language)."""
    from motcua.results import receipt

    settings.LANGUAGE_CODE = "en"
    definition = _definition("BD.0001-birth-registration.yaml")
    data = {**definition["example"], "child_birth_date": (timezone.localdate() - timedelta(days=10)).isoformat()}
    walker = Walker(definition)
    walker.submit(data=data)
    walker.receive()
    dossier = Dossier.objects.select_related("unit", "procedure_version", "applicant").get(code=walker.code)
    with translation.override("bn"):  # whatever the reader's language
        text = _text(receipt.receipt_pdf(dossier))
    assert "RECEIPT" in text.upper() and "Documents filed:" in text and "Received:" in text, text[:500]
    assert "জমা দেওয়া কাগজপত্র" not in text and "Mã hồ sơ" not in text
