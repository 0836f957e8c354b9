"""The receipt, the return slip and the handover note: a print page for A4 and a PDF, of this dossier."""

from __future__ import annotations

import re

from django.utils import timezone

from motcua.dossiers.models import Dossier
from tests.backoffice.helpers import birth_dossier, pdf_text
from tests.conftest import logged_in
from tests.walker import bundle_at_other_agencies


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_receipt_and_return_slip_print_and_draw_this_dossier(demo):
    code = birth_dossier(upto=5)
    dossier = Dossier.objects.get(code=code)
    desk = logged_in("onestop_anbinh")
    page = desk.get(f"/office/dossiers/{code}/").content.decode()
    assert f"/office/dossiers/{code}/print/receipt/" in page and f"/office/dossiers/{code}/print/return/" in page

    receipt = desk.get(f"/office/dossiers/{code}/print/receipt/").content.decode()
    assert "motcua/paper.css" in receipt and 'class="paper"' in receipt and "style=" not in receipt.split('class="paper"')[1]
    assert "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in receipt and code in receipt and "Nguyễn Văn An" in receipt

    pdf = desk.get(f"/office/dossiers/{code}/print/receipt.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = squeeze(pdf_text(pdf.content))
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text and code in text
    assert timezone.localtime(dossier.due_at).strftime("%d/%m/%Y") in text

    slip = desk.get(f"/office/dossiers/{code}/print/return/").content.decode()
    assert "Phiếu trả kết quả giải quyết thủ tục hành chính" in slip and dossier.result.number in slip
    pdf = desk.get(f"/office/dossiers/{code}/print/return.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf["Content-Disposition"].startswith("inline;")
    text = squeeze(pdf_text(pdf.content))
    assert "PHIẾU TRẢ KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in text
    assert code in text and dossier.result.number in text and "Nguyễn Văn An" in text and "Ngô Thị Mai" in text
    assert timezone.localtime(dossier.returned_at).strftime("%d/%m/%Y") in text


def test_the_handover_note_names_both_agencies_and_the_documents(demo):
    code = bundle_at_other_agencies()
    desk = logged_in("onestop_anbinh")
    page = desk.get(f"/office/dossiers/{code}/").content.decode()
    link = re.search(rf'href="(/office/dossiers/{re.escape(code)}/print/handover/(\d+)/)"', page)
    assert link, "no handover note offered"
    html = desk.get(link.group(1)).content.decode()
    assert "Phiếu giao nhận hồ sơ liên thông" in html
    pdf = desk.get(f"/office/dossiers/{code}/print/handover/{link.group(2)}.pdf")
    text = squeeze(pdf_text(pdf.content))
    assert "PHIẾU GIAO NHẬN HỒ SƠ LIÊN THÔNG" in text and code in text
    assert "Bên giao: UBND xã An Bình" in text
    assert "Công an xã An Bình" in text and "Bảo hiểm xã hội tỉnh Demo" in text


def test_papers_not_yet_due_or_outside_the_subtree_are_404(demo):
    code = birth_dossier(received=False)
    desk = logged_in("onestop_anbinh")
    for path in ("receipt/", "receipt.pdf", "return/", "return.pdf", "handover/1/", "nothing/"):
        assert desk.get(f"/office/dossiers/{code}/print/{path}").status_code == 404, path
    done = birth_dossier(upto=5)
    assert logged_in("onestop_hoathuan").get(f"/office/dossiers/{done}/print/return.pdf").status_code == 404
