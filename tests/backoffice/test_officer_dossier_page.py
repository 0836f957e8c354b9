"""The officer's dossier page: submitted facts beside the actions, previews served inline only for safe types."""

from __future__ import annotations

import re

from motcua.dossiers.models import Dossier
from tests.backoffice.helpers import birth_dossier
from tests.conftest import logged_in


def test_the_facts_come_beside_the_actions_with_an_inline_preview(demo):
    code = birth_dossier(received=False)
    desk = logged_in("onestop_anbinh")
    html = desk.get(f"/office/dossiers/{code}/").content.decode()
    facts = html.index('class="dossier-facts"')
    work = html.index('class="dossier-work"')
    # In the page's order: the answers and components, then the actions — not after every action.
    assert facts < html.index('id="answers-title"') < html.index('id="components-title"') < work < html.index('id="actions-title"')
    assert html.index('id="notes-title"') > work and html.count('id="answers-title"') == 1
    preview = re.search(r'<object class="preview preview-pdf" data="([^"]+)" type="application/pdf"', html)
    assert preview and preview.group(1) == f"/office/dossiers/{code}/components/birth_certificate/view"

    inline = desk.get(preview.group(1))
    assert inline.status_code == 200
    assert inline["Content-Type"] == "application/pdf"
    assert inline["Content-Disposition"].startswith("inline;")
    assert inline["X-Frame-Options"] == "SAMEORIGIN" and inline["X-Content-Type-Options"] == "nosniff"
    assert b"".join(inline.streaming_content).startswith(b"%PDF-")
    # The download link stays an attachment.
    download = desk.get(f"/office/dossiers/{code}/components/birth_certificate/")
    assert download["Content-Disposition"].startswith("attachment;")


def test_only_pdf_and_images_are_served_inline_and_only_to_the_dossiers_officers(demo):
    code = birth_dossier(received=False)
    dossier = Dossier.objects.get(code=code)
    # A record claiming a type a browser would run (HTML) is never shown inline.
    dossier.components = [{**c, "content_type": "text/html"} for c in dossier.components]
    dossier.save(update_fields=["components"])
    desk = logged_in("onestop_anbinh")
    assert desk.get(f"/office/dossiers/{code}/components/birth_certificate/view").status_code == 404
    assert 'class="preview' not in desk.get(f"/office/dossiers/{code}/").content.decode()
    assert logged_in("onestop_hoathuan").get(f"/office/dossiers/{code}/components/birth_certificate/view").status_code == 404
    assert logged_in("citizen").get(f"/office/dossiers/{code}/components/birth_certificate/view").status_code == 403


def test_the_page_says_how_long_each_unit_held_the_dossier(demo):
    code = birth_dossier(upto=2)
    html = logged_in("approver_anbinh").get(f"/office/dossiers/{code}/").content.decode()
    shares = html.split('id="shares-title"', 1)[1].split("</section>", 1)[0]
    assert "UBND xã An Bình" in shares and "Số ngày làm việc đã dùng" in shares
