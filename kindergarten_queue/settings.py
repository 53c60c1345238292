"""Settings for Kezek, read from the environment through django-environ.

Every variable has an embedded default so that ``make run`` works on a fresh
clone: SQLite under ``var/``, local-memory cache, Celery tasks run eagerly,
e-mail to the console. Setting ``DATABASE_URL``, ``REDIS_URL``, ``SECRET_KEY``
and ``ALLOWED_HOSTS`` (with ``DJANGO_ENV=production``) switches to the
production shape; see README.md.
"""

import ipaddress
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from kindergarten_queue.release import source_fingerprint

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# --- Mode -------------------------------------------------------------------
DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in ("development", "production"):
    raise ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'.")
IS_PRODUCTION = DJANGO_ENV == "production"

DEBUG = env.bool("DEBUG", default=not IS_PRODUCTION)

_DEVELOPMENT_SECRET_KEY = "development-only-secret-key-never-use-in-production"  # noqa: S105 (refused below in production)
SECRET_KEY = env.str("SECRET_KEY", default=_DEVELOPMENT_SECRET_KEY)
if IS_PRODUCTION and SECRET_KEY == _DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY: production mode refuses the development key.")
# Django's own deploy check asks the same of a key (security.W009): refuse to start rather than warn.
if IS_PRODUCTION and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 random characters in production mode.")
if IS_PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production mode.")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
if IS_PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS: production mode answers only the host names it serves.")

# --- Applications -------------------------------------------------------------
INSTALLED_APPS = [
    "kindergarten_queue.apps.KezekAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    # Staff second factor (see that section): before accounts, whose admin hides their device admin
    "django_otp",
    "django_otp.plugins.otp_totp",
    "directory",
    "accounts",
    "audit",
    "dispatch",  # Cache and Celery: the outbox of tasks
    "queues",
    "applications",
    "bulletins",
    "placements",
    "integration",  # Integration API (see that section)
    "generation",  # load_demo and generate_national_dataset: generated data, no models
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "kindergarten_queue.apps.AxesConfig",  # Parent sign-in: counts failed checks and locks (see that section)
    "csp",  # Production settings and headers: its checks of the policy settings
]

MIDDLEWARE = [
    "core.probes.ProbeMiddleware",  # Health and metrics: /healthz, /readyz, /metrics before anything else
    "core.metrics.RequestMetricsMiddleware",  # Health and metrics: every other request counted and timed
    "audit.middleware.AuditContextMiddleware",  # Logs and the audit trail: first, so every line has the id
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Production settings and headers: see that section
    "core.middleware.NoStoreMiddleware",  # Production settings and headers: no dynamic page is cached
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "integration.api.middleware.ApiErrorShapeMiddleware",  # Integration API: 404 and 405 in its JSON shape
    "django.middleware.csrf.CsrfViewMiddleware",
    "placements.gate.GateMiddleware",  # Bulletin-day gate: a press turned away before the session is read
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # Staff second factor: request.user.is_verified()
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",  # Sessions: idle and absolute limits
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.replicas.ReplicaReadsMiddleware",  # Read replicas: which views read from the replica
    "axes.middleware.AxesMiddleware",  # Parent sign-in: last, turns a lockout into a response
]

if not DEBUG:
    # gunicorn serves the collected static files itself; runserver does it in development.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

ROOT_URLCONF = "kindergarten_queue.urls"
WSGI_APPLICATION = "kindergarten_queue.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "core.context_processors.service_contacts",
                "bulletins.context_processors.openings_head",
            ],
            # ``|local_date`` and ``|local_datetime``: every date a page shows (core/dates.py).
            "builtins": ["core.templatetags.dates"],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'kezek.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Each gunicorn thread keeps its connection across requests (the Procfile's gthread workers):
# opening one costs a few milliseconds of a page that takes ten; health checks below.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))

