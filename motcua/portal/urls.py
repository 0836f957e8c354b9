from django.urls import path

from motcua.portal import vault_pages, verify, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("verify/", verify.verify, name="verify"),
    path("procedures/<str:code>/", views.procedure, name="procedure"),
    path("my/dossiers/", views.my_dossiers, name="my_dossiers"),
    path("my/dossiers/<str:code>/", views.dossier, name="dossier"),
    path("my/dossiers/<str:code>/result.pdf", views.result_pdf, name="result"),
    path("my/dossiers/<str:code>/apology/<str:number>.pdf", views.apology_pdf, name="apology"),
    path("my/dossiers/<str:code>/components/<slug:key>/", views.component_file, name="component"),
    path("my/dossiers/<str:code>/supplement/", views.supplement, name="supplement"),
    path("my/dossiers/<str:code>/withdraw/", views.withdraw, name="withdraw"),
    path("my/documents/", vault_pages.documents, name="documents"),
    path("my/documents/<int:doc_id>/", vault_pages.document_file, name="document"),
    path("my/access-log/", vault_pages.access_log, name="access_log"),
]
