"""The demo e-ID provider's side of the demo: the portal as its client, and a citizen at level 1.

Loaded by `load-demo` (only with DEMO_IDP_ENABLED, like the provider itself).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from oauth2_provider.models import Application

from motcua.demo.data import DEMO_PASSWORD, DemoUser
from motcua.identity.models import CitizenProfile, User
from motcua.units.models import Unit

# The demo citizens of data.USERS hold a level-2 account (identity checked in person);
# this one holds a basic level-1 account, to show procedures that need level 2 refuse it.
LEVEL1_CITIZENS = [
    DemoUser("citizen_l1", "Phan Văn Đức", "citizen", "000.12.00.H99", "048094011223"),
]
# The two names of this machine: a demo at http://127.0.0.1:8101 is also http://localhost:8101.
LOOPBACK_NAMES = ("127.0.0.1", "localhost")


def local_origins(public_url: str) -> list[str]:
    """PUBLIC_URL and, for a local run, the same port under the loopback's other name."""
    parts = urlsplit(public_url)
    if parts.hostname not in LOOPBACK_NAMES:
        return [public_url]
    port = f":{parts.port}" if parts.port else ""
    return [public_url, *(f"{parts.scheme}://{name}{port}" for name in LOOPBACK_NAMES)]


@transaction.atomic
def load_level1_citizens() -> None:
    for spec in LEVEL1_CITIZENS:
        user, created = User.objects.get_or_create(username=spec.username, defaults={"full_name": spec.full_name})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        CitizenProfile.objects.update_or_create(
            user=user,
            defaults={
                "personal_id": spec.personal_id, "full_name": spec.full_name, "assurance_level": 1,
                "home_unit": Unit.objects.filter(code=spec.unit).first(),
            },
        )


def register_portal_client(extra_origins: Iterable[str] = ()) -> Application:
    """Register (or update) the portal as the provider's trusted OIDC client.

    Public with PKCE when OIDC_CLIENT_SECRET is empty, confidential with that
    secret otherwise. `extra_origins` adds addresses the portal also runs at
    (the tests' live server).
    """
    origins = list(dict.fromkeys([*local_origins(settings.PUBLIC_URL), *(o.rstrip("/") for o in extra_origins)]))
    secret = settings.OIDC_CLIENT_SECRET
    app, _ = Application.objects.update_or_create(
        client_id=settings.OIDC_CLIENT_ID,
        defaults={
            "name": "motcua — Cổng dịch vụ công (demo)",
            "client_type": Application.CLIENT_CONFIDENTIAL if secret else Application.CLIENT_PUBLIC,
            "client_secret": secret,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "redirect_uris": " ".join(f"{o}/oidc/callback/" for o in origins),
            "post_logout_redirect_uris": " ".join(f"{o}/" for o in origins),
            "algorithm": Application.RS256_ALGORITHM,
            # The portal is the provider's own trusted client: no consent screen.
            "skip_authorization": True,
        },
    )
    return app


def load_demo_idp() -> None:
    load_level1_citizens()
    register_portal_client()
