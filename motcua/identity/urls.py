from django.urls import path

from motcua.identity import views

app_name = "identity"
urlpatterns = [
    # Citizens log in with the e-ID (/oidc/login/); this password login stays for staff.
    # A logged-in user who follows a "log in" link goes straight on to where it pointed.
    # Locked for a while after repeated wrong passwords (motcua/lib/ratelimit.py).
    path("login/", views.LoginView.as_view(), name="login"),
    # Also ends the e-ID provider's session after an e-ID login.
    path("logout/", views.logout, name="logout"),
]