# --- Read replicas (issue 16; core/replicas.py, docs/deployment.md) ----------------------
# A PostgreSQL hot standby for the public read-only pages. Empty (development, tests): no
# replica, every read on the primary. The short connect timeout bounds what a dead replica costs.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
DATABASE_ROUTERS = ["core.replicas.ReplicaRouter"]
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    DATABASES["replica"].update(
        CONN_MAX_AGE=DATABASES["default"]["CONN_MAX_AGE"], TEST={"MIRROR": "default"}, ATOMIC_REQUESTS=False
    )
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 1)
# PgBouncer in transaction mode in front of the databases (issue 16; core/pooler.py,
# docs/deployment.md "PgBouncer"): DATABASE_POOLER=transaction. A server session is then
# a client's for one transaction only, so Django declares no server-side cursor (a WITH
# HOLD cursor would be fetched from another session), and the locks that outlive a
# transaction are held on connections of their own. Unset: connections go to PostgreSQL.
DATABASE_POOLER = env.str("DATABASE_POOLER", default="")
if DATABASE_POOLER not in ("", "transaction"):
    raise ImproperlyConfigured(f"DATABASE_POOLER is 'transaction' or empty, not {DATABASE_POOLER!r}.")
if DATABASE_POOLER:
    for _database in DATABASES.values():
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True
# The views that read from the replica (URL names): pages anyone may open that change nothing.
REPLICA_READ_VIEWS = env.list(
    "REPLICA_READ_VIEWS",
    default=["home", "areas:region", "areas:district", "areas:settlement", "applications:check"],
)
# Past this lag the pages read from the primary; it is measured at most every CHECK seconds per
# process, and a replica that did not answer is tried again after RETRY seconds.
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=5.0)
REPLICA_CHECK_SECONDS = env.float("REPLICA_CHECK_SECONDS", default=1.0)
REPLICA_RETRY_SECONDS = env.float("REPLICA_RETRY_SECONDS", default=5.0)
# Read your writes: after a change, the browser reads from the primary this long (well over the lag allowed).
REPLICA_STICKY_SECONDS = env.int("REPLICA_STICKY_SECONDS", default=30)

