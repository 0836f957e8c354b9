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
# A one-stop desk's action on a just-filed dossier: refused (403) to a higher level's desk, which only reads it.
DESK_ACTION = {**ACTION, "parent/b": "403"}

# Officer-only pages without a dossier (queues, search, bulk): citizens and a unit-less superuser 403.
STAFF_PAGE = OFFICE
# A dossier's printable slip that exists for A only (B is not received yet: no receipt).
OFFICE_SLIP = {"anon": "login", "owner": "403", "citizen": "403", "superuser": "403", "outsider": "404",
               "unit_staff/b": "404", "overseer/b": "404", "*": "ok"}
# Something that exists for no dossier of the matrix: 404 to every officer, 403 to non-officers, login for the
# anonymous.
OFFICE_NONE = {"anon": "login", "owner": "403", "citizen": "403", "superuser": "403", "*": "404"}
# The handover note of A's newborn bundle (passed on to the commune police, whose specialist therefore sees it);
# asked on B, whose note it is not: 404 to all (matrix.build_world).
HANDOVER_NOTE = {**OFFICE_SLIP, "sibling_agency/a": "ok"}
# Unit administration: the unit_admin role on the unit's subtree only; other officers 404 (which units
# exist is not theirs to learn through this page), citizens and a unit-less superuser 403.
UNIT_ADMIN = {"anon": "login", "owner": "403", "citizen": "403", "superuser": "403", "unit_admin": "ok", "*": "404"}
# A petition (issue 19): its filer, the staff of the unit it is addressed (or forwarded) to and the levels
# above; 404 to everyone else, an officer of another unit included (petitions/access.py).
PETITION = {"owner": "ok", "unit_staff": "ok", "overseer": "ok", "*": "404"}
# The petitions' back office: any officer (each sees only their units' petitions), 404 to the rest.
PETITION_OFFICE = {"staff": "ok", "*": "404"}
# A petition action through the API (a valid body, BODIES): only those who see the petition get past the lookup
# (then 403 for a wrong role, 409 for a wrong state); 404 to everyone else.
PETITION_ACTION = {"anon": "login", "citizen": "404", "outsider": "404", "superuser": "404", "*": "seen"}
PETITION_SEEN = PETITION_ACTION
# A webhook subscription of a unit: the unit administrators of that unit's subtree; 404 to everyone else.
WEBHOOK = {"anon": "login", "unit_admin": "ok", "*": "404"}

# The catalogue (issue 24): its editors and approvers of the province, on the province's draft; 404 (a draft) or
# 403 (a page of a role one lacks) to the rest.
CATALOG_PAGE = {"anon": "login", "catalog_editor": "ok", "catalog_approver": "ok", "*": "403"}
CATALOG_DRAFT = {"anon": "login", "catalog_editor": "ok", "catalog_approver": "ok", "*": "404"}

