from django.urls import path

from motcua.integrations import demo_national, demo_outside

app_name = "demo_national"
urlpatterns = [
    path("api/dossiers", demo_national.receive, name="receive"),
    path("api/dossiers/<str:code>", demo_national.dossier, name="dossier"),
    # A demo outside agency (the tax authority, the electricity company) answering a step's request.
    path("outside/<slug:agency>", demo_outside.answer, name="outside"),
]