# --- Cache and Celery -----------------------------------------------------------
# Redis down must not take pages down (docs/security.md, "Redis down"): the cache
# falls back to each process's memory (core/cache.py, 0.25 s socket timeouts and a
# breaker), and tasks wait in the database's outbox until the broker takes them (dispatch).
REDIS_URL = env.str("REDIS_URL", default="")
# Every key carries the release, so no release unpickles what another kept (kindergarten_queue/release.py).
RELEASE_ID = env.str("RELEASE_ID", default="") or source_fingerprint(BASE_DIR)
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "core.cache.FallbackRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CACHES["default"]["KEY_PREFIX"] = f"kezek:{RELEASE_ID}"

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
# A publish to a dead broker fails at once instead of kombu's retry loop; the outbox keeps the task.
CELERY_BROKER_CONNECTION_TIMEOUT = 0.25
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}
# Production's broker is RabbitMQ (issue 16; docs/deployment.md, "Celery on RabbitMQ"): every queue
# is a quorum queue (replicated, durable, survives a node's restart) and every publish waits for the
# broker's confirm, so the outbox marks a task sent only once RabbitMQ has stored it.
BROKER_IS_RABBITMQ = CELERY_BROKER_URL.startswith(("amqp://", "amqps://", "pyamqp://"))
if BROKER_IS_RABBITMQ:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"confirm_publish": True}
    CELERY_TASK_DEFAULT_QUEUE_TYPE = "quorum"
    CELERY_TASK_CREATE_MISSING_QUEUE_TYPE = "quorum"
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
# Workers, on the other hand, wait out an outage of any length and reconnect.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# A task whose worker process died mid-run goes back to the queue, not lost: tasks are idempotent
# (the outbox's done rows are skipped, dispatch.tasks), so running one twice changes nothing.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TIMEZONE = "Asia/Almaty"
# Notices run in their own queue, so a slow SMS gateway never delays the work that decides places.
CELERY_TASK_ROUTES = {"applications.tasks.notify_*": {"queue": "notifications"}}
CELERY_BEAT_SCHEDULE = {
    # A benefit counts through its last day: lower the class just after midnight, Asia/Almaty.
    "expire-benefits": {"task": "applications.tasks.expire_benefits", "schedule": crontab(hour=0, minute=5)},
    # The outbox: send what waited while Redis was down (a starting worker does it too); forget sent rows.
    "relay-pending-tasks": {
        "task": "dispatch.tasks.relay_pending",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "purge-sent-tasks": {"task": "dispatch.tasks.purge_sent", "schedule": crontab(minute=40)},
    "purge-queue-changes": {"task": "queues.tasks.purge_queue_changes", "schedule": crontab(minute=50)},
    # The front page's figures (queues.summary): recounted every ten minutes, never per request;
    # a run that waited past the next one is dropped, as the next one recounts everything anyway.
    "refresh-area-summaries": {
        "task": "queues.tasks.refresh_area_summaries",
        "schedule": 600.0,
        "options": {"expires": 540},
    },
    # Notices of moves a parent asked for (applications.moves): in the morning, at most weekly each.
    "notice-position-moves": {
        "task": "applications.tasks.notice_position_moves",
        "schedule": crontab(hour=10, minute=0),
    },
    # Notices of a wait estimate's band changed, for parents who asked: the same morning, at most weekly.
    "notice-estimate-bands": {
        "task": "applications.tasks.notice_estimate_bands",
        "schedule": crontab(hour=10, minute=15),
    },
    # Children added while the person register did not answer: asked again when due, with back-off.
    "recheck-register": {
        "task": "applications.tasks.recheck_register",
        "schedule": 120.0,
        "options": {"expires": 110},
    },
}

# --- Passwords (staff only: parents sign in with a one-time code) ---------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Languages and time ---------------------------------------------------------
LANGUAGE_CODE = "kk"
# Each language is named in itself, as a language switch should show it.
LANGUAGES = [("kk", "Қазақша"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Almaty"
# Django's own date displays (the admin) read dd.mm.yyyy as every page does (core/dates.py).
FORMAT_MODULE_PATH = ["kindergarten_queue.formats"]
USE_TZ = True
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600

# --- Static files and uploads ---------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if IS_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Benefit documents are personal data: they live outside the web root and are
# never served by URL; only a permission-checking view hands them out.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=VAR_DIR / "private")
# No public uploads exist: MEDIA_ROOT is an empty place of its own, never the private documents.
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
BENEFIT_DOCUMENT_MAX_BYTES = env.int("BENEFIT_DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
# The daily open data (issue 13; docs/open-data.md): de-identified files per settlement, served by a view
# with an ETag at /open-data/. OPEN_DATA_EXPORT=false stops the nightly export (files written stay).
OPEN_DATA_EXPORT = env.bool("OPEN_DATA_EXPORT", default=True)
OPEN_DATA_ROOT = env.path("OPEN_DATA_ROOT", default=VAR_DIR / "open-data")

# --- Messages to people: SMS and e-mail -------------------------------------------
# The embedded default prints each message and keeps it in OUTBOX_DIR; production
# sets SMS_BACKEND to the HTTP gateway and EMAIL_BACKEND to SMTP (EMAIL_URL).
OUTBOX_DIR = env.path("OUTBOX_DIR", default=VAR_DIR / "outbox")
SMS_BACKEND = env.str("SMS_BACKEND", default="accounts.sms.OutboxBackend")
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")
SMS_GATEWAY_TIMEOUT = env.float("SMS_GATEWAY_TIMEOUT", default=5.0)
if SMS_BACKEND == "accounts.sms.HttpGatewayBackend" and not SMS_GATEWAY_URL:
    raise ImproperlyConfigured("SMS_BACKEND is the HTTP gateway: set SMS_GATEWAY_URL.")
# Whose phone is it (issue 15 item 6): the state register of citizens' mobile numbers says
# whether a number is registered to an IIN before it receives that IIN's codes. The embedded
# default is the local fake (PHONE_REGISTER_FAKE_FILE); production sets the HTTP adapter.
PHONE_REGISTER_BACKEND = env.str("PHONE_REGISTER_BACKEND", default="accounts.phone_register.FakeRegister")
PHONE_REGISTER_URL = env.str("PHONE_REGISTER_URL", default="")
PHONE_REGISTER_TOKEN = env.str("PHONE_REGISTER_TOKEN", default="")
PHONE_REGISTER_TIMEOUT = env.float("PHONE_REGISTER_TIMEOUT", default=3.0)
PHONE_REGISTER_FAKE_FILE = env.path(
    "PHONE_REGISTER_FAKE_FILE", default=BASE_DIR / "accounts" / "fixtures" / "phone_register.json"
)
if PHONE_REGISTER_BACKEND == "accounts.phone_register.HttpRegister" and not PHONE_REGISTER_URL:
    raise ImproperlyConfigured("PHONE_REGISTER_BACKEND is the HTTP register: set PHONE_REGISTER_URL.")
# The person register (ГБД ФЛ, issue 18): a child's names, birth date, sex and legal
# representatives come from it by IIN. The embedded default is the local fake, reading
# REGISTERS_FAKE_FILE (the demo loader writes the demo families there); production sets
# registers.bus.BusPersonRegister, the SOAP adapter of the integration bus (docs/integrations.md).
REGISTERS_BACKEND = env.str("REGISTERS_BACKEND", default="registers.persons.FakePersonRegister")
REGISTERS_FAKE_FILE = env.path("REGISTERS_FAKE_FILE", default=VAR_DIR / "registers" / "persons.sqlite3")
REGISTERS_BUS_URL = env.str("REGISTERS_BUS_URL", default="")
REGISTERS_SERVICE_ID = env.str("REGISTERS_SERVICE_ID", default="GBDFL_PERSON")
REGISTERS_SENDER_ID = env.str("REGISTERS_SENDER_ID", default="kezek")
REGISTERS_SENDER_PASSWORD = env.str("REGISTERS_SENDER_PASSWORD", default="")
# A callable (dotted path) signing the SOAP envelope with the state's crypto provider.
REGISTERS_SIGNER = env.str("REGISTERS_SIGNER", default="")
# Seconds a page waits for the register before it goes on without its answer.
REGISTERS_TIMEOUT = env.float("REGISTERS_TIMEOUT", default=3.0)
REGISTERS_BREAKER_PAUSE = env.float("REGISTERS_BREAKER_PAUSE", default=30.0)
if REGISTERS_BACKEND == "registers.bus.BusPersonRegister":
    if not REGISTERS_BUS_URL:
        raise ImproperlyConfigured("REGISTERS_BACKEND is the bus adapter: set REGISTERS_BUS_URL.")
    if IS_PRODUCTION and not REGISTERS_SIGNER:
        raise ImproperlyConfigured("The bus takes only signed requests: set REGISTERS_SIGNER in production.")
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))  # django-environ's documented way: EMAIL_BACKEND, ...
else:
    EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="core.outbox.OutboxEmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@kezek.example")

# --- Security -------------------------------------------------------------------
LOGIN_URL = "admin:login"
# The __Host- prefix makes the browser refuse the cookie unless it is Secure, for path /
# and without Domain, so no subdomain or plain-http page can plant or widen it. It
# needs https, so development (http://127.0.0.1) keeps Django's plain names.
SESSION_COOKIE_NAME = "__Host-session" if IS_PRODUCTION else "sessionid"
# Read from the cache, written through to the database; a cached copy lives at most this long
# (accounts/session_store.py), which bounds a sign-out that could not reach Redis.
SESSION_ENGINE = "accounts.session_store"
SESSION_CACHE_SECONDS = env.int("SESSION_CACHE_SECONDS", default=300)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = IS_PRODUCTION
CSRF_COOKIE_NAME = "__Host-csrftoken" if IS_PRODUCTION else "csrftoken"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = IS_PRODUCTION
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = IS_PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if IS_PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The client's address behind a reverse proxy (core/addresses.py; docs/security.md): X-Forwarded-For
# is believed only from a peer in these networks (addresses or CIDR, comma-separated), read from the
# right. Production trusts nobody unless told: list the load balancers' addresses. Development trusts
# loopback, where `make run` and a local nginx live.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[] if IS_PRODUCTION else ["127.0.0.0/8", "::1"])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy.strip(), strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an address or a network.") from _error

# --- Parent sign-in -----------------------------------------------------------
# Parents sign in with their IIN and a one-time code by SMS (RULES.md section 7;
# accounts/services.py holds the code rules and send limits). django-axes counts
# failed checks, of codes and of staff passwords in the admin alike, and locks
# an IIN (or staff username) and a client address after AXES_FAILURE_LIMIT
# failures within AXES_COOLOFF_TIME of each other, for that long (issue 6).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: a locked IIN, username or address goes no further
    "django.contrib.auth.backends.ModelBackend",  # staff passwords (the admin)
    "accounts.backends.OneTimeCodeBackend",  # parents: IIN and one-time code, no password
]
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = 1  # hour
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks: the IIN, or the address
# Failures during a lockout do not stretch it: nobody can keep a parent locked out for ever.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The same client address every limit and the audit trail use: X-Forwarded-For only from TRUSTED_PROXIES.
AXES_CLIENT_IP_CALLABLE = "core.addresses.client_address"
AXES_VERBOSE = False  # no start-up banner; logs name only the lockout parameters, masked
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout_response"
# Axes' own admin offers deleting its records; accounts/admin.py shows them read-only instead,
# with an audited "lift the lockout" that keeps every row (docs/security.md, "Nothing deletable").
AXES_ENABLE_ADMIN = False
# Axes keeps the POST data of a failure: never an IIN, a phone, a code or a token.
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "iin",
    "phone",
    "phone2",
    "code",
    "one_time_code",
    "csrfmiddlewaretoken",
]

