from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from motcua.api.main import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("motcua.identity.urls")),
    path("oidc/", include("motcua.identity.oidc_urls")),
    path("office/", include("motcua.backoffice.urls")),
    path("", include("motcua.portal.urls")),
]
if settings.DEMO_IDP_ENABLED:
    # The bundled demo e-ID provider (docs/identity.md); never in production.
    urlpatterns.insert(0, path("idp/", include("motcua.identity.provider.urls")))
if settings.DEMO_REGISTRY_ENABLED:
    # Synthetic demo registries over HTTP (docs/architecture.md, "vault"); never in production.
    urlpatterns.insert(0, path("demo-registry/", include("motcua.vault.demo_urls")))
