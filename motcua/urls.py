from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from motcua.api.main import api
from motcua.identity.language import set_language
from motcua.ops.metrics import metrics
from motcua.portal import payments as portal_payments

urlpatterns = [
    path("api/v1/", api.urls),
    path("metrics", metrics, name="metrics"),  # Prometheus; /healthz and /readyz: ops.health middleware
    path("admin/", admin.site.urls),
    # Django's own switch, which also remembers the choice of a signed-in user.
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("motcua.identity.urls")),
    path("oidc/", include("motcua.identity.oidc_urls")),
    # The catalogue written without code (issue 24): drafts, review, publication (authoring/views.py).
    path("office/catalog/", include("motcua.authoring.views")),
    path("office/", include("motcua.backoffice.urls")),
    path("kpi/", include("motcua.monitoring.urls")),
    path("kpi/", include("motcua.insights.urls")),  # where the time goes, lateness risk (from the dashboard)
    path("petitions/", include("motcua.petitions.urls")),
    # The CA certificate, the demo CRL and the demo time-stamping authority (results/pki.py).
    path("pki/", include("motcua.results.urls")),
    # The payment gateways' notifications (IPN) and return (docs/payments.md): outside the portal's namespace,
    # their addresses are registered at the gateway.
    path("payments/ipn/<slug:gateway_code>/", portal_payments.ipn, name="payments_ipn"),
    path("payments/return/<slug:gateway_code>/", portal_payments.back_from_gateway, name="payments_return"),
    path("", include("motcua.notifications.urls")),  # the profile's channels, the dead-letter list
    path("", include("motcua.portal.urls")),
]
if settings.PAYMENT_SANDBOX_ENABLED:
    # The bundled sandbox payment gateway (docs/payments.md); never in production.
    urlpatterns.insert(0, path("sandbox-pay/", include("motcua.payments.urls_sandbox")))
if settings.DEMO_IDP_ENABLED:
    # The bundled demo e-ID provider (docs/identity.md); never in production.
    urlpatterns.insert(0, path("idp/", include("motcua.identity.provider.urls")))
if settings.DEMO_REGISTRY_ENABLED:
    # Synthetic demo registries over HTTP (docs/architecture.md, "vault"); never in production.
    urlpatterns.insert(0, path("demo-registry/", include("motcua.vault.demo_urls")))
if settings.DEMO_SMS_ENABLED:
    # The bundled demo SMS gateway (docs/notifications.md); never in production.
    urlpatterns.insert(0, path("demo-sms/", include("motcua.notifications.demo_urls")))
if settings.DEMO_NATIONAL_ENABLED:
    # The bundled demo national portal that receives the dossier sync (docs/operations.md); never in production.
    urlpatterns.insert(0, path("demo-national/", include("motcua.integrations.demo_urls")))