# --- REST framework: deny by default --------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
}

# --- Integration API (issue 5) ----------------------------------------------------
# /api/v1/ for the systems of service centres, departments and the call centre:
# Bearer tokens of integration.ApiToken, permissions and the error handler are set
# on the integration views themselves, so the deny-by-default above still holds
# for every other DRF view. The schema is generated by drf-spectacular and kept
# in docs/openapi.yaml; the reference page uses the sidecar's Swagger UI (no CDN).
REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "drf_spectacular.openapi.AutoSchema"
# Per token and per client address; read on each request (integration/api/throttling.py).
INTEGRATION_API_RATE = env.str("INTEGRATION_API_RATE", default="60/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "Kezek integration API",
    "DESCRIPTION": (
        "The electronic kindergarten queue of Kazakhstan: submit applications, look them up, "
        "read queues. Systems authenticate with `Authorization: Bearer <token>`; staff signed in "
        "to the site (specialists, call-centre operators, administrators) may use their session "
        "cookie instead, with the `X-CSRFToken` header on POST. Errors are "
        '`{"error": {"code", "message", "fields"}}` in the language of `Accept-Language` (kk, ru, en).'
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"QueueKindEnum": "directory.choices.KindergartenKind.choices"},
}

# --- The rules' parameters (RULES.md section 4); regions differ, so they are settings
QUEUE_AGE_CUTOFF_MONTH = env.int("QUEUE_AGE_CUTOFF_MONTH", default=9)
QUEUE_AGE_CUTOFF_DAY = env.int("QUEUE_AGE_CUTOFF_DAY", default=1)
QUEUE_MAX_AGE_YEARS = env.int("QUEUE_MAX_AGE_YEARS", default=6)
# How far back a specialist may date a paper application's receipt: the order
# rests on that time, so an insider must not be able to move a child years ahead.
PAPER_APPLICATION_MAX_BACKDATE_DAYS = env.int("PAPER_APPLICATION_MAX_BACKDATE_DAYS", default=7)
# Four eyes: a benefit document is verified by someone other than its uploader,
# so no single insider can both enter and approve a benefit.
BENEFIT_FOUR_EYES = env.bool("BENEFIT_FOUR_EYES", default=True)

