"""Settings of the bureau portal, read from the environment.

PostgreSQL is the only database. With no ``DATABASE_URL`` the portal uses the private cluster
that ``scripts/serve.sh`` and ``scripts/test.sh`` start inside the project's folder (its socket
in ``var/postgres/run``); ``DATABASE_URL`` names any other server (CI, compose). Without
``REDIS_URL`` Celery tasks run inline. Every variable is listed with a comment in
``.env.example``.
"""

import datetime
import sys
from pathlib import Path
from urllib.parse import quote, unquote

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEV_SECRET_KEY = "dev-insecure-bureau-portal-key-change-me"

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a secret value when DJANGO_DEBUG is off."
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "import_export",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "bureau",
    "portal",
    "enterprises",
    "talents",
    "platforms",
    "cultivation",
    "poverty",
    "benefits",
    "imports",
    "reports",
    "api",
    "ops",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "portal.context_processors.navigation",
                "portal.context_processors.bureau",
                "bureau.pages.notifications.unread",
            ],
        },
    },
]

# The private cluster's Unix socket folder (scripts/_postgres.sh) when DATABASE_URL is unset.
PRIVATE_POSTGRES_SOCKET = BASE_DIR / "var" / "postgres" / "run"
DATABASES = {
    "default": env.db(
        "DATABASE_URL",
        default=f"postgres://postgres@{quote(str(PRIVATE_POSTGRES_SOCKET), safe='')}/bureau",
    ),
}
# A socket folder is written percent-encoded in the URL's host; libpq wants the path itself.
DATABASES["default"]["HOST"] = unquote(DATABASES["default"]["HOST"])
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "bureau.User"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out account is refused before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files in production; the plain storage keeps tests and
        # development free of a collectstatic step (and production-mode runs of the load and
        # restart tests, with DJANGO_STATIC_MANIFEST=0).
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("DJANGO_STATIC_MANIFEST", default=not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

# Uploads: spreadsheets of a few MB; anything larger is refused before it is parsed.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
# Files with more rows than this are imported by a Celery job with a progress bar.
IMPORT_BACKGROUND_ROWS = env.int("IMPORT_BACKGROUND_ROWS", default=2000)
# Most data rows one import file may have; the template's drop-downs cover as many rows.
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=200_000)
# Values per ``IN (...)`` query when an import looks up what its rows name (related records,
# existing records, unique values): a file of any size costs a few queries per column.
IMPORT_QUERY_CHUNK = env.int("IMPORT_QUERY_CHUNK", default=5000)
# Zip-bomb guards of .xlsx files: inflated size and compression ratio of any part.
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=400 * 1024 * 1024)
IMPORT_MAX_COMPRESSION_RATIO = env.int("IMPORT_MAX_COMPRESSION_RATIO", default=200)

# --- Backups --- a restore refuses an archive whose entries declare more than this unpacked,
# more than this many times its own size, or more than the disk can take while keeping
# BACKUP_MIN_FREE_BYTES free; checked on the entries' headers before anything is written.
BACKUP_MAX_UNPACKED_BYTES = env.int("BACKUP_MAX_UNPACKED_BYTES", default=50 * 1024**3)
BACKUP_MAX_COMPRESSION_RATIO = env.int("BACKUP_MAX_COMPRESSION_RATIO", default=100)
BACKUP_MIN_FREE_BYTES = env.int("BACKUP_MIN_FREE_BYTES", default=512 * 1024**2)
# On PostgreSQL the database goes through pg_dump / pg_restore / psql of the server's major
# version, looked up in this folder first, then on PATH, then in /usr/lib/postgresql/<major>/bin.
BACKUP_PG_BIN_DIR = env.str("BACKUP_PG_BIN_DIR", default="")
# A pg_dump backup carries an HMAC over its entries under this key (empty: one derived from
# SECRET_KEY), checked before anything is restored: another install restores it only with the
# same key. The restore's SQL runs as this role, without superuser rights (created if missing
# when the portal's own database user is a superuser).
BACKUP_SIGNING_KEY = env.str("BACKUP_SIGNING_KEY", default="")
BACKUP_RESTORE_ROLE = env.str("BACKUP_RESTORE_ROLE", default="bureau_restore")

# --- Import file retention --- uploaded spreadsheets and their error reports are deleted this
# many days after the import finished (beat, daily); the job rows stay as the audit trail.
IMPORT_FILE_RETENTION_DAYS = env.int("IMPORT_FILE_RETENTION_DAYS", default=90)

