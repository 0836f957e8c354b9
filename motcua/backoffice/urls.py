from django.urls import path

from motcua.backoffice import finance, intake, notes, printing, unit_admin, views, worklist

app_name = "backoffice"
urlpatterns = [
    path("", views.dossier_list, name="list"),
    path("finance/", finance.finance, name="finance"),
    path("q/<slug:slug>/", worklist.queue, name="queue"),
    path("search/", worklist.search, name="search"),
    path("bulk/", worklist.bulk_act, name="bulk"),
    # The one-stop counter (issue 17): filing a walk-in or postal dossier, its receipt, digitization.
    path("intake/", intake.intake, name="intake"),
    path("dossiers/<str:code>/digitize/", intake.digitize, name="digitize"),
    path("dossiers/<str:code>/", views.dossier_detail, name="dossier"),
    path("dossiers/<str:code>/act/<slug:action>/", views.act, name="act"),
    path("dossiers/<str:code>/result.pdf", views.result_pdf, name="result"),
    path("dossiers/<str:code>/results/<str:number>.pdf", views.result_document_pdf, name="result_document"),
    path("dossiers/<str:code>/revoke-result/", views.revoke_result, name="revoke_result"),
    path("dossiers/<str:code>/apology/<str:number>.pdf", views.apology_pdf, name="apology"),
    path("dossiers/<str:code>/components/<slug:key>/", views.component_file, name="component"),
    # Issue 17 (h17c): the preview, internal notes, printing, unit administration.
    path("dossiers/<str:code>/components/<slug:key>/view", views.component_view, name="component_view"),
    path("dossiers/<str:code>/notes/", notes.post_note, name="note"),
    path("dossiers/<str:code>/print/<slug:kind>/", printing.print_page, name="print"),
    path("dossiers/<str:code>/print/<slug:kind>.pdf", printing.print_pdf, name="print_pdf"),
    path("dossiers/<str:code>/print/<slug:kind>/<int:event>/", printing.print_page, name="print_event"),
    path("dossiers/<str:code>/print/<slug:kind>/<int:event>.pdf", printing.print_pdf, name="print_pdf_event"),
    *unit_admin.urlpatterns,
]
