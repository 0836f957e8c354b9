from django.urls import path

from motcua.identity import views

app_name = "oidc"
urlpatterns = [
    path("login/", views.oidc_login, name="login"),
    path("callback/", views.oidc_callback, name="callback"),
    path("logout/", views.logout, name="logout"),
]
