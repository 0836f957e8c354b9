"""The demo password, published on the demo provider's login page and the portal's login page.

It lives with identity (the lower room) because identity's pages show it; the demo
data that sets it on every demo account imports it from here.
"""

DEMO_PASSWORD = "demo-motcua"  # noqa: S105 - published demo credential, only with DEMO_IDP_ENABLED