# --- Cache --- one shared cache when Redis is there, so dashboards agree across workers;
# it reads as a miss while Redis is down (portal/cache.py), so pages keep serving.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "TIMEOUT": 60,
            # Its keys start "<prefix>:"; clearing the cache deletes those only (portal/cache.py).
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default=""),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery --- without a broker tasks run inline, so the README's first command needs no Redis.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None) or None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE

# --- Forms --- Bootstrap 5 everywhere, rendered by a well-kept library.
# A choice among more records than this is a search box instead of a drop-down (portal/lookup.py).
LOOKUP_DROPDOWN_MAX = env.int("LOOKUP_DROPDOWN_MAX", default=100)
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
# A task whose worker died unacknowledged goes back to the queue after ``visibility_timeout``
# (Redis has no consumer-death signal); it must be longer than the longest task. The fault tests
# shorten it and the sweep interval to see a killed worker's job redone in seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}
FILTERS_EMPTY_CHOICE_LABEL = _("全部")
FILTERS_VERBOSE_LOOKUPS = {
    "in": _("多选"),
    "year": _("年份"),
    "month": _("月份"),
    "lte": _("不晚于"),
    "gte": _("不早于"),
    "exact": "",
}

# --- History --- who changed what; deleted rows stay in the history tables for restore.
SIMPLE_HISTORY_REVERT_DISABLED = False

# --- REST framework --- the same roles and township rules as the pages.
REST_FRAMEWORK = {
    # Token first: an anonymous request then gets 401 with WWW-Authenticate rather than 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Both refuse (403) a user whose one-time password is still to be changed.
        "api.authentication.TokenAuthentication",
        "api.authentication.SessionAuthentication",
    ],
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Bodies bounded in size and nesting before they are parsed, strings cleaned after.
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "api.parsers.FormParser",
        "api.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "区科技局业务平台 API",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The schema lists every endpoint, so only accounts with a role may read it.
    "SERVE_PERMISSIONS": ["api.permissions.HasRole"],
    # Separate request and response components: read-only fields stay out of request bodies.
    "COMPONENT_SPLIT_REQUEST": True,
    # Demonstration bases and achievements share one choice set; name it once.
    "ENUM_NAME_OVERRIDES": {
        "SelectionStatusEnum": "poverty.models.DemoBase.Status",
        "PlatformLevelEnum": "platforms.models.Level",
        "PolicyLevelEnum": "benefits.models.Policy.Level",
    },
}

# A JSON request body larger or nested deeper than this is refused (400) before it is parsed.
API_MAX_JSON_BYTES = env.int("API_MAX_JSON_BYTES", default=2 * 1024 * 1024)
API_MAX_JSON_DEPTH = env.int("API_MAX_JSON_DEPTH", default=32)

# --- Lists --- the rendered filter form of a list page is cached this many seconds.
LIST_FILTER_CACHE_SECONDS = env.int("LIST_FILTER_CACHE_SECONDS", default=60)

# --- Search --- the header's search box: the kinds it searches, in this order, and how many of
# each it shows before "查看全部" (portal/search.py).
GLOBAL_SEARCH_ENTITIES = [
    "enterprises.enterprise",
    "talents.talentproject",
    "talents.foreignexpert",
    "poverty.commissioner",
    "talents.introproject",
    "platforms.platform",
    "poverty.keyvillage",
    "bureau.village",
]
GLOBAL_SEARCH_PER_KIND = env.int("GLOBAL_SEARCH_PER_KIND", default=5)

# --- Printing --- a list's 打印全部 prints every filtered row, up to this many.
LIST_PRINT_MAX_ROWS = env.int("LIST_PRINT_MAX_ROWS", default=1000)

# --- Bulk actions --- 批量修改 / 批量删除 on more records than this run as a Celery job with a
# progress page, as an import does; fewer are written within the request.
BULK_JOB_THRESHOLD = env.int("BULK_JOB_THRESHOLD", default=2000)

# --- Workbench --- a key village with no service visit for this many days is listed as due.
WORKBENCH_UNVISITED_DAYS = env.int("WORKBENCH_UNVISITED_DAYS", default=60)
# 后备科小: enterprises up to this many points below the 科小 pass mark are candidates too.
CULTIVATION_SME_MARGIN = env.int("CULTIVATION_SME_MARGIN", default=10)

# --- Dashboard --- cached for a minute: a change shows within it, an import clears it.
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=60)

