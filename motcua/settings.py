"""Django settings. Every value comes from the environment (see docs/operations.md)."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.translation import gettext_lazy

from motcua.catalog.files import catalog_settings
from motcua.env import (
    cache_settings,
    env_bool,
    env_int,
    env_list,
    env_secret,
    env_str,
    local_rsa_key,
    local_secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("MOTCUA_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_secret("SECRET_KEY") or local_secret_key(VAR_DIR)
# Key rotation (docs/security.md): the previous key here keeps sessions and signed links valid meanwhile.
SECRET_KEY_FALLBACKS = [k for k in env_secret("SECRET_KEY_FALLBACKS").split(",") if k.strip()]
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "motcua.identity",
    "motcua.units",
    "motcua.catalog",
    "motcua.dossiers",
    "motcua.audit",
    "motcua.notifications",
    "motcua.results",
    "motcua.payments",
    "motcua.monitoring",
    "motcua.insights",
    "motcua.integrations",
    "motcua.vault",
    "motcua.drafts",
    "motcua.authoring",
    "motcua.petitions",
    "motcua.web",
    "motcua.portal",
    "motcua.backoffice",
    "motcua.api",
    "motcua.demo",
    "motcua.ops",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    # /healthz and /readyz answer before anything else: no host check, no HTTPS redirect, no session.
    "motcua.ops.health.HealthCheckMiddleware",
    # Request id, latency metric and the request log line, around everything below.
    "motcua.ops.requests.RequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy, Permissions-Policy, no-store for signed-in answers (issue 20; docs/security.md).
    "motcua.ops.headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After LocaleMiddleware (its answer is translated): NUL in the URL is a 400, not a 500 on PostgreSQL.
    "motcua.api.middleware.RejectNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Officers' sessions end after STAFF_SESSION_IDLE_MINUTES without activity (issue 20); after the messages (it leaves one).
    "motcua.identity.idle.StaffIdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Idempotency-Key on the API's submissions, actions and payments (motcua/api/idempotency.py).
    "motcua.api.idempotency.IdempotencyMiddleware",
]

# MOTCUA_BENCH: the benchmark's URLs (the site plus a bare "ceiling" view); only `make bench` sets it.
ROOT_URLCONF = "motcua.bench_urls" if env_bool("MOTCUA_BENCH", False) else "motcua.urls"
WSGI_APPLICATION = "motcua.wsgi.application"
AUTH_USER_MODEL = "identity.User"
# Django's ModelBackend, loading the signed-in user with the citizen profile (motcua/identity/backends.py).
AUTHENTICATION_BACKENDS = ["motcua.identity.backends.UserBackend"]
LOGIN_URL = "identity:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "motcua.web.context_processors.staff",
            ],
        },
    },
]

# --- database -------------------------------------------------------------
# Embedded default: SQLite in var/. Production and CI: DATABASE_URL=postgres://…
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'motcua.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at
    # the start of a transaction so concurrent submissions queue instead of failing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    # models.W040 "SQLite does not support indexes with non-key columns": the INCLUDE columns of the
    # KPI covering index and the officer search's (dossiers.Dossier) exist for the PostgreSQL rebuild of ten
    # million dossiers; on SQLite the same index is made on its key columns, which is what is wanted,
    # so the warning would only repeat at every migrate what this comment says.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg 3 (docs/operations.md, "PostgreSQL"): DB_SERVER_SIDE_BINDING sends the values apart from the
    # statement (no quoting in Python) and lets psycopg prepare a statement after DB_PREPARE_THRESHOLD uses
    # on a connection (PostgreSQL then skips parsing and, for the short hot statements, planning). On by
    # default: a quiet `make bench` gave 14-19 % more submits and receives a second with it. Turn it off behind
    # PgBouncer older than 1.21 in transaction mode (its prepared statements would not follow the session).
    if env_bool("DB_SERVER_SIDE_BINDING", True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=env_int("DB_PREPARE_THRESHOLD", 5)
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache ----------------------------------------------------------------
# What is read on every request but changes seldom: the stamps of the calendar overrides and of the
# deadline option, the KPI catalogue facts, the e-ID provider's discovery document and keys.
# Default: each process its own (LocMemCache). CACHE_URL=redis://host:6379/1 shares it, so a change
# made in one process is seen by all at once (docs/operations.md, "Cache").
CACHES = cache_settings(env_str("CACHE_URL"))

# --- the country's catalog, languages and time -----------------------------
COUNTRY_DIR = BASE_DIR / env_str("COUNTRY_DIR", ".")  # a relative path is the repository's (countries/bd)
# The catalog directories, in order: the country's, then an installation's own (CATALOG_EXTRA_DIRS,
# comma-separated), whose entries add to the country's or replace them.
CATALOG_DIRS = [COUNTRY_DIR / "catalog", *(Path(p) for p in env_list("CATALOG_EXTRA_DIRS", "") if p)]
# The country section is read here; `motcua catalog validate` checks it.
_COUNTRY = catalog_settings(CATALOG_DIRS)
# The catalog's languages, its first the default (Vietnamese for Viet Nam, Bengali for Bangladesh).
LANGUAGES = _COUNTRY["LANGUAGES"]
LANGUAGE_CODE = _COUNTRY["LANGUAGE_CODE"]
LOCALE_PATHS = [BASE_DIR / "motcua" / "locale"]
TIME_ZONE = _COUNTRY["TIME_ZONE"]
# Another country's personal ID form (a regular expression); empty: Viet Nam's (lib/personal_id.py).
PERSONAL_ID_PATTERN = _COUNTRY["PERSONAL_ID_PATTERN"]
# The catalog's unit kinds, and those that are administrative levels (units/models.py).
UNIT_KINDS = _COUNTRY["UNIT_KINDS"]
UNIT_LEVELS = _COUNTRY["UNIT_LEVELS"]
USE_I18N = True
USE_TZ = True

# --- files ----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
# STORAGE=s3: results, apology letters and uploads in an S3-compatible object store (django-storages),
# so any web or worker node reads what another wrote. Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
# in the environment (or the node's role); see docs/operations.md.
STORAGE = env_str("STORAGE", "local")
if STORAGE not in ("local", "s3"):
    raise ValueError(f"STORAGE must be local or s3, got {STORAGE!r}")
_DEFAULT_STORAGE = (
    {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET"),
            "endpoint_url": env_str("S3_ENDPOINT_URL") or None,  # MinIO, Ceph, a national cloud…
            "region_name": env_str("S3_REGION") or None,
            "location": env_str("S3_PREFIX", ""),
            "default_acl": None,  # private objects; the application serves them after its own checks
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
    if STORAGE == "s3"
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
)
STORAGES = {
    "default": _DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Serve app static files straight from the apps when nothing was collected,
# so the embedded default needs no collectstatic step.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)
WHITENOISE_AUTOREFRESH = DEBUG

# --- security -------------------------------------------------------------
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- security hardening (issue 20; docs/security.md) — one block, to ease merging ------------------
# Cookies: Secure in production (HTTPS above), never readable by scripts, not sent on cross-site POSTs.
# SameSite=Lax, not Strict: the e-ID provider's redirect back to /oidc/callback/ is a cross-site
# top-level GET that must carry the session (it holds the login's state and PKCE verifier).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # no script reads the token: every form carries it
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# A citizen's session lasts a day of browsing; staff's end after this long without a request (0: never).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600)
STAFF_SESSION_IDLE_MINUTES = env_int("STAFF_SESSION_IDLE_MINUTES", 30)
# Content-Security-Policy (motcua/ops/headers.py): form-action also allows the e-ID provider's and the payment
# gateways' origins (read from OIDC_ISSUER and PAYMENT_GATEWAYS); more origins a form may redirect to:
CSP_FORM_ACTION_EXTRA = env_list("CSP_FORM_ACTION_EXTRA", "")
# Rate limits and lockouts (motcua/lib/ratelimit.py): "N/period" (s, m, h, d, with a multiple: 5/15m), or "off".
# "<name>" counts by account, "<name>_ip" by client address; each can be set with RATE_LIMIT_<NAME>.
# Over a limit: 429 with Retry-After. Shared between processes through CACHE_URL (Redis) in production.
RATE_LIMITS_ENABLED = env_bool("RATE_LIMITS_ENABLED", True)
_RATE_LIMIT_DEFAULTS = {
    "login": "5/15m",         # wrong passwords of one account (portal and demo e-ID), then locked 15 minutes
    "login_ip": "30/15m",     # wrong passwords from one address, whatever the account
    "eid": "10/15m",          # (an e-ID callback names no account before it succeeds: only eid_ip counts)
    "eid_ip": "20/15m",       # failed e-ID callbacks (bad state, refused code) from one address
    "eid_login": "30/5m",     # e-ID logins started from one address
    "bearer": "20/15m",       # (a bad token names no account: only bearer_ip counts)
    "bearer_ip": "30/15m",    # unknown or expired API tokens from one address
    "oauth_token": "30/m",    # the demo provider's token endpoint, by address
    "submit": "30/h",         # dossiers submitted by one account (API, draft, portal)
    "submit_ip": "600/h",
    "upload": "200/h",        # uploads and form steps with files by one account
    "upload_ip": "2000/h",
    "verify": "30/m",         # result verification (PDF check, QR pages), by address and account
    "tsa": "60/m",            # the demo time-stamping authority, by address
    "petition": "20/h",       # petitions filed by one account (API and page; petitions/limits.py counts per contact)
    "petition_ip": "200/h",
    "petition_code": "10/h",  # one-time codes asked or entered for anonymous filing (each SMS costs money)
    "petition_code_ip": "30/h",  # by address, whatever the contacts: one address cannot cycle through numbers
    "webhook": "30/h",        # webhook subscriptions created by one account
    "webhook_ip": "300/h",
    "catalog_write": "600/h",   # catalogue drafts created or saved by one account (authoring)
    "catalog_write_ip": "3000/h",
    "catalog_import": "20/h",   # zips of procedure files imported by one account
    "catalog_import_ip": "60/h",
    "outside_answer": "120/m",     # answers delivered later by one outside agency (POST /api/v1/outside/…/answers)
    "outside_answer_ip": "120/m",  # the same from one address, whatever the agency
}
RATE_LIMITS = {name: env_str(f"RATE_LIMIT_{name.upper()}", rate) for name, rate in _RATE_LIMIT_DEFAULTS.items()}
# --- end of the security hardening block ----------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# --- motcua ---------------------------------------------------------------
# The bundled demo identity provider, demo users and `motcua issue-token`.
# Must be false in production.
DEMO_IDP_ENABLED = env_bool("DEMO_IDP_ENABLED", True)
# The country's catalog as code: COUNTRY_DIR holds `catalog/` (vocabularies, unit kinds, currency,
# holiday source: docs/procedure-format.md, "The catalog") and `procedures/`. The shipped one is
# Viet Nam's (the repository itself); `countries/bd` is a demo pack for Bangladesh.
PROCEDURES_DIR = Path(env_str("PROCEDURES_DIR", str(COUNTRY_DIR / "procedures")))
# Load PROCEDURES_DIR when a web process starts (a changed file becomes a new version).
CATALOG_LOAD_ON_START = env_bool("CATALOG_LOAD_ON_START", True)
# The holiday calendar (a country code of the `holidays` library) comes from the catalog.
COUNTRY = env_str("COUNTRY", _COUNTRY["COUNTRY"])
API_TOKEN_TTL_HOURS = env_int("API_TOKEN_TTL_HOURS", 24 * 30)

# --- registries (once-only prefill, docs/architecture.md "vault") --------------
# REGISTRY_<CODE>_URL: the base URL of a registry's HTTP JSON service (GET <base>/<key>);
# a registry without a URL uses the bundled demo data in-process when DEMO_REGISTRY_ENABLED.
REGISTRY_CODES = ("population", "civil_status", "enterprise", "social_insurance", "land", "driving_licence")
REGISTRY_URLS = {
    code: env_str(f"REGISTRY_{code.upper()}_URL").rstrip("/")
    for code in REGISTRY_CODES
    if env_str(f"REGISTRY_{code.upper()}_URL")
}
REGISTRY_TIMEOUT_SECONDS = float(env_str("REGISTRY_TIMEOUT_SECONDS", "5"))
# Synthetic demo registries (population, enterprise, social insurance), also served at /demo-registry/.
DEMO_REGISTRY_ENABLED = env_bool("DEMO_REGISTRY_ENABLED", DEMO_IDP_ENABLED)
# Largest file the API's upload endpoint accepts before knowing the component (MB).
UPLOAD_MAX_MB = float(env_str("UPLOAD_MAX_MB", "20"))
# An API upload no dossier or petition named within this many days is deleted, file and all (`prune_uploads`).
UPLOAD_KEEP_DAYS = int(env_str("UPLOAD_KEEP_DAYS", "7"))
# Virus scanning of every upload by clamd (motcua/vault/clamav.py): unix:///run/clamav/clamd.ctl or
# tcp://host:3310. Empty: not scanned, and `manage.py check` warns (vault.W001); set it in production.
CLAMD_ADDRESS = env_str("CLAMD_ADDRESS", "")
CLAMD_TIMEOUT = float(env_str("CLAMD_TIMEOUT", "30"))
# Images: more pixels than this is refused before decoding (a "decompression bomb"); 50 Mpx ≈ an 8K photo × 1.5.
UPLOAD_MAX_PIXELS = int(env_str("UPLOAD_MAX_PIXELS", "50000000"))

# --- login with the national e-ID (OpenID Connect, see docs/identity.md) ------
# The address citizens use; the bundled demo provider lives under it at /idp.
PUBLIC_URL = env_str("PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
OIDC_ISSUER = env_str("OIDC_ISSUER", f"{PUBLIC_URL}/idp").rstrip("/")
OIDC_CLIENT_ID = env_str("OIDC_CLIENT_ID", "motcua-portal")
# Empty: a public client (PKCE alone); set for a confidential client.
OIDC_CLIENT_SECRET = env_secret("OIDC_CLIENT_SECRET")
# "": client_secret_basic with a secret, "none" without; or client_secret_post.
OIDC_TOKEN_AUTH_METHOD = env_str("OIDC_TOKEN_AUTH_METHOD")
OIDC_SCOPES = env_str("OIDC_SCOPES", "openid profile")
OIDC_PERSONAL_ID_CLAIM = env_str("OIDC_PERSONAL_ID_CLAIM", "personal_id")
# acr value → assurance level; an ID token without a known acr counts as level 1.
OIDC_ACR_LEVELS = {
    acr.strip(): int(level)
    for acr, _, level in (item.rpartition("=") for item in env_list("OIDC_ACR_LEVELS", "vneid:level1=1,vneid:level2=2"))
}
OIDC_TIMEOUT_SECONDS = env_int("OIDC_TIMEOUT_SECONDS", 10)
# How long the provider's discovery document and keys are reused before fetching again.
OIDC_CACHE_SECONDS = env_int("OIDC_CACHE_SECONDS", 3600)
# Clock difference tolerated between the provider and this server.
OIDC_LEEWAY_SECONDS = env_int("OIDC_LEEWAY_SECONDS", 60)

# --- online payment of fees (docs/payments.md) ------------------------------
# The bundled sandbox gateway (VNPAY 2.1.0, served at /sandbox-pay/); never in production.
PAYMENT_SANDBOX_ENABLED = env_bool("PAYMENT_SANDBOX_ENABLED", DEMO_IDP_ENABLED)
# Gateway URLs under PUBLIC_URL are answered in this process (no request from the server to itself).
PAYMENT_SANDBOX_IN_PROCESS = env_bool("PAYMENT_SANDBOX_IN_PROCESS", True)
PAYMENT_SANDBOX_TMN_CODE = env_str("PAYMENT_SANDBOX_TMN_CODE", "MOTCUA01")
# Published with the demo, like the demo password: the sandbox moves no money.
PAYMENT_SANDBOX_HASH_SECRET = env_str("PAYMENT_SANDBOX_HASH_SECRET", "MOTCUADEMOSANDBOXSECRET2026VNPAY")
PAYMENT_SANDBOX_IPN_URL = env_str("PAYMENT_SANDBOX_IPN_URL")  # default: PUBLIC_URL/payments/ipn/sandbox/
# The gateways by code: {"plugin": a registered plugin, its options…} (payments/gateways/).
PAYMENT_GATEWAYS: dict[str, dict] = {}
if PAYMENT_SANDBOX_ENABLED:
    PAYMENT_GATEWAYS["sandbox"] = {"plugin": "vnpay", "sandbox": True, "paid_online": 2}
if env_str("VNPAY_TMN_CODE"):
    PAYMENT_GATEWAYS["vnpay"] = {
        "plugin": "vnpay", "tmn_code": env_str("VNPAY_TMN_CODE"), "hash_secret": env_secret("VNPAY_HASH_SECRET"),
        "pay_url": env_str("VNPAY_PAY_URL", "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"),
        "api_url": env_str("VNPAY_API_URL", "https://sandbox.vnpayment.vn/merchant_webapi/api/transaction"),
        "paid_online": env_int("VNPAY_PAID_ONLINE", 2),
    }
# The gateway a citizen pays through; an unpaid payment expires after PAYMENT_EXPIRE_MINUTES.
PAYMENT_GATEWAY = env_str("PAYMENT_GATEWAY", "sandbox" if PAYMENT_SANDBOX_ENABLED else "vnpay")
PAYMENT_EXPIRE_MINUTES = env_int("PAYMENT_EXPIRE_MINUTES", 15)
# Gateway notifications (IPN) a minute from one address: a gateway sends from a few servers, so a
# busy installation raises it (the rest of the gateway's endpoints keep the default of 120).
PAYMENT_IPN_RATE_PER_MINUTE = env_int("PAYMENT_IPN_RATE_PER_MINUTE", 120)

if DEMO_IDP_ENABLED:
    # The bundled demo e-ID provider (django-oauth-toolkit in OIDC mode) at /idp/.
    INSTALLED_APPS.append("oauth2_provider")
    OAUTH2_PROVIDER = {
        "OIDC_ENABLED": True,
        "OIDC_RSA_PRIVATE_KEY": env_secret("OIDC_IDP_PRIVATE_KEY") or local_rsa_key(VAR_DIR),
        "OAUTH2_VALIDATOR_CLASS": "motcua.identity.provider.validator.DemoEidValidator",
        # Shown on a consent screen (never for the portal, a trusted client).
        "SCOPES": {"openid": gettext_lazy("Xác nhận danh tính"), "profile": gettext_lazy("Họ tên, số định danh cá nhân")},
        "DEFAULT_SCOPES": ["openid"],
        "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
        "OIDC_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": ["client_secret_basic", "client_secret_post", "none"],
        "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
        "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
        "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
        "ACCESS_TOKEN_EXPIRE_SECONDS": 600,
        "ID_TOKEN_EXPIRE_SECONDS": 600,
        "PKCE_REQUIRED": True,
        "REFRESH_TOKEN_REUSE_PROTECTION": True,
        # Plain-http redirects only for a local run (the demo at http://127.0.0.1:8000).
        "ALLOWED_REDIRECT_URI_SCHEMES": ["https"] if HTTPS else ["http", "https"],
        # RFC 9700 (OAuth 2.0 security best practice) everywhere.
        "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
        "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
        "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
        "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
        "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
        "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
        "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
        "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
        "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    }

# --- background work (Django Tasks API) -------------------------------------
# database: tasks are rows in the same database, run by `motcua db_worker` (no broker);
# rq: Redis queues run by `motcua rqworker default`, to scale out; immediate: run inline.
TASKS_BACKEND = env_str("TASKS_BACKEND", "database")
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
_TASK_BACKENDS = {
    # django-tasks-db's backend, its row written by an INSERT compiled once (motcua/ops/tasks_db.py).
    "database": "motcua.ops.tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ValueError(f"TASKS_BACKEND must be one of {', '.join(_TASK_BACKENDS)}, got {TASKS_BACKEND!r}")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND], "QUEUES": ["default"]}}
RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 300}}
# RQ workers must run jobs through django-tasks-rq's Job (it calls the Task); without
# this, `motcua rqworker default` would need `--job-class django_tasks_rq.Job`.
RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
if TASKS_BACKEND == "rq":
    INSTALLED_APPS.append("django_rq")  # the rqworker command
# What the scheduler's pruning keeps: delivered outbox events, finished task results (failures 4×).
OUTBOX_KEEP_DAYS = env_int("OUTBOX_KEEP_DAYS", 30)
TASK_RESULTS_KEEP_DAYS = env_int("TASK_RESULTS_KEEP_DAYS", 7)
# --- the audit log's global chain (audit/seal.py) ---------------------------
# The key that signs the chain's checkpoints: AUDIT_KEY, or AUDIT_KEY_FILE, else derived from SECRET_KEY.
# Keep it off the database server: whoever holds it and the database can rewrite history.
AUDIT_KEY = env_str("AUDIT_KEY") or (Path(env_str("AUDIT_KEY_FILE")).read_text().strip() if env_str("AUDIT_KEY_FILE") else "")
# Each checkpoint is also appended here (one JSON line): ship this file off the machine (syslog, WORM storage),
# it is what catches a tail deleted together with its checkpoints. Empty: not written.
AUDIT_CHECKPOINT_LOG = env_str("AUDIT_CHECKPOINT_LOG", str(VAR_DIR / "audit-checkpoints.log"))
# An entry not sealed this long after it was written can no longer be a transaction still committing.
AUDIT_SEAL_LAG_SECONDS = env_int("AUDIT_SEAL_LAG_SECONDS", 3600)
# PostgreSQL memory for `motcua kpi rebuild`'s grouping (its transaction only): ~1.2 GB at 10 million dossiers.
KPI_REBUILD_WORK_MEM = env_str("KPI_REBUILD_WORK_MEM", "1536MB")

# --- webhooks and the national portal's sync (docs/api.md "Webhooks", docs/operations.md) ----
# Webhook URLs on loopback, private or link-local addresses (or this server) are refused unless allowed here
# (an integrator inside the same network). Deliveries time out after WEBHOOK_TIMEOUT_SECONDS; a rotated
# secret keeps signing beside the new one for WEBHOOK_ROTATION_OVERLAP_HOURS.
WEBHOOK_ALLOW_PRIVATE_URLS = env_bool("WEBHOOK_ALLOW_PRIVATE_URLS", False)
WEBHOOK_TIMEOUT_SECONDS = float(env_str("WEBHOOK_TIMEOUT_SECONDS", "15"))
WEBHOOK_ROTATION_OVERLAP_HOURS = env_int("WEBHOOK_ROTATION_OVERLAP_HOURS", 24)
# A worker holds the deliveries it claimed this long (one killed mid-delivery loses them then);
# INTEGRATIONS_SENDERS: deliveries sent at once by one worker.
INTEGRATIONS_LEASE_SECONDS = env_int("INTEGRATIONS_LEASE_SECONDS", 300)
INTEGRATIONS_SENDERS = env_int("INTEGRATIONS_SENDERS", 8)
# At most this many of one webhook subscription's deliveries in flight per worker: a slow receiver takes no more.
WEBHOOK_SENDERS_PER_ENDPOINT = env_int("WEBHOOK_SENDERS_PER_ENDPOINT", 2)
# The bundled demo national portal at /demo-national/ (integrations/demo_national.py); never in production.
DEMO_NATIONAL_ENABLED = env_bool("DEMO_NATIONAL_ENABLED", DEMO_IDP_ENABLED)
# Where every dossier status change is pushed (empty: no sync), in the wire format of the adapter class.
# By default the demo portal, in a demo run (DEBUG, as `make demo` and `make worker`); nowhere otherwise.
NATIONAL_SYNC_URL = env_str(
    "NATIONAL_SYNC_URL", f"{PUBLIC_URL}/demo-national/api/dossiers" if DEMO_NATIONAL_ENABLED and DEBUG else ""
).rstrip("/")
NATIONAL_SYNC_ADAPTER = env_str("NATIONAL_SYNC_ADAPTER", "motcua.integrations.national.adapters.VnPortalAdapter")
NATIONAL_SYNC_TOKEN = env_str("NATIONAL_SYNC_TOKEN")
# Outside agencies that are not motcua users (a step's `outside:`, integrations/outside.py): where each one's
# requests are POSTed, as JSON {"tax": "https://…"} (over the catalog's `endpoint`); the demo's own agency
# answers at /demo-national/outside/<agency>. Without an endpoint an officer records the paper answer.
OUTSIDE_AGENCY_ENDPOINTS = json.loads(env_str("OUTSIDE_AGENCY_ENDPOINTS", "") or "{}") or (
    {a: f"{PUBLIC_URL}/demo-national/outside/{a}" for a in ("tax", "electricity", "exam_system")} if DEMO_NATIONAL_ENABLED and DEBUG else {}
)
OUTSIDE_AGENCY_TOKEN = env_str("OUTSIDE_AGENCY_TOKEN")
# The shared secret each outside agency signs its later answers with (Standard Webhooks, "whsec_…"), as JSON
# {"tax": "whsec_…"} or {"tax": ["whsec_new", "whsec_old"]} during a rotation; an agency without one cannot
# deliver answers to /api/v1/outside/<agency>/answers (404). The demo's agency signs with the published
# demo secret (integrations/demo_outside.py), in a demo run only.
DEMO_OUTSIDE_AGENCY_SECRET = "whsec_bW90Y3VhIGRlbW8gb3V0c2lkZSBhZ2VuY3kgc2VjcmV0"  # noqa: S105 - published, demo only
OUTSIDE_AGENCY_SECRETS = json.loads(env_str("OUTSIDE_AGENCY_SECRETS", "") or "{}") or (
    {a: DEMO_OUTSIDE_AGENCY_SECRET for a in ("tax", "electricity")} if DEMO_NATIONAL_ENABLED and DEBUG else {}
)
# How far a signed answer's timestamp may be from now, either way (Standard Webhooks' usual five minutes).
OUTSIDE_ANSWER_TOLERANCE_SECONDS = env_int("OUTSIDE_ANSWER_TOLERANCE_SECONDS", 300)
OUTSIDE_AGENCY_TIMEOUT_SECONDS = float(env_str("OUTSIDE_AGENCY_TIMEOUT_SECONDS", "15"))
NATIONAL_SYNC_TIMEOUT_SECONDS = float(env_str("NATIONAL_SYNC_TIMEOUT_SECONDS", "15"))
# Indicator 1.4: a dossier's receipt counts as synchronized on time when the portal acknowledged it within this.
NATIONAL_SYNC_ON_TIME_SECONDS = env_int("NATIONAL_SYNC_ON_TIME_SECONDS", 24 * 3600)

# --- signing issued results (PAdES) -----------------------------------------
# Unset: a demo certificate authority is generated in var/signing/ (check --deploy warns).
SIGNING_KEY_FILE = env_str("SIGNING_KEY_FILE")
SIGNING_CERT_FILE = env_str("SIGNING_CERT_FILE")
SIGNING_CHAIN_FILES = env_list("SIGNING_CHAIN_FILES", "")  # intermediate and root certificates, PEM
SIGNING_ROOT_FILES = env_list("SIGNING_ROOT_FILES", "")  # roots trusted when verifying; default: PKI_DIR's CA
# The installation's CA, the units' signing certificates and the demo time-stamping authority (results/pki.py).
PKI_DIR = Path(env_str("PKI_DIR", str(VAR_DIR / "pki")))
# Make a demo CA (and a demo certificate for each unit that signs) when missing; off in production.
PKI_DEMO = env_bool("PKI_DEMO", True)
# A real RFC 3161 time-stamping authority; unset: the bundled demo one (served at /pki/tsa).
TSA_URL = env_str("TSA_URL")
TSA_TIMEOUT = env_int("TSA_TIMEOUT", 10)

# --- mail -------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if env_str("EMAIL_HOST") else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # implicit TLS, usually port 465
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))  # for EMAIL_BACKEND=…filebased.EmailBackend
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "motcua <no-reply@localhost>")

# --- notifications: channels and delivery (docs/notifications.md) ------------
# The bundled demo SMS gateway (/demo-sms/: shows the texts it received); never in production
# (`check --deploy` fails with it on and DEBUG off: ops.E005).
DEMO_SMS_ENABLED = env_bool("DEMO_SMS_ENABLED", DEBUG or DEMO_IDP_ENABLED)
# The SMS provider plugin (notifications/channels/sms.py): "http" (generic JSON over HTTP), "demo" (the
# bundled gateway, in-process); empty: no SMS channel.
SMS_PROVIDER = env_str("SMS_PROVIDER", "demo" if DEMO_SMS_ENABLED else ("http" if env_str("SMS_HTTP_URL") else ""))
SMS_HTTP_URL = env_str("SMS_HTTP_URL")
SMS_HTTP_TOKEN = env_str("SMS_HTTP_TOKEN")
SMS_HTTP_TIMEOUT = env_int("SMS_HTTP_TIMEOUT", 10)
SMS_SENDER = env_str("SMS_SENDER", "DICHVUCONG")
# A worker's claim on the messages it sends, renewed before each send: a dead worker's claims
# come back within this time. Longer than one send may take (EMAIL_TIMEOUT, SMS_HTTP_TIMEOUT).
NOTIFICATIONS_LEASE_SECONDS = env_int("NOTIFICATIONS_LEASE_SECONDS", 45)
# The right-hand side of each message's stable Message-ID (<delivery uuid@domain>).
NOTIFICATIONS_MESSAGE_ID_DOMAIN = env_str("NOTIFICATIONS_MESSAGE_ID_DOMAIN", urlsplit(PUBLIC_URL).hostname or "localhost")

# --- operations: logs and metrics (docs/operations.md) ------------------------
# LOG_FORMAT=json: one JSON object a line (for a log collector), with the request id;
# LOG_REQUESTS: one line per request (method, path, status, duration, request id).
LOG_FORMAT = env_str("LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise ValueError(f"LOG_FORMAT must be text or json, got {LOG_FORMAT!r}")
LOG_REQUESTS = env_bool("LOG_REQUESTS", LOG_FORMAT == "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "motcua.ops.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(message)s"},
        "json": {"()": "motcua.ops.logs.json_formatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint reports every rendering step at INFO.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
# /metrics (Prometheus): a bearer token the scraper sends, and/or client addresses allowed.
METRICS_TOKEN = env_secret("METRICS_TOKEN")
METRICS_ALLOW = [ipaddress.ip_network(n, strict=False) for n in env_list("METRICS_ALLOW", "127.0.0.1,::1")]
METRICS_CACHE_SECONDS = env_int("METRICS_CACHE_SECONDS", 15)
