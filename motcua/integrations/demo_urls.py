from django.urls import path

from motcua.integrations import demo_national

app_name = "demo_national"
urlpatterns = [
    path("api/dossiers", demo_national.receive, name="receive"),
    path("api/dossiers/<str:code>", demo_national.dossier, name="dossier"),
]