PAGES = {
    "authoring:list": CATALOG_PAGE,
    "authoring:new": {**CATALOG_PAGE, "catalog_approver": "403"},
    "authoring:draft": CATALOG_PAGE,
    # A section of the structured editor (the identity) of the province's submitted draft: shown read-only.
    "authoring:section": CATALOG_PAGE,
    "authoring:diff": CATALOG_PAGE,
    "authoring:preview": CATALOG_PAGE,
    "authoring:versions": CATALOG_PAGE,
    "authoring:version_diff": CATALOG_PAGE,
    # Posted without fields: the editor's submit of a submitted draft 409, the approver's empty forms 422.
    "authoring:submit": {**CATALOG_PAGE, "catalog_editor": "409", "catalog_approver": "403"},
    "authoring:return": {**CATALOG_PAGE, "catalog_editor": "403", "catalog_approver": "422"},
    "authoring:publish": {**CATALOG_PAGE, "catalog_editor": "403", "catalog_approver": "422"},
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
    # A document another agency issued with A's result, by its number: the matrix's A has none (a birth
    # registration), so 404 to every officer (tests/results/test_result_documents.py walks the real ones).
    "backoffice:result_document": OFFICE_NONE,
    "backoffice:revoke_result": OFFICE_POST_ONLY,
    "backoffice:apology": {"anon": "login", "owner": "403", "citizen": "403", "superuser": "403", "*": "404"},
    "backoffice:component": OFFICE_DOSSIER,
    "backoffice:component_view": OFFICE_DOSSIER,  # A's and B's birth certificates are uploaded PDFs: a preview
    "backoffice:queue": STAFF_PAGE,  # each queue lists only the units served (tests/backoffice/)
    "backoffice:search": STAFF_PAGE,
    "backoffice:bulk": STAFF_PAGE,  # POST with no dossier chosen: back to the queue; each dossier re-checked
    "backoffice:intake": {"anon": "login", "onestop": "ok", "parent": "ok", "owner": "403", "citizen": "403",
                          "*": "403"},  # one-stop officers only (counter and postal intake)
    # Pages that change a dossier: a monitor reads the dossier but is read-only (403; docs/security.md, "Scopes").
    "backoffice:digitize": {**OFFICE_DOSSIER, "monitor": "403"},
    "backoffice:note": {"anon": "login", "owner": "403", "citizen": "403", "superuser": "403", "outsider": "404",
                        "monitor": "403", "*": "seen"},  # an empty note: 4xx to who may write, 404 to who cannot see
    "backoffice:print": OFFICE_SLIP,
    "backoffice:print_pdf": OFFICE_SLIP,
    "backoffice:print_event": HANDOVER_NOTE,
    "backoffice:print_pdf_event": HANDOVER_NOTE,
    "backoffice:unit_admin_home": UNIT_ADMIN,
    "backoffice:unit_admin_unit": UNIT_ADMIN,
    "backoffice:unit_admin": UNIT_ADMIN,
    "notifications:profile": SIGNED_IN,  # the person's own channels
    "notifications:dead_letters": {"superuser": "ok", "catalogue": "404", "*": "404"},  # operators (superusers) only
    # The demo gateways are on in tests (DEMO_SMS_ENABLED, DEMO_NATIONAL_ENABLED) and open to anybody, as a
    # provider's test console is; `check --deploy` errors when they are on with DEBUG=False (docs/security.md).
    "demo_sms:page": PUBLIC,
    "demo_sms:messages": PROTOCOL,
    "demo_national:receive": PROTOCOL,  # POST only, bearer NATIONAL_SYNC_TOKEN when set
    "demo_national:dossier": PROTOCOL,
    "demo_national:outside": PROTOCOL,  # the demo outside agency (integrations/demo_outside.py): POST only, no data kept
    "petitions:public": PUBLIC,
    "petitions:new": PUBLIC,  # the anonymous are sent to verify a contact first
    "petitions:verify": PUBLIC,
    "petitions:mine": PUBLIC,
    "petitions:queue": PETITION_OFFICE,
    "petitions:register": PETITION_OFFICE,
    "petitions:stats": PETITION_OFFICE,
    "petitions:detail": PETITION,
    "petitions:act": {"owner": "seen", "unit_staff": "seen", "overseer": "seen", "*": "404"},
    "monitoring:home": {"anon": "login", "*": "any"},
    "monitoring:public": PUBLIC,
    "monitoring:unit": {"anon": "login", "*": "any"},
    "monitoring:dossiers": {"anon": "login", "*": "any"},
    "monitoring:export": {"anon": "login", "*": "any"},
    "monitoring:explain": {"anon": "login", "*": "any"},
    "monitoring:explain_csv": {"anon": "login", "*": "any"},
    # The insight page and its CSV (insights/views.py): the leaders of the unit's subtree (approver of An Bình,
    # the province's administrator and monitor, a superuser) see it; anyone else 404 (which units exist is not theirs to learn).
    "insights:steps": {"anon": "login", "approver/a": "ok", "unit_admin": "ok", "monitor": "ok", "superuser": "ok",
                       "catalogue": "404", "*": "404"},
    "insights:steps_csv": {"anon": "login", "approver/a": "ok", "unit_admin": "ok", "monitor": "ok", "superuser": "ok",
                       "catalogue": "404", "*": "404"},
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
    "portal:result_document": {"anon": "login", "*": "404"},
    "portal:receipt": DOSSIER_FILE,  # the receipt exists for A (received), not yet for B
    "portal:apology": {"anon": "login", "*": "404"},
    "portal:component": DOSSIER,
    "portal:supplement": PROTOCOL,
    "portal:withdraw": PROTOCOL,
    "portal:pay": PROTOCOL,
    "portal:payment_receipt": {"anon": "login", "*": "404"},
    "portal:documents": SIGNED_IN,
    "portal:document": OWNER_ONLY,
    "portal:access_log": SIGNED_IN,
}

