"""The authorization matrix's expected answers: one line per endpoint (docs/security.md, "The authorization matrix").

Keys: a page's URL name ("portal:dossier"; "admin:*" for the Django admin), or an API operation as
"METHOD /path" from the OpenAPI document. Values: one answer for every cell, or a dict from a role name,
"role/a" or "role/b" (one cell), a relation class (anon, owner, citizen, unit_staff, outsider, overseer,
superuser), "staff" (unit_staff, outsider, overseer) or "*" (the rest) to an answer: ok, seen, login, 404,
403, any, or an exact status. Relations are to dossier A or B (endpoints without a dossier: to A).

Adding an endpoint: add its line here, saying who SHOULD get what (AUTHZ_DISCOVER=1 shows what they get).
"""

# Reusable lines.
PUBLIC = "ok"  # anybody, signed in or not
PROTOCOL = "any"  # machine endpoints: the answer depends on the input, not on who asks (never a 5xx)
SIGNED_IN = {"anon": "login", "*": "ok"}  # any signed-in person, about their own things
OWNER_ONLY = {"anon": "login", "owner": "ok", "*": "404"}  # a citizen's own object (draft, vault document)
OWNER_POST = {"anon": "login", "owner": "seen", "*": "404"}
# A dossier seen by its applicant, the staff of its unit and the levels above; 404 to everyone else.
DOSSIER = {"anon": "login", "owner": "ok", "unit_staff": "ok", "overseer": "ok", "*": "404"}
# A dossier file that exists only for dossier A (the result; B has none): 404 for B to everyone.
DOSSIER_FILE = {"anon": "login", "owner/a": "ok", "unit_staff/a": "ok", "overseer/a": "ok", "*": "404"}
# The back office: staff only (citizens and a unit-less superuser get 403), scoped dossiers (404 outside).
OFFICE = {"anon": "login", "owner": "403", "citizen": "403", "superuser": "403", "*": "ok"}
OFFICE_DOSSIER = {"anon": "login", "owner": "403", "citizen": "403", "superuser": "403", "outsider": "404",
                  "*": "ok"}
OFFICE_FILE = {**OFFICE_DOSSIER, "unit_staff/b": "404", "overseer/b": "404", "*": "ok"}
OFFICE_POST_ONLY = {"anon": "any", "*": "any"}  # GET on a POST-only page: 405 for all
# An action through the API: let in (a wrong role 403, a wrong state 409/422) only those who see the dossier.
ACTION = {"anon": "login", "citizen": "404", "outsider": "404", "superuser": "404", "*": "seen"}

PAGES = {
    "admin:*": "any",  # Django's admin: is_staff accounts only (no demo officer is); its own permission checks
    "demo_registry:record": PUBLIC,  # answers this machine only (a loopback call); docs/security.md
    "oauth2_provider:oidc-connect-discovery-info": PUBLIC,
    "oauth2_provider:jwks-info": PUBLIC,
    "oauth2_provider:oauth-server-metadata": PUBLIC,
    "oauth2_provider:authorize": PROTOCOL,
    "oauth2_provider:token": PROTOCOL,
    "oauth2_provider:user-info": PROTOCOL,
    "oauth2_provider:rp-initiated-logout": PROTOCOL,
    "oauth2_provider:login": PUBLIC,
    "sandbox_pay:pay": PROTOCOL,
    "sandbox_pay:api": PROTOCOL,
    "sandbox_pay:transactions": PROTOCOL,
    "sandbox_pay:resend": PROTOCOL,
    "metrics": PROTOCOL,  # by address or token, not by user (ops/metrics.py)
    "set_language": PROTOCOL,
    "identity:login": PUBLIC,
    "identity:logout": PROTOCOL,
    "oidc:login": "502",  # off to the provider, whose discovery document is unreachable in this test
    "oidc:callback": PROTOCOL,
    "oidc:logout": PROTOCOL,
    "backoffice:list": OFFICE,
    "backoffice:finance": {**OFFICE, "*": "any"},
    "backoffice:dossier": OFFICE_DOSSIER,
    "backoffice:act": OFFICE_POST_ONLY,
    "backoffice:result": OFFICE_FILE,
    "backoffice:revoke_result": OFFICE_POST_ONLY,
    "backoffice:apology": {"anon": "login", "owner": "403", "citizen": "403", "superuser": "403", "*": "404"},
    "backoffice:component": OFFICE_FILE,  # B's upload was recorded without a stored file: 404 to all
    "monitoring:home": {"anon": "login", "*": "any"},
    "monitoring:public": PUBLIC,
    "monitoring:unit": {"anon": "login", "*": "any"},
    "monitoring:dossiers": {"anon": "login", "*": "any"},
    "monitoring:export": {"anon": "login", "*": "any"},
    "monitoring:explain": {"anon": "login", "*": "any"},
    "monitoring:explain_csv": {"anon": "login", "*": "any"},
    "pki:ca": PUBLIC,
    "pki:crl": PUBLIC,
    "pki:tsa": PROTOCOL,
    "payments_ipn": PROTOCOL,
    "payments_return": PROTOCOL,
    "portal:home": PUBLIC,
    "portal:verify": PUBLIC,
    "portal:verify_document": PROTOCOL,
    "portal:procedure": PUBLIC,
    "portal:start_draft": PROTOCOL,
    "portal:my_drafts": SIGNED_IN,
    "portal:draft": {"anon": "login", "owner": "ok", "*": "404"},
    "portal:draft_delete": PROTOCOL,
    "portal:draft_submit": PROTOCOL,
    "portal:draft_step": {"anon": "login", "owner": "ok", "*": "404"},
    "portal:my_dossiers": SIGNED_IN,
    "portal:submitted": OWNER_ONLY,  # the applicant's confirmation page
    "portal:rate": PROTOCOL,
    "portal:dossier": DOSSIER,
    "portal:result": DOSSIER_FILE,
    "portal:receipt": DOSSIER_FILE,  # the receipt exists for A (received), not yet for B
    "portal:apology": {"anon": "login", "*": "404"},
    "portal:component": DOSSIER_FILE,  # B's upload was recorded without a stored file: 404 to all
    "portal:supplement": PROTOCOL,
    "portal:withdraw": PROTOCOL,
    "portal:pay": PROTOCOL,
    "portal:payment_receipt": {"anon": "login", "*": "404"},
    "portal:documents": SIGNED_IN,
    "portal:document": OWNER_ONLY,
    "portal:access_log": SIGNED_IN,
}

