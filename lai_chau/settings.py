"""Settings for the Lai Châu programme-planning site, driven by environment variables.

SQLite when nothing is set (the demo); DATABASE_URL=postgres://… in production and CI.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


DEBUG = env_bool("DEBUG", default=False)


def installation_secret_key(path: Path) -> str:
    """This installation's own key: generated once into `path` (mode 0600, outside git), read back on later starts.

    A development machine then never runs on a key published with the source code.
    """
    from django.core.management.utils import get_random_secret_key

    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    key = get_random_secret_key()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY phải được đặt khi DEBUG tắt (SECRET_KEY is required when DEBUG is off).")
    SECRET_KEY = installation_secret_key(Path(os.environ.get("SECRET_KEY_FILE") or BASE_DIR / ".secret_key"))

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "pgtrigger",
    # Login throttling and lockout (lai_chau/security.py has its Vietnamese lockout page).
    "axes",
    "csp",
    "lai_chau.apps.LaiChauConfig",
    "projects",
    "beneficiaries",
    "plans",
    "budgets",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Slides the idle timeout forward, at most one session write a minute.
    "lai_chau.security.SessionIdleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Stamps history records with the user of the request that made the change.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Anonymous visitors reach only the login page (and static files).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Turns a lockout flagged during authentication into the Vietnamese lockout page; axes wants it last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lai_chau.urls"

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
                "lai_chau.context_processors.installation",
            ],
        },
    },
]

WSGI_APPLICATION = "lai_chau.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite ignores select_for_update(); IMMEDIATE transactions serialise writers instead.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Axes first: it refuses a locked-out account or address before ModelBackend spends time hashing the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "plans:plan_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "vi"
# The interface is Vietnamese for everyone: no switching by the browser's Accept-Language.
LANGUAGES = [("vi", "Tiếng Việt")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates read and print dd/mm/yyyy in every form, page and the admin (Django's `vi` locale has no input formats).
FORMAT_MODULE_PATH = ["lai_chau.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# Database triggers (plans/triggers.py, all in one place) are installed by every `migrate`, on PostgreSQL only,
# rather than written into migrations: the triggers on many-to-many tables could not be.
PGTRIGGER_INSTALL_ON_MIGRATE = True
PGTRIGGER_MIGRATIONS = False
# The admin's history pages only show the past: no "revert" form (plans/admin mixins also refuse its POST).
SIMPLE_HISTORY_REVERT_DISABLED = True

# The body this installation serves (an OrgUnit code): its name heads the pages and PDFs (lai_chau/installation.py).
ISSUER_CODE = os.environ.get("ISSUER_CODE") or "lai-chau-city"

# Digital signature of signed plans (PAdES): PEM key + certificate, or a PKCS#12 file. Unset: PDFs are unsigned.
PLAN_SIGNING_KEY = os.environ.get("PLAN_SIGNING_KEY", "")
PLAN_SIGNING_CERT = os.environ.get("PLAN_SIGNING_CERT", "")
PLAN_SIGNING_PKCS12 = os.environ.get("PLAN_SIGNING_PKCS12", "")
PLAN_SIGNING_PASSPHRASE = os.environ.get("PLAN_SIGNING_PASSPHRASE", "")

# Production hardening; behind a TLS-terminating reverse proxy that sets X-Forwarded-Proto.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

# Logins (django-axes): an account, and separately an address, is locked after LOGIN_FAILURE_LIMIT failed attempts
# until LOGIN_LOCKOUT_MINUTES have passed since the last of them.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
# Attempts refused during a lockout write nothing: they stay cheap, and the audit rows cannot be grown by a flood.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A successful login clears that account's failures: a few typos spread over a day never add up to a lockout.
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "lai_chau.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "lai_chau.security.client_ip"
# Reverse proxies in front of the app that append the client's address to X-Forwarded-For (the README's nginx: 1).
# 0 trusts REMOTE_ADDR alone; behind a proxy that would put every user behind one locked address.
REVERSE_PROXY_COUNT = int(os.environ.get("REVERSE_PROXY_COUNT", "0" if DEBUG else "1"))

# Sessions end after SESSION_IDLE_MINUTES without a request, and when the browser closes (shared office computers).
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_MINUTES", "30")) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Signing a plan asks for the password again when the last authentication is older than this (step-up).
SIGNING_REAUTH_SECONDS = int(os.environ.get("SIGNING_REAUTH_MINUTES", "5")) * 60

# No inline script or style anywhere: templates use static files only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
# Browser features the site never uses are switched off for it and anything it could embed.
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    ]
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