# --- Report --- the fonts of the official document (GB/T 9704: 小标宋 title, 仿宋 body, 黑体 and
# 楷体 headings, 宋体 page numbers). By default the free Fandol fonts, which scripts/_setup.sh and
# the Dockerfile take from Debian's texlive-lang-chinese into REPORT_FONT_DIR (the Python
# environment's share/fonts/fandol); a bureau that owns 方正小标宋 / 仿宋_GB2312 points
# REPORT_FONT_* at its files (``path.ttc#N`` picks a face of a collection). Empty means default.
REPORT_FONT_DIR = Path(
    env.str("REPORT_FONT_DIR", default="") or Path(sys.prefix) / "share" / "fonts" / "fandol"
)
REPORT_FONT_FILES = {
    "title": env.str("REPORT_FONT_TITLE", default="")
    or str(REPORT_FONT_DIR / "FandolSong-Bold.otf"),
    "body": env.str("REPORT_FONT_BODY", default="")
    or str(REPORT_FONT_DIR / "FandolFang-Regular.otf"),
    "heading": env.str("REPORT_FONT_HEADING", default="")
    or str(REPORT_FONT_DIR / "FandolHei-Regular.otf"),
    "kai": env.str("REPORT_FONT_KAI", default="") or str(REPORT_FONT_DIR / "FandolKai-Regular.otf"),
    "number": env.str("REPORT_FONT_NUMBER", default="")
    or str(REPORT_FONT_DIR / "FandolSong-Regular.otf"),
}

# --- The bureau's identity --- first-run defaults only: administrators set the district, the
# names and the report's 落款 on the 单位信息 page (bureau.models.BureauProfile), which wins.
# REPORT_DISTRICT_NAME is the older name of BUREAU_DISTRICT_NAME, still read.
BUREAU_DISTRICT_NAME = env.str("BUREAU_DISTRICT_NAME", default="") or env.str(
    "REPORT_DISTRICT_NAME", default=""
)
BUREAU_CITY_NAME = env.str("BUREAU_CITY_NAME", default="")
BUREAU_NAME = env.str("BUREAU_NAME", default="")
BUREAU_SHORT_NAME = env.str("BUREAU_SHORT_NAME", default="")
BUREAU_ISSUING_UNIT = env.str("BUREAU_ISSUING_UNIT", default="")
# Where the Chinese face of each .ttc font collection is extracted once for WeasyPrint.
REPORT_FONT_CACHE_DIR = env.str("REPORT_FONT_CACHE_DIR", default="") or None

# --- Security --- production only; development stays on plain HTTP.
# DJANGO_PLAIN_HTTP: production pages served straight over HTTP with no TLS proxy in front (the
# README's first command on a desktop or an intranet host): no redirect to HTTPS, cookies
# without the Secure flag and no HSTS, since a browser would otherwise drop the session.
PLAIN_HTTP = env.bool("DJANGO_PLAIN_HTTP", default=False)
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not PLAIN_HTTP)
    # Container probes call the health endpoint over plain HTTP from inside the host.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = not PLAIN_HTTP
    CSRF_COOKIE_SECURE = not PLAIN_HTTP
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0 if PLAIN_HTTP else 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Content Security Policy --- every script and font is served by the portal itself and no
# template has an inline script. Inline *styles* stay allowed: templates use style="" for
# widths, and htmx inserts its indicator style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# --- Login throttling (django-axes) --- a username is locked after a few wrong passwords from
# one address, for a while, with a Chinese page; an administrator may unlock earlier
# (``manage.py axes_reset_username``).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_COOLOFF_MESSAGE = _("登录失败次数过多，账号已被暂时锁定，请稍后再试或联系系统管理员。")
AXES_PERMALOCK_MESSAGE = _("登录失败次数过多，账号已被锁定，请联系系统管理员解锁。")
# Failures count per client address: REMOTE_ADDR, or behind DJANGO_TRUSTED_PROXY_COUNT reverse
# proxies the X-Forwarded-For entry the outermost one wrote (config/client_ip.py). Axes' own
# AXES_IPWARE_* settings would need django-ipware.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)


AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"
AXES_VERBOSE = False

# --- Logging --- plain lines in development, one JSON object per line on stdout in production
# so the container platform's log collector can parse them.
LOG_FORMAT = env.str("DJANGO_LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "ops.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

PORTAL_NAME = _("区科技局业务平台")

# District-wide figures are read from summaries kept by the writes (reports.tallies); False
# aggregates every figure from the records instead (the benchmark's comparison).
INDICATOR_TALLIES = True