API = {
    "POST /api/v1/catalog/drafts": {"anon": "login", "catalog_editor": "ok", "*": "403"},
    "GET /api/v1/catalog/drafts": SIGNED_IN,
    "GET /api/v1/catalog/drafts/{draft_id}": CATALOG_DRAFT,
    # Without If-Match: 428 to the editor, 403 to the approver (not an editor); not found to the rest.
    "PUT /api/v1/catalog/drafts/{draft_id}": {**CATALOG_DRAFT, "catalog_editor": "428", "catalog_approver": "403"},
    # Already submitted: 409 to the editor; the approver is no editor.
    "POST /api/v1/catalog/drafts/{draft_id}/submit": {**CATALOG_DRAFT, "catalog_editor": "409", "catalog_approver": "403"},
    "POST /api/v1/catalog/drafts/{draft_id}/return": {**CATALOG_DRAFT, "catalog_editor": "403"},
    "POST /api/v1/catalog/drafts/{draft_id}/publish": {**CATALOG_DRAFT, "catalog_editor": "403"},
    "GET /api/v1/catalog/drafts/{draft_id}/diff": CATALOG_DRAFT,
    # The matrix sends no file: 422 (the multipart is read before the role is asked); with a zip, 403 to all but the
    # catalogue's editors (tests/authoring/test_round_trip.py).
    "POST /api/v1/catalog/imports": {"anon": "login", "*": "422"},
    "GET /api/v1/procedures/{code}/versions": PUBLIC,
    "GET /api/v1/procedures/{code}/versions/{number}/diff": PUBLIC,
    "POST /api/v1/procedures/{code}/abolish": {"anon": "login", "catalog_approver": "ok", "*": "404"},
    "GET /api/v1/procedures": PUBLIC,
    "GET /api/v1/procedures/{code}": PUBLIC,
    "POST /api/v1/dossiers": {"anon": "login", "*": "seen"},
    "GET /api/v1/dossiers": SIGNED_IN,
    "GET /api/v1/dossiers/{code}": {"anon": "login", "citizen": "404", "outsider": "404", "superuser": "404",
                                    "*": "ok"},
    # The province's one-stop centre (parent) reads a commune's dossier but receives or acts on it only for a
    # procedure received regardless of boundary (`receive_anywhere`; birth registration is not): 403 on B
    # (A is closed: 409). docs/security.md, "Scopes"; tests/security/test_scopes.py.
    "POST /api/v1/dossiers/{code}/actions/receive": DESK_ACTION,
    "POST /api/v1/dossiers/{code}/actions/refuse": DESK_ACTION,
    "POST /api/v1/dossiers/{code}/actions/request_supplement": DESK_ACTION,
    "POST /api/v1/dossiers/{code}/actions/submit_supplement": ACTION,
    "POST /api/v1/dossiers/{code}/actions/request_payment": ACTION,
    "POST /api/v1/dossiers/{code}/actions/confirm_payment": ACTION,
    "POST /api/v1/dossiers/{code}/actions/request_obligation": ACTION,
    "POST /api/v1/dossiers/{code}/actions/fulfil_obligation": ACTION,
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
    # Who does the work (dossiers/actions/who.py): a lower desk's hand-over, an outside agency's answer recorded
    # from paper, an appointment and its visit: the holders of those steps (tests/dossiers/test_who_does_the_work.py).
    "POST /api/v1/dossiers/{code}/actions/hand_over": ACTION,
    "POST /api/v1/dossiers/{code}/actions/record_answer": ACTION,
    "POST /api/v1/dossiers/{code}/actions/set_appointment": ACTION,
    "POST /api/v1/dossiers/{code}/actions/record_visit": ACTION,
    "POST /api/v1/dossiers/{code}/rating": {"anon": "login", "*": "seen"},  # an empty body: 422 before the lookup
    "GET /api/v1/dossiers/{code}/result": {"anon": "login", "owner/a": "ok", "unit_staff/a": "ok",
                                           "overseer/a": "ok", "*": "404"},
    "GET /api/v1/dossiers/{code}/results/{number}": {"anon": "login", "*": "404"},
    "POST /api/v1/dossiers/{code}/payments": OWNER_POST,
    "GET /api/v1/dossiers/{code}/payments": {"anon": "login", "citizen": "404", "outsider": "404",
                                             "superuser": "404", "*": "ok"},
    "GET /api/v1/kpi": {"anon": "login", "superuser": "ok", "catalogue": "403", "*": "403"},
    "GET /api/v1/insights/steps": {"anon": "login", "superuser": "ok", "catalogue": "403", "*": "403"},  # scoped as GET /api/v1/kpi
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
    # Bulk actions on the one dossier named (BODIES), each cell the answer's row for it (PER_CODE): a dossier the
    # caller may not see is refused as not found; the others are let in (done, or refused for role or state).
    # The province's desk sees B but does not receive a commune's birth registration (not `receive_anywhere`).
    "POST /api/v1/dossiers/actions/receive": {**ACTION, "parent/b": "409"},
    "POST /api/v1/dossiers/actions/claim": ACTION,
    "POST /api/v1/dossiers/actions/assign": ACTION,
    "POST /api/v1/dossiers/actions/return_result": ACTION,
    # With the caller's own staged scan (BODIES). digitize on A's side: a counter dossier of An Bình with its
    # certificate kept on paper (PAPER), digitized by An Bình's one-stop officer (the province's desk, of another
    # level, may not act on it: 403); B came online: refused for the state to those who see it.
    # digitize_result: A and B came online (refused).
    "POST /api/v1/dossiers/{code}/actions/digitize": {**ACTION, "onestop/a": "ok", "parent/a": "403", "owner/a": "403",
                                                      "unit_staff/a": "403", "overseer/a": "403"},
    "POST /api/v1/dossiers/{code}/actions/digitize_result": ACTION,
    "POST /api/v1/dossiers/{code}/actions/keep_on_paper": ACTION,  # a valid body (BODIES): 404 outside
    "POST /api/v1/petitions": {"anon": "login", "*": "seen"},  # an empty body: 422
    "GET /api/v1/petitions/public": PUBLIC,
    "POST /api/v1/petitions/attachments": {"anon": "login", "*": "seen"},  # no file: 422; the anonymous with a contact token: tests/petitions
    "POST /api/v1/petitions/contact-codes": PROTOCOL,
    "POST /api/v1/petitions/contact-codes/verify": PROTOCOL,
    "GET /api/v1/petitions/{code}": {"anon": "login", "citizen": "404", "outsider": "404", "superuser": "404",
                                    "*": "ok"},
    "POST /api/v1/petitions/{code}/actions/refuse": PETITION_ACTION,
    "POST /api/v1/petitions/{code}/actions/request_information": PETITION_ACTION,
    "POST /api/v1/petitions/{code}/actions/provide_information": PETITION_ACTION,
    "POST /api/v1/petitions/{code}/actions/answer": PETITION_ACTION,
    "POST /api/v1/petitions/{code}/actions/forward": PETITION_ACTION,
    "POST /api/v1/petitions/{code}/actions/complain_again": PETITION_ACTION,
    "POST /api/v1/petitions/{code}/actions/publish": PETITION_SEEN,
    "POST /api/v1/petitions/{code}/actions/like": PETITION_SEEN,
    "POST /api/v1/petitions/{code}/actions/dislike": PETITION_SEEN,
    "POST /api/v1/webhooks": {"anon": "login", "*": "seen"},  # an empty body: 422
    "GET /api/v1/webhooks": SIGNED_IN,
    # An outside agency's later answer (integrations/outside_api.py): no user has any say, the agency's signature
    # does; an agency with no secret configured ("x", as every cell asks) is 404 to everyone, token or not
    # (tests/integrations/test_outside_answers.py: the signed, stale, forged and foreign cases).
    "POST /api/v1/outside/{agency}/answers": "404",  # the subscriptions of the caller's administered units (none for others)
    "GET /api/v1/webhooks/{sub_id}": WEBHOOK,
    "DELETE /api/v1/webhooks/{sub_id}": WEBHOOK,
    "POST /api/v1/webhooks/{sub_id}/rotate-secret": WEBHOOK,
    "GET /api/v1/webhooks/{sub_id}/deliveries": WEBHOOK,
    "POST /api/v1/webhooks/{sub_id}/deliveries/{delivery_id}/replay": {"anon": "login", "*": "404"},  # no delivery
}