# --- Placement engine (RULES.md section 5; issue 4) -------------------------------
# Periods in days start the day after the event and end at midnight Asia/Almaty
# after their last day; working days follow Kazakhstan's public holidays.
ACCESS_WINDOW_WORKING_DAYS = env.int("ACCESS_WINDOW_WORKING_DAYS", default=3)
REFERRAL_VALID_WORKING_DAYS = env.int("REFERRAL_VALID_WORKING_DAYS", default=5)
REFERRAL_MAX_DAYS_FROM_ISSUE = env.int("REFERRAL_MAX_DAYS_FROM_ISSUE", default=30)  # calendar days
STOP_LIST_DAYS = env.int("STOP_LIST_DAYS", default=10)  # calendar days
# Queues whose accesses open in one transaction: few enough that their advisory locks fit PostgreSQL's
# lock table and a crash loses one batch (a rerun completes it), many enough that a bulletin of
# thousands of queues takes a few dozen round trips.
OPEN_ACCESS_BATCH_QUEUES = env.int("OPEN_ACCESS_BATCH_QUEUES", default=250)
# The public log of openings notes a priority window's end (places open to all) for windows ended this
# many days ago at most: the scheduled job that writes it never rereads years of bulletins.
OPEN_TO_ALL_LOG_DAYS = env.int("OPEN_TO_ALL_LOG_DAYS", default=30)
# From 1 to 31 August groups move up a year: no bulletin is published, no referral taken.
AUGUST_FREEZE = env.bool("AUGUST_FREEZE", default=True)
CELERY_TASK_ROUTES.update(
    {
        "bulletins.tasks.notify_*": {"queue": "notifications"},
        "placements.tasks.notify_*": {"queue": "notifications"},
    }
)
# Windows and validity end at midnight Asia/Almaty; the jobs run hourly, so a
# missed run is made up within the hour, and a second run does nothing.
CELERY_BEAT_SCHEDULE.update(
    {
        "end-priority-windows": {
            "task": "bulletins.tasks.end_priority_windows",
            "schedule": crontab(minute=1),
        },
        "annul-expired-referrals": {
            "task": "placements.tasks.annul_expired_referrals",
            "schedule": crontab(minute=10),
        },
        "lift-stop-list": {"task": "placements.tasks.lift_stop_list", "schedule": crontab(minute=15)},
        # The open data of each settlement, once a day when the night is quiet (bulletins.opendata).
        "export-open-data": {
            "task": "bulletins.tasks.export_open_data",
            "schedule": crontab(hour=3, minute=30),
        },
        # The age is counted on 1 September of the school year: children leave just after midnight.
        "age-out-children": {
            "task": "applications.tasks.age_out_children",
            "schedule": crontab(hour=0, minute=20),
        },
    }
)

