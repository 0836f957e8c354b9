"""The bundled demo e-ID provider: django-oauth-toolkit in OpenID Connect mode at /idp/.

Only with DEMO_IDP_ENABLED. It plays the national e-ID (VNeID) for a local run
and for the tests, so the portal's login speaks the real protocol even in the
demo. It keeps its own sign-in in the session (`session.IDP_USER`), apart from
the portal's: signing in here does not log anyone into the portal; only the
portal's OIDC callback does.
"""