# API bodies (JSON) of operations that validate their input before looking the object up: with a valid body
# the cell tests who may reach the object, not the validation. Others are sent `{}`.
BODIES: dict[str, dict] = {
    "POST /api/v1/catalog/drafts/{draft_id}/return": {"comments": "Ghi rõ căn cứ pháp lý."},
    "POST /api/v1/petitions/{code}/actions/refuse": {"reason": "Không thuộc thẩm quyền"},
    "POST /api/v1/petitions/{code}/actions/request_information": {"reason": "Cần thêm địa chỉ"},
    "POST /api/v1/petitions/{code}/actions/provide_information": {"body": "Thôn 2"},
    "POST /api/v1/petitions/{code}/actions/answer": {"answer": "Đã sửa đèn"},
    "POST /api/v1/petitions/{code}/actions/forward": {"unit": "000.12.00.H99", "reason": "Đúng địa bàn"},
    "POST /api/v1/petitions/{code}/actions/complain_again": {"reason": "Chưa sửa"},
    "POST /api/v1/dossiers/{code}/actions/keep_on_paper": {"key": "to_khai", "reason": "Bản giấy"},
    # "{name}": filled per cell (matrix._body): the object's code or component key, and
    # "{upload}" the asking role's own staged upload (a PDF).
    "POST /api/v1/dossiers/{code}/actions/digitize": {"key": "{key}", "upload": "{upload}"},
    "POST /api/v1/dossiers/{code}/actions/digitize_result": {"upload": "{upload}"},
    **{f"POST /api/v1/dossiers/actions/{name}": {"codes": ["{code}"]}
       for name in ("receive", "claim", "assign", "return_result", "return")},
}

