"""What the demo e-ID provider says about a citizen: the claims of its ID token and userinfo."""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator

# The claim names and acr values a relying party reads (docs/identity.md).
PERSONAL_ID_CLAIM = "personal_id"
ACR_PREFIX = "vneid:level"
CLAIMS = ("sub", "name", "birthdate", PERSONAL_ID_CLAIM, "acr")


class DemoEidValidator(OAuth2Validator):
    # django-oauth-toolkit releases a claim only if the granted scopes include the
    # scope listed here; `acr` rides on `openid`, the citizen's identity on `profile`.
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "acr": "openid", PERSONAL_ID_CLAIM: "profile"}

    def get_additional_claims(self, request) -> dict[str, Any]:
        profile = request.user.citizen  # the provider's login admits citizens only
        claims: dict[str, Any] = {
            "name": profile.full_name,
            PERSONAL_ID_CLAIM: profile.personal_id,
            "acr": f"{ACR_PREFIX}{profile.assurance_level}",
        }
        if profile.birth_date:
            claims["birthdate"] = profile.birth_date.isoformat()
        return claims

    def get_discovery_claims(self, request) -> list[str]:
        # The request-aware form above hides the claims from discovery; list them here.
        return list(CLAIMS)
