from django.urls import path, register_converter

from motcua.lib.bounded import IdConverter
from motcua.portal import apply, payments, vault_pages, verify, views

register_converter(IdConverter, "id")  # ids beyond the database's range: 404, not a 500

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("verify/", verify.verify, name="verify"),
    path("verify/<slug:kind>/<str:number>/<str:signature>/", verify.document, name="verify_document"),
    path("procedures/<str:code>/", views.procedure, name="procedure"),
    path("procedures/<str:code>/start/", apply.start, name="start_draft"),
    path("my/drafts/", apply.my_drafts, name="my_drafts"),
    path("my/drafts/<str:draft_id>/", apply.resume, name="draft"),
    path("my/drafts/<str:draft_id>/delete/", apply.delete, name="draft_delete"),
    path("my/drafts/<str:draft_id>/submit/", apply.submit, name="draft_submit"),
    path("my/drafts/<str:draft_id>/<slug:step_id>/", apply.step, name="draft_step"),
    path("my/dossiers/", views.my_dossiers, name="my_dossiers"),
    path("my/dossiers/<str:code>/submitted/", apply.submitted, name="submitted"),
    path("my/dossiers/<str:code>/rating/", views.rate, name="rate"),
    path("my/dossiers/<str:code>/", views.dossier, name="dossier"),
    path("my/dossiers/<str:code>/result.pdf", views.result_pdf, name="result"),
    path("my/dossiers/<str:code>/results/<str:number>.pdf", views.result_document_pdf, name="result_document"),
    path("my/dossiers/<str:code>/receipt.pdf", views.receipt_pdf, name="receipt"),
    path("my/dossiers/<str:code>/apology/<str:number>.pdf", views.apology_pdf, name="apology"),
    path("my/dossiers/<str:code>/components/<slug:key>/", views.component_file, name="component"),
    path("my/dossiers/<str:code>/supplement/", views.supplement, name="supplement"),
    path("my/dossiers/<str:code>/withdraw/", views.withdraw, name="withdraw"),
    path("my/dossiers/<str:code>/pay/", payments.start, name="pay"),
    path("my/dossiers/<str:code>/payments/<id:payment_id>/receipt.pdf", payments.receipt, name="payment_receipt"),
    path("my/documents/", vault_pages.documents, name="documents"),
    path("my/documents/<id:doc_id>/", vault_pages.document_file, name="document"),
    path("my/access-log/", vault_pages.access_log, name="access_log"),
]