API = {
    "GET /api/v1/procedures": PUBLIC,
    "GET /api/v1/procedures/{code}": PUBLIC,
    "POST /api/v1/dossiers": {"anon": "login", "*": "seen"},
    "GET /api/v1/dossiers": SIGNED_IN,
    "GET /api/v1/dossiers/{code}": {"anon": "login", "citizen": "404", "outsider": "404", "superuser": "404",
                                    "*": "ok"},
    # The province's one-stop centre (parent) may still receive a commune's dossier: docs/security.md, "Scopes".
    "POST /api/v1/dossiers/{code}/actions/receive": ACTION,
    "POST /api/v1/dossiers/{code}/actions/refuse": ACTION,
    "POST /api/v1/dossiers/{code}/actions/request_supplement": ACTION,
    "POST /api/v1/dossiers/{code}/actions/submit_supplement": ACTION,
    "POST /api/v1/dossiers/{code}/actions/request_payment": ACTION,
    "POST /api/v1/dossiers/{code}/actions/confirm_payment": ACTION,
    "POST /api/v1/dossiers/{code}/actions/claim": ACTION,
    "POST /api/v1/dossiers/{code}/actions/assign": ACTION,
    "POST /api/v1/dossiers/{code}/actions/start_processing": ACTION,
    "POST /api/v1/dossiers/{code}/actions/transfer": ACTION,
    "POST /api/v1/dossiers/{code}/actions/approve": ACTION,
    "POST /api/v1/dossiers/{code}/actions/issue_result": ACTION,
    "POST /api/v1/dossiers/{code}/actions/return_result": ACTION,
    "POST /api/v1/dossiers/{code}/actions/stop": ACTION,
    "POST /api/v1/dossiers/{code}/actions/withdraw": ACTION,
    "POST /api/v1/dossiers/{code}/actions/issue_apology": ACTION,
    "POST /api/v1/dossiers/{code}/actions/rate": ACTION,
    "POST /api/v1/dossiers/{code}/rating": {"anon": "login", "*": "seen"},  # an empty body: 422 before the lookup
    "GET /api/v1/dossiers/{code}/result": {"anon": "login", "owner/a": "ok", "unit_staff/a": "ok",
                                           "overseer/a": "ok", "*": "404"},
    "POST /api/v1/dossiers/{code}/payments": OWNER_POST,
    "GET /api/v1/dossiers/{code}/payments": {"anon": "login", "citizen": "404", "outsider": "404",
                                             "superuser": "404", "*": "ok"},
    "GET /api/v1/kpi": {"anon": "login", "superuser": "ok", "*": "403"},
    "POST /api/v1/drafts": {"anon": "login", "*": "seen"},
    "GET /api/v1/drafts": SIGNED_IN,
    "GET /api/v1/drafts/{draft_id}": OWNER_ONLY,
    "PUT /api/v1/drafts/{draft_id}": {"anon": "login", "*": "seen"},  # an empty body: 422 before the lookup
    "DELETE /api/v1/drafts/{draft_id}": OWNER_ONLY,
    "POST /api/v1/drafts/{draft_id}/submit": OWNER_POST,
    "GET /api/v1/vault/documents": SIGNED_IN,
    "GET /api/v1/vault/documents/{doc_id}/file": OWNER_ONLY,
    "GET /api/v1/vault/access-log": SIGNED_IN,
    "POST /api/v1/uploads": {"anon": "login", "*": "seen"},
}

# Routes the OpenAPI document leaves out on purpose.
API_OUTSIDE_SCHEMA = {
    "POST /api/v1/dossiers/{code}/actions/{action}": {"anon": "login", "*": "404"},  # an unknown action
}

# Pages asked with another method than GET.
METHODS: dict[str, str] = {}

# Pages whose HTML still has inline style the policy blocks (the header is checked; the body is not), each with
# why. Empty this, do not grow it: move the style to a static file.
CSP_KNOWN_INLINE = {
    # pygal's inline SVG chart carries a <style> element and style="" attributes: under the policy the chart
    # loses its colours. To do (issue 20): render with pygal's no-style option and style .pygal in kpi.css.
    "monitoring:unit": "pygal's inline SVG",
}
