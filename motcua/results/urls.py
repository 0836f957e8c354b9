from django.urls import path

from motcua.results import views

app_name = "pki"
urlpatterns = [
    path("ca.pem", views.ca_certificate, name="ca"),
    path("crl", views.crl, name="crl"),
    path("tsa", views.timestamp, name="tsa"),
]
