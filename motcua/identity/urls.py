from django.contrib.auth import views as auth_views
from django.urls import path

from motcua.identity import views

app_name = "identity"
urlpatterns = [
    # Citizens log in with the e-ID (/oidc/login/); this password login stays for staff.
    # A logged-in user who follows a "log in" link goes straight on to where it pointed.
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="identity/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    # Also ends the e-ID provider's session after an e-ID login.
    path("logout/", views.logout, name="logout"),
]
