"""Settings, read from the environment (12-factor); defaults give the embedded set-up."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CASEDESK_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

# Secrets and transport security. The built-in key signs nothing outside DEBUG: without a
# real SECRET_KEY the desk refuses to start (`make run` makes one of its own under var/).
DEVELOPMENT_SECRET_KEY = "embedded-only-insecure-key-set-SECRET_KEY-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", "") or (DEVELOPMENT_SECRET_KEY if DEBUG else "")
if not DEBUG and (SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured(
        "Set SECRET_KEY to a random string of at least 50 characters (or DEBUG=true to develop)."
    )
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# Probes of a load balancer reach a web process over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients).
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "casedesk.core",
    "casedesk.accounts",
    "casedesk.branding",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "casedesk.signin",
    "casedesk.outbox",
    "casedesk.cases",
    "casedesk.search",
    "casedesk.mail",
    "casedesk.chat",
    "casedesk.sla",
    "casedesk.inventory",
    "casedesk.privacy",
    "casedesk.escalation",
    "casedesk.workbench",
    "casedesk.macd",
    "casedesk.billing",
    "casedesk.api",
    "casedesk.web",
    "casedesk.status",
    "casedesk.statuspage",
    "casedesk.reporting",
    "casedesk.solutions",
    "casedesk.helpcenter",
    "casedesk.site",
]

MIDDLEWARE = [
    "casedesk.core.requestid.RequestIdMiddleware",  # first: every line logged carries the id
    "casedesk.ops.metrics.LatencyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "casedesk.signin.middleware.SessionNoteMiddleware",  # Security: sessions listed on the account page
    "casedesk.web.second_factor.SecondFactorGate",  # Security: the second factor before anything else
    "casedesk.web.acting.ActingForMiddleware",  # the customer a partner's user acts for
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "casedesk.web.views.common.RefusalMiddleware",
    "casedesk.web.zones.ReaderZoneMiddleware",
    "csp.middleware.CSPMiddleware",  # Security: Content-Security-Policy
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "casedesk.web.context.site",
            ],
            # Times and durations read the same in every page, e-mail and feed; `{% url %}`
            # and `{% static %}` keep the addresses they worked out (`core.links`,
            # `kept_static`; a template that loads Django's `static` gets the uncached one).
            "builtins": [
                "casedesk.core.templatetags.when",
                "casedesk.core.templatetags.links",
                "casedesk.core.templatetags.kept_static",
            ],
        },
    },
]

# The queues' indexes carry the filtered columns with INCLUDE on PostgreSQL; SQLite builds
# them without those columns, as intended, so its warning about them is not shown.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'casedesk.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer commits; IMMEDIATE takes the write lock at
    # BEGIN so two writers queue instead of failing with "database is locked" mid-way.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "CASEDESK_PG_PREPARED", True
):
    # psycopg prepares on the server a statement run more often than this on a connection:
    # from its second run, so a connection opened for one request (CONN_MAX_AGE=0) pays no
    # round trip more for each. Only the kept reads of `core.prepared` can reach it:
    # Django's own cursors bind on the client, which never prepares.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 1

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["casedesk.signin.backend.Backend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# A reset link works once, and for two hours at most.
PASSWORD_RESET_TIMEOUT = 2 * 60 * 60

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("CASEDESK_TIME_ZONE", "America/Denver")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# One Redis for what every process must share (REDIS_URL): the cache holding the rate-limit
# counters (`core/throttle.py`), the Celery broker (unless CELERY_BROKER_URL names another)
# and the Channels layer. Without it: a table of the database for the cache (`make migrate`
# creates it with createcachetable) and tasks run in-process. The cache is never cleared in
# production (Django's clear() empties the whole Redis database, queues included): use
# another database number in CELERY_BROKER_URL if something must clear it.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "casedesk_cache"}
}
# Live updates and chat use this layer once Django Channels is installed: Redis in the
# production shape, in memory embedded. Unused (and harmless) until then.
# A connection's queue holds 1,000 frames (the layers' default is 100): a technician with a
# dozen busy chats must not have frames dropped in a burst (a dropped one comes back only
# when the client next resumes).
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "capacity": 1000},
    }
    if REDIS_URL
    else {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 1000}}
}

# Security: sessions are rows of their own, keyed by a digest of the cookie, listed and
# ended on the account page; the second factor (django-otp) for staff who must have it.
SESSION_ENGINE = "casedesk.signin.store"
CASEDESK_STAFF_2FA_REQUIRED = env_bool("CASEDESK_STAFF_2FA_REQUIRED", True)
CASEDESK_2FA_REVERIFY_MINUTES = int(os.environ.get("CASEDESK_2FA_REVERIFY_MINUTES", "10"))
OTP_TOTP_ISSUER = os.environ.get("CASEDESK_SITE_NAME", "casedesk")
# One limit on wrong codes, per account in the shared cache (casedesk.signin.limits).
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows an authenticator's key

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Security: a strict Content-Security-Policy on every page. Scripts and styles come from
# our own static files only (no inline code, no inline style attributes); violations are
# reported to /csp-report/ and logged.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "report-uri": "/csp-report/",
    }
}
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Attachments: a bound on size, and the kinds a browser could run refused outright.
CASEDESK_ATTACHMENT_MAX_BYTES = int(os.environ.get("CASEDESK_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = CASEDESK_ATTACHMENT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
CASEDESK_CASE_PREFIX = os.environ.get("CASEDESK_CASE_PREFIX", "CS")
# Region of phone numbers typed without a country code (caller look-up, contacts).
CASEDESK_PHONE_REGION = os.environ.get("CASEDESK_PHONE_REGION", "US")
CASEDESK_SITE_NAME = os.environ.get("CASEDESK_SITE_NAME", "casedesk")
# Provider data shown where the plan sends customers with an urgent issue: the login page
# and the new-case form.
CASEDESK_SUPPORT_PHONE = os.environ.get("CASEDESK_SUPPORT_PHONE", "+1 303 555 0100")
CASEDESK_SUPPORT_CHAT_URL = os.environ.get(
    "CASEDESK_SUPPORT_CHAT_URL", "https://www.example.com/support/chat"
)
# Live chat (plan §2): the embedding site's shared secret for vouching for its users, the
# telephony webhook's secret, and the bounds against spam.
CASEDESK_CHAT_EMBED_SECRET = os.environ.get("CASEDESK_CHAT_EMBED_SECRET", "")
CASEDESK_TELEPHONY_SECRET = os.environ.get("CASEDESK_TELEPHONY_SECRET", "")
CASEDESK_CHAT_ORIGINS = env_list("CASEDESK_CHAT_ORIGINS")  # public sites that embed the widget
CASEDESK_CHAT_STARTS_PER_HOUR = int(os.environ.get("CASEDESK_CHAT_STARTS_PER_HOUR", "10"))
CASEDESK_CHAT_MESSAGES_PER_MINUTE = int(os.environ.get("CASEDESK_CHAT_MESSAGES_PER_MINUTE", "30"))
CASEDESK_CHAT_WAIT_OFFER = timedelta(minutes=int(os.environ.get("CASEDESK_CHAT_WAIT_MINUTES", "5")))
CASEDESK_REOPEN_DAYS = int(os.environ.get("CASEDESK_REOPEN_DAYS", "7"))
CASEDESK_PAGE_SIZE = 25

# MACD requests (plan §7): the provisioning fee, the expedite fee, who works them, the
# addresses that open one by e-mail, how long an approval link works.
CASEDESK_MACD_HOURLY_RATE = os.environ.get("CASEDESK_MACD_HOURLY_RATE", "100.00")
CASEDESK_MACD_EXPEDITE_FEE = os.environ.get("CASEDESK_MACD_EXPEDITE_FEE", "150.00")
CASEDESK_MACD_TEAM = os.environ.get("CASEDESK_MACD_TEAM", "provisioning")
CASEDESK_MACD_24X7_TEAM = os.environ.get("CASEDESK_MACD_24X7_TEAM", "24x7")
CASEDESK_MACD_ADDRESSES = [a.lower() for a in env_list("CASEDESK_MACD_ADDRESSES")]
CASEDESK_MACD_APPROVAL_LINK_HOURS = int(os.environ.get("CASEDESK_MACD_APPROVAL_LINK_HOURS", "72"))


# Celery: the broker is REDIS_URL unless CELERY_BROKER_URL says otherwise (set it empty to
# run tasks in-process even with Redis as the cache). See `casedesk/core/tasks.py` for the
# delivery guarantees every task has.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# An unacknowledged task (its worker died) is handed out again after this many seconds; it
# must exceed the longest task and the longest retry countdown (`core.tasks`).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # the LOGGING below applies in workers too
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_TIMEZONE = TIME_ZONE  # beat's crontab entries are on the provider's clock
CELERY_BEAT_SCHEDULE = {
    "sweeps": {
        "task": "casedesk.run_sweeps",
        "schedule": float(os.environ.get("CASEDESK_SWEEP_INTERVAL", "15")),
        # A tick nobody took within its interval is dropped: the next one does the same work.
        "options": {"expires": float(os.environ.get("CASEDESK_SWEEP_INTERVAL", "15"))},
    },
    # The invoices of the month (SPEC §9), at 06:00 on the 27th in the site's time zone.
    "invoice_run": {
        "task": "casedesk.billing_invoice_run",
        "schedule": crontab(minute=0, hour=6, day_of_month=27),
    },
}
# Seconds an outbox batch is leased to the worker sending it (longer than a batch takes).
CASEDESK_OUTBOX_LEASE_SECONDS = int(os.environ.get("CASEDESK_OUTBOX_LEASE_SECONDS", "300"))

# Health and metrics: /metrics answers only with `Authorization: Bearer <this>` (empty: 404).
CASEDESK_METRICS_TOKEN = os.environ.get("CASEDESK_METRICS_TOKEN", "")
# Seconds the database-derived figures (queue depth, outbox lag, breaches, intake outcomes)
# are kept in the shared cache between scrapes.
CASEDESK_METRICS_CACHE_SECONDS = int(os.environ.get("CASEDESK_METRICS_CACHE_SECONDS", "10"))

# With no mail server configured (the embedded set-up) notifications are written as files
# under var/sent-mail, so nothing is lost and the demo shows what would have been sent.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 30
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "sent-mail"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "support@example.com")
CASEDESK_MAIL_DOMAIN = os.environ.get("CASEDESK_MAIL_DOMAIN", DEFAULT_FROM_EMAIL.rpartition("@")[2])
CASEDESK_BASE_URL = os.environ.get("CASEDESK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
CASEDESK_SWEEP_INTERVAL = int(os.environ.get("CASEDESK_SWEEP_INTERVAL", "15"))

# E-mail intake: the addresses mail to support arrives at (plus-addressing such as
# support+CS-000123@ is understood), limits, the loop cap, and the IMAP mailbox to poll.
CASEDESK_SUPPORT_ADDRESSES = [
    a.lower() for a in env_list("CASEDESK_SUPPORT_ADDRESSES", DEFAULT_FROM_EMAIL or "support@example.com")
]
CASEDESK_MAIL_MAX_BYTES = int(os.environ.get("CASEDESK_MAIL_MAX_BYTES", str(30 * 1024 * 1024)))
CASEDESK_AUTO_ANSWERS_PER_DAY = int(os.environ.get("CASEDESK_AUTO_ANSWERS_PER_DAY", "5"))
CASEDESK_INBOUND_MAX_ATTEMPTS = int(os.environ.get("CASEDESK_INBOUND_MAX_ATTEMPTS", "5"))
# Messages are parsed in a process of their own, within these bounds per message.
CASEDESK_MAIL_PARSE_SECONDS = float(os.environ.get("CASEDESK_MAIL_PARSE_SECONDS", "5"))
CASEDESK_MAIL_PARSE_MEMORY_MB = int(os.environ.get("CASEDESK_MAIL_PARSE_MEMORY_MB", "512"))
# Sender authentication: the receiving server whose Authentication-Results are believed
# (its authserv-id; empty: none is), and the DNS the desk checks DKIM/SPF/DMARC with
# ("system", or "none": without the server's word every sender is unverified).
CASEDESK_MAIL_AUTHSERV_ID = os.environ.get("CASEDESK_MAIL_AUTHSERV_ID", "").strip()
CASEDESK_MAIL_DNS = os.environ.get("CASEDESK_MAIL_DNS", "system").strip().lower()
CASEDESK_IMAP_HOST = os.environ.get("CASEDESK_IMAP_HOST", "")
CASEDESK_IMAP_PORT = int(os.environ.get("CASEDESK_IMAP_PORT", "993"))
CASEDESK_IMAP_SSL = env_bool("CASEDESK_IMAP_SSL", True)
CASEDESK_IMAP_USER = os.environ.get("CASEDESK_IMAP_USER", "")
CASEDESK_IMAP_PASSWORD = os.environ.get("CASEDESK_IMAP_PASSWORD", "")
CASEDESK_IMAP_FOLDER = os.environ.get("CASEDESK_IMAP_FOLDER", "INBOX")
# Where processed messages are moved; empty: they are flagged \Seen and $Casedesk instead.
CASEDESK_IMAP_DONE_FOLDER = os.environ.get("CASEDESK_IMAP_DONE_FOLDER", "")
CASEDESK_IMAP_INTERVAL = int(os.environ.get("CASEDESK_IMAP_INTERVAL", "60"))  # seconds, embedded poller
CASEDESK_MAIL_LISTEN_HOST = os.environ.get("CASEDESK_MAIL_LISTEN_HOST", "127.0.0.1")
CASEDESK_MAIL_LISTEN_PORT = int(os.environ.get("CASEDESK_MAIL_LISTEN_PORT", "8025"))

# Network status page, master cases and maintenance notices.
CASEDESK_STATUS_RECHECK_SECONDS = float(os.environ.get("CASEDESK_STATUS_RECHECK_SECONDS", "1"))
CASEDESK_STATUS_MAX_AGE = int(os.environ.get("CASEDESK_STATUS_MAX_AGE", "30"))
CASEDESK_STATUS_STALE_WHILE_REVALIDATE = int(os.environ.get("CASEDESK_STATUS_STALE_WHILE_REVALIDATE", "60"))
CASEDESK_SUBSCRIBE_PER_HOUR = int(os.environ.get("CASEDESK_SUBSCRIBE_PER_HOUR", "10"))
CASEDESK_SUBSCRIBE_LINK_HOURS = int(os.environ.get("CASEDESK_SUBSCRIBE_LINK_HOURS", "48"))
CASEDESK_MASTER_UPDATE_MINUTES = int(os.environ.get("CASEDESK_MASTER_UPDATE_MINUTES", "60"))
CASEDESK_MASTER_REMIND_MINUTES = int(os.environ.get("CASEDESK_MASTER_REMIND_MINUTES", "10"))
CASEDESK_MASTER_SUGGEST_MINUTES = int(os.environ.get("CASEDESK_MASTER_SUGGEST_MINUTES", "30"))
CASEDESK_MASTER_SUGGEST_ORGS = int(os.environ.get("CASEDESK_MASTER_SUGGEST_ORGS", "2"))
CASEDESK_MAINTENANCE_HORIZON_DAYS = int(os.environ.get("CASEDESK_MAINTENANCE_HORIZON_DAYS", "60"))
CASEDESK_PROVIDER_ACCOUNT = os.environ.get("CASEDESK_PROVIDER_ACCOUNT", "PROVIDER-NOC")
CASEDESK_ESCALATION_EMAIL = os.environ.get("CASEDESK_ESCALATION_EMAIL", "")
# Webhook targets on private or loopback addresses are refused unless listed here.
CASEDESK_WEBHOOK_ALLOWED_HOSTS = env_list("CASEDESK_WEBHOOK_ALLOWED_HOSTS")

# Logs to standard error, one line a record; LOG_FORMAT=json makes each a JSON object
# (python-json-logger). Every record carries the request id (`core/requestid.py`).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "casedesk.core.requestid.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(request_id)s %(process)d %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601 in UTC
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
