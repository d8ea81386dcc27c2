"""Settings, read from the environment (12-factor); defaults give the embedded set-up."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
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
    "casedesk.outbox",
    "casedesk.cases",
    "casedesk.search",
    "casedesk.mail",
    "casedesk.sla",
    "casedesk.escalation",
    "casedesk.workbench",
    "casedesk.api",
    "casedesk.web",
    "casedesk.status",
    "casedesk.statuspage",
    "casedesk.solutions",
    "casedesk.helpcenter",
    "casedesk.site",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
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
            # Times and durations read the same in every page, e-mail and feed.
            "builtins": ["casedesk.core.templatetags.when"],
        },
    },
]

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

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
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

# Rate-limit counters live in a cache every process shares: Redis with REDIS_URL, else a
# table of the database (`make migrate` creates it with createcachetable).
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "casedesk_cache"}
}

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
CASEDESK_REOPEN_DAYS = int(os.environ.get("CASEDESK_REOPEN_DAYS", "7"))
CASEDESK_PAGE_SIZE = 25

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE = {
    "sweeps": {
        "task": "casedesk.run_sweeps",
        "schedule": float(os.environ.get("CASEDESK_SWEEP_INTERVAL", "15")),
    },
}

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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