# --- The referral PDF: a TrueType font with Kazakh and Russian letters ---------------
PDF_FONT_PATH = env.str("PDF_FONT_PATH", default="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

# Look-ups of the public check (/check/) per client address in 10 minutes: numbers cannot be walked
# through. Raise it where many parents share one address (a carrier's NAT) on bulletin day.
PUBLIC_CHECK_LOOKUPS_PER_WINDOW = env.int("PUBLIC_CHECK_LOOKUPS_PER_WINDOW", default=20)

# Comparisons of paper applications with the person register per staff member in an hour: a desk
# enters a few dozen applications a day, so the limit never slows one, and it makes a trawl of the
# register through the compare button slow and loud (applications.register_desk).
REGISTER_COMPARISONS_PER_HOUR = env.int("REGISTER_COMPARISONS_PER_HOUR", default=30)

# --- Service contacts shown on every page (RULES.md section 8) ------------------
CALL_CENTRE_PHONE = env.str("CALL_CENTRE_PHONE", default="1414")

# --- Logs and the audit trail (issue 6; docs/security.md) ------------------------------
# One handler, to standard output (the process manager keeps it on the same servers in
# Kazakhstan). Every handler carries both filters: the request id that joins a line to
# the audit events of its request, and the masking of IINs, phones, codes and secrets
# (core/logging.py). Django's "django" loggers lose their default handlers, mail_admins
# among them (an error e-mail would carry the whole request), and write through this one.
# The request id comes from the X-Request-ID header only when the proxy in front sets
# it on every request (REQUEST_ID_FROM_PROXY), and only from a peer in TRUSTED_PROXIES;
# otherwise each request gets a new one.
REQUEST_ID_FROM_PROXY = env.bool("REQUEST_ID_FROM_PROXY", default=False)
# LOG_FORMAT=json writes each line as one JSON object with the same fields (time, level,
# logger, request_id, message, and a traceback when there is one) for a log collector
# (issue 16; docs/deployment.md); the masking applies to it alike.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT is 'plain' or 'json', not {LOG_FORMAT!r}.")
LOG_FILTERS = ["request_id", "mask_personal_data"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "audit.context.RequestIdFilter"},
        "mask_personal_data": {"()": "core.logging.MaskPersonalData"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "core.logging.JsonLines",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": LOG_FILTERS},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's own handlers removed: its records go up to the root handler like everyone's.
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
    },
}
# Celery's workers and beat keep this configuration (its filters and format) instead of
# replacing the root handler with their own unmasked one.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Faults and bulletin day (issue 6; docs/security.md) -----------------------------
# At most this many Get referral presses run at once across all web processes; the rest get
# a 503 "try again in a few seconds" page at once (placements/gate.py). Every take locks the
# same few place rows of a bulletin and costs CPU on the database, so beyond a few per
# database core more takes only wait longer, each holding a gunicorn thread the other pages
# need: 8 is half the threads of one host of the Procfile (2 processes x 8 threads).
GATE_LIMIT = env.int("GATE_LIMIT", default=8)
# A token older than this is a crashed request's (gunicorn kills a worker after 30 s).
GATE_TIMEOUT_SECONDS = env.int("GATE_TIMEOUT_SECONDS", default=60)
# A connection kept across requests is checked before use, so a PostgreSQL restart
# costs the requests during the outage, not the ones after it.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Document checks run beside the notices, never in the queue of the work that decides places.
CELERY_TASK_ROUTES.update({"applications.tasks.*document*": {"queue": "documents"}})

