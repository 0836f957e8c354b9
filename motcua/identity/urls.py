from django.contrib.auth import views as auth_views
from django.urls import path

app_name = "identity"
urlpatterns = [
    # A logged-in user who follows a "log in" link goes straight on to where it pointed.
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="identity/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
