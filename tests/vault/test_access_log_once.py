""""Who read my data": a registry read is logged once per draft or dossier and purpose, and the
officers' reads come first, however many form pages the citizen went through."""

from __future__ import annotations

from django.utils import timezone

from motcua.dossiers.models import Dossier
from motcua.vault.models import AccessLog
from tests.vault.test_vault import BUNDLE_URL, bundle_post, form_pages, html, logged_in, user, vault_doc


def test_many_form_pages_log_one_read_per_draft_and_the_officers_read_is_on_top(demo):
    citizen = logged_in("citizen2")
    for _ in range(3):  # three applications, each page of the form seen twice (a reload, a step back)
        form_pages(citizen, BUNDLE_URL)
        from motcua.drafts.models import Draft

        draft = Draft.objects.latest("created_at")
        for step in ("child", "parents", "services"):
            citizen.get(f"/my/drafts/{draft.public_id}/{step}/")
    own = AccessLog.objects.filter(citizen=user("citizen2"), actor=user("citizen2"), kind="registry")
    assert own.count() == 3
    assert sorted(own.values_list("draft", flat=True)) == sorted(str(d) for d in Draft.objects.values_list("public_id", flat=True))
    assert all(row.registry == "population" and row.fields for row in own)

    doc = vault_doc("citizen2", "medical_birth_certificate")
    assert citizen.post(BUNDLE_URL, bundle_post(**{"vault-birth_certificate": str(doc.pk)})).status_code == 302
    dossier = Dossier.objects.get()
    officer = logged_in("onestop_hoathuan")
    r = officer.get(f"/office/dossiers/{dossier.code}/components/birth_certificate/")
    assert r.status_code == 200
    # The submission's system read: one row for the dossier, whatever it looked up.
    assert AccessLog.objects.filter(dossier=dossier.code, kind="registry", actor=None).count() == 1

    page = html(citizen.get("/my/access-log/"))
    officer_at, own_at = page.index("Cán bộ Lý Thị Hoa"), page.index("Bạn, qua Cổng dịch vụ công")
    assert officer_at < own_at
    assert page.index("Cán bộ và cơ quan khác đã đọc") < officer_at < page.index("Bạn và hệ thống đã đọc") < own_at
    # One line per application: three drafts' prefill reads fold into one line per purpose, with a count.
    own_part = page[page.index("Bạn và hệ thống đã đọc"):]
    assert own_part.count("Điền sẵn biểu mẫu thủ tục 3.000722") == 1
    assert "<td>3</td>" in own_part


def test_rows_written_before_are_grouped_on_the_page(demo):
    citizen = user("citizen")
    at = timezone.now()
    AccessLog.objects.bulk_create([
        AccessLog(citizen=citizen, actor=citizen, actor_label="Nguyễn Văn An", kind="registry", what="population",
                  registry="population", fields=["full_name"], purpose="1.001193", at=at)
        for _ in range(35)
    ])
    page = html(logged_in("citizen").get("/my/access-log/"))
    assert page.count("Điền sẵn biểu mẫu thủ tục 1.001193") == 1 and "<td>35</td>" in page
    assert "Chưa có cán bộ hay cơ quan nào khác đọc dữ liệu của bạn." in page
