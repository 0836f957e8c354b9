from django.urls import path

from motcua.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.home, name="home"),
    path("public/", views.public, name="public"),
    path("units/<str:code>/", views.dashboard, name="unit"),
    path("units/<str:code>/dossiers/", views.dossiers, name="dossiers"),
    path("units/<str:code>/export.<str:fmt>", views.export, name="export"),
]