# Operations asked, on A's side, about the counter dossier that keeps a component on paper (world).
PAPER = frozenset({"POST /api/v1/dossiers/{code}/actions/digitize"})

# Bulk operations: answered 200 with a row per code; the cell is that row (authz.per_code_status).
PER_CODE = frozenset(f"POST /api/v1/dossiers/actions/{name}" for name in ("receive", "claim", "assign", "return_result",
                                                                         "return"))

# Routes the OpenAPI document leaves out on purpose.
API_OUTSIDE_SCHEMA = {
    "POST /api/v1/dossiers/{code}/actions/{action}": {"anon": "login", "*": "404"},  # an unknown action
    "POST /api/v1/dossiers/actions/{action}": {"anon": "login", "*": "404"},  # an unknown bulk action
    "POST /api/v1/dossiers/actions/return": ACTION,  # return_result's alias (PER_CODE)
    "POST /api/v1/petitions/{code}/actions/{action}": {"anon": "login", "*": "404"},  # an unknown petition action
}

# Pages asked with another method than GET.
METHODS: dict[str, str] = {
    "authoring:submit": "POST",
    "authoring:return": "POST",
    "authoring:publish": "POST",
    "backoffice:note": "POST",  # an empty note: 4xx to whoever may write on the dossier, 404 to the rest
    "backoffice:bulk": "POST",
    "petitions:act": "POST",
}

# Pages whose HTML still has inline style the policy blocks (the header is checked; the body is not), each with
# why. Keep it empty: move the style to a static file (the KPI chart's is monitoring/chart.css).
CSP_KNOWN_INLINE: dict[str, str] = {}
