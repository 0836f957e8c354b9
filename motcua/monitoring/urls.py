from django.urls import path

from motcua.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.home, name="home"),
    path("public/", views.public, name="public"),
    path("units/<str:code>/", views.dashboard, name="unit"),
    path("units/<str:code>/dossiers/", views.dossiers, name="dossiers"),
    path("units/<str:code>/export.<str:fmt>", views.export, name="export"),
    path("units/<str:code>/explain/", views.explain_page, name="explain"),
    path("units/<str:code>/explain.csv", views.explain_csv, name="explain_csv"),
]