# --- Production settings and headers (issue 6; docs/security.md) ---------------------
# Content Security Policy (django-csp): only this site's own files run and style the
# pages; an inline <script> or <style> runs only with the page's nonce
# (nonce="{{ request.csp_nonce }}"), so an injected one does not. No page may be framed,
# post a form elsewhere, or change the base URL its relative links resolve against.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# --- Benefit document uploads and retention (issue 6; docs/security.md) ---------------
# Every document of an application counts, decided or not: a parent cannot fill the
# specialists' desk or the disk with one application's scans.
BENEFIT_DOCUMENTS_PER_APPLICATION = env.int("BENEFIT_DOCUMENTS_PER_APPLICATION", default=10)
# Images are decoded before they are stored; 40 megapixels is more than a phone's photo
# of a page and about 160 MB decoded, so a small file that unpacks into gigabytes is refused.
BENEFIT_DOCUMENT_MAX_PIXELS = env.int("BENEFIT_DOCUMENT_MAX_PIXELS", default=40_000_000)
# Refused at start-up: the documents inside (or being) a folder the web server serves.
if any(
    Path(PRIVATE_MEDIA_ROOT).resolve().is_relative_to(Path(folder).resolve())
    for folder in (STATIC_ROOT, MEDIA_ROOT, *STATICFILES_DIRS)
):
    raise ImproperlyConfigured("PRIVATE_MEDIA_ROOT must lie outside every folder the web server serves.")
# The files of benefit documents are deleted this many years after their application
# ended; the register rows stay (docs/security.md, "Personal data", "Retention").
PERSONAL_DATA_RETENTION_YEARS = env.int("PERSONAL_DATA_RETENTION_YEARS", default=3)
ONE_TIME_CODE_RETENTION_DAYS = env.int("ONE_TIME_CODE_RETENTION_DAYS", default=1)
SIGN_IN_ATTEMPT_RETENTION_DAYS = env.int("SIGN_IN_ATTEMPT_RETENTION_DAYS", default=30)
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=500)
CELERY_BEAT_SCHEDULE.update(
    {
        # At night, after the benefit and age jobs and before the morning's work.
        "purge-personal-data": {
            "task": "applications.tasks.purge_personal_data",
            "schedule": crontab(hour=3, minute=40),
        },
    }
)

