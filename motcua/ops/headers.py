"""Security headers on every answer: Content-Security-Policy, Permissions-Policy, and no-store on personal data.

Django's SecurityMiddleware already sends HSTS (when HTTPS), nosniff, Referrer-Policy and
Cross-Origin-Opener-Policy; XFrameOptionsMiddleware sends X-Frame-Options. This adds what Django 5.2
does not have. The policy is one static string: no page has an inline <script>, <style> or style=""
(tests/security/test_headers.py walks every page to keep it so), so no nonce is needed. A page that
ever needs a script puts it in a static file.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


def form_targets() -> list[str]:
    """Where a form's POST may end up after redirects: the e-ID provider (logout) and the payment gateways."""
    urls = [settings.OIDC_ISSUER, *(g.get("pay_url", "") for g in settings.PAYMENT_GATEWAYS.values()),
            *settings.CSP_FORM_ACTION_EXTRA]
    return sorted({o for u in urls if (o := _origin(u)) and o != _origin(settings.PUBLIC_URL)})


def content_security_policy() -> str:
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # The QR codes (data: images) are drawn only into PDFs, never into a page.
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", *form_targets()],
    }
    if settings.HTTPS:
        directives["upgrade-insecure-requests"] = []
    return "; ".join(" ".join([name, *values]) for name, values in directives.items())


# Nothing of the browser's hardware or payment APIs is used by any page.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()" for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope", "magnetometer",
        "microphone", "midi", "payment", "publickey-credentials-get", "screen-wake-lock", "serial", "usb",
        "xr-spatial-tracking", "browsing-topics",
    )
)


def personal(request: HttpRequest) -> bool:
    """An answer for a signed-in person (session or bearer token): never kept by a browser or a proxy."""
    user = getattr(request, "user", None)
    return bool(getattr(user, "is_authenticated", False) or "Authorization" in request.headers)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.csp = content_security_policy()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.csp)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if personal(request):
            # Officers' dossier pages, a citizen's dossiers, documents and the API's personal answers:
            # no copy in the browser's history cache or a shared proxy (a public computer at a commune office).
            response["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response
