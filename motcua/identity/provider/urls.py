"""The demo provider's endpoints under /idp/. django-oauth-toolkit reverses them in its own namespace."""

from django.urls import path, re_path
from oauth2_provider import views as dot

from motcua.identity.provider import views
from motcua.lib.ratelimit import rate_limited

app_name = "oauth2_provider"
urlpatterns = [
    # Only what an OpenID Connect relying party uses: no client management, device or dynamic registration.
    re_path(r"^\.well-known/openid-configuration/?$", dot.ConnectDiscoveryInfoView.as_view(), name="oidc-connect-discovery-info"),
    path(".well-known/jwks.json", dot.JwksInfoView.as_view(), name="jwks-info"),
    # RFC 8414 metadata. Also what django-oauth-toolkit derives the RFC 9207 `iss` of its
    # authorization responses from: without it that would be the site root, not /idp.
    path(".well-known/oauth-authorization-server", dot.OAuthServerMetadataView.as_view(), name="oauth-server-metadata"),
    path("authorize/", views.EidAuthorizationView.as_view(), name="authorize"),
    path("token/", rate_limited("oauth_token", methods=("POST",))(dot.TokenView.as_view()), name="token"),
    path("userinfo/", dot.UserInfoView.as_view(), name="user-info"),
    path("logout/", views.EidLogoutView.as_view(), name="rp-initiated-logout"),
    path("login/", views.login, name="login"),
]