# --- Queue positions read from Redis (issue 7; docs/architecture.md, "Read path") ----------
# Ranks inside each class are kept in Redis sorted sets; PostgreSQL stays the truth, and any
# Redis error or stale copy falls back to counting in SQL. Empty: never use Redis for positions.
QUEUE_RANKS_REDIS_URL = env.str("QUEUE_RANKS_REDIS_URL", default=REDIS_URL)
QUEUE_RANKS_KEY_PREFIX = env.str("QUEUE_RANKS_KEY_PREFIX", default="kezek:ranks:")
# Seconds: to connect and to answer; after an error, Redis is left alone this long; one rebuild
# of a queue at a time, for at most this long.
QUEUE_RANKS_TIMEOUT = env.float("QUEUE_RANKS_TIMEOUT", default=0.2)
QUEUE_RANKS_RETRY_AFTER = env.float("QUEUE_RANKS_RETRY_AFTER", default=5.0)
QUEUE_RANKS_REBUILD_LOCK = env.int("QUEUE_RANKS_REBUILD_LOCK", default=120)
# How long the pending-change log keeps a change: Redis catches up in milliseconds, a day is ample.
QUEUE_CHANGE_LOG_HOURS = env.int("QUEUE_CHANGE_LOG_HOURS", default=24)
CELERY_TASK_ROUTES.update({"queues.tasks.*": {"queue": "ranks"}})

# --- Sessions and the staff second factor (issue 6; docs/security.md) -------------------
# A parent is signed out after 30 minutes without a request or 12 hours after signing in,
# staff after 15 minutes or 8 hours, whatever they do (accounts/sessions.py). The cookie
# never outlives the longest absolute limit; each session is cut to its own at sign-in.
SESSION_PARENT_IDLE_MINUTES = env.int("SESSION_PARENT_IDLE_MINUTES", default=30)
SESSION_PARENT_ABSOLUTE_HOURS = env.int("SESSION_PARENT_ABSOLUTE_HOURS", default=12)
SESSION_STAFF_IDLE_MINUTES = env.int("SESSION_STAFF_IDLE_MINUTES", default=15)
SESSION_STAFF_ABSOLUTE_HOURS = env.int("SESSION_STAFF_ABSOLUTE_HOURS", default=8)
SESSION_COOKIE_AGE = max(SESSION_PARENT_ABSOLUTE_HOURS, SESSION_STAFF_ABSOLUTE_HOURS) * 3600
# Staff pass a TOTP code (django-otp) after their password; the step's page, and the name
# an authenticator app shows beside the code.
SECOND_FACTOR_URL = "accounts:second_factor"
OTP_TOTP_ISSUER = "Kezek"

# --- Health and metrics (issue 16; core/probes.py, core/metrics.py) ---------------------------
# /readyz answers 503 when one of these checks fails; the others (replica, redis, broker) are
# reported, not required: the service runs without each of them (core/probes.py says why).
READYZ_REQUIRED = env.list("READYZ_REQUIRED", default=["database", "migrations"])
# Who may read /metrics: clients in these networks (the client address behind TRUSTED_PROXIES),
# or any client sending "Authorization: Bearer <METRICS_TOKEN>". Production: nobody unless told.
METRICS_ALLOWED_NETWORKS = env.list(
    "METRICS_ALLOWED_NETWORKS", default=[] if IS_PRODUCTION else ["127.0.0.0/8", "::1"]
)
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
for _network in METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network.strip(), strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {_network!r} is not a network.") from _error

# --- Benchmark (issue 7; docs/performance.md, "HTTP") -----------------------------------
# Mounts /bench/bare/, a fixed JSON through the whole middleware stack that ``make bench``
# measures the pages against. Only the gunicorn that the bench starts turns it on.
BENCHMARK_VIEWS = env.bool("BENCHMARK_VIEWS", default=False)
