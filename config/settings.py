"""Settings for every environment, read from the environment (django-environ).

The defaults serve the demo: SQLite under var/, Celery tasks run eagerly in-process and
the cache lives in local memory. A real deployment sets DATABASE_URL, REDIS_URL,
SECRET_KEY and ALLOWED_HOSTS; with DEBUG off the last two are required.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="insecure-development-key-do-not-deploy")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
else:
    SECRET_KEY = env("SECRET_KEY", default="")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "DEBUG 已关闭：必须通过环境变量 SECRET_KEY 提供密钥。 (SECRET_KEY is required when DEBUG is off.)"
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DEBUG 已关闭：必须通过环境变量 ALLOWED_HOSTS 提供允许访问的主机名，以逗号分隔。"
            " (ALLOWED_HOSTS is required when DEBUG is off.)"
        )

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Served over HTTPS (the front proxy terminates TLS and says so in X-Forwarded-Proto):
# cookies only over TLS (below), HTTP redirected, browsers told to keep to HTTPS (HSTS). Production
# sets HTTPS=true; the demo and the tests run over plain HTTP on localhost.
HTTPS = env.bool("HTTPS", default=False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    # Preloading asks browser makers to hard-code the host; an intranet host is on no such
    # list, so the flag is offered but not set by default (and its check is silenced).
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "import_export",
    "treebeard",
    # Sign-in lockout: its failed attempts (AccessAttempt) and their admin, axes_reset.
    "axes",
    # core is below every app and knows none of them; grid is the org tree and data scope.
    "core",
    "grid",
    "residents",
    "mediation",
    "activities",
    "services",
    "reports",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.NoStoreForSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle and absolute session limits (core/sessions.py); needs the user and messages.
    "core.sessions.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes requires: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

# Who can be a 楼栋长/单元长/场所负责人: a person on the ledger. Named here, where the apps are
# put together, because grid/ stands below residents/ and names no app above it.
GRID_HEAD_MODEL = "residents.Resident"
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
                "core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The org tree every app is scoped by, named for core the way AUTH_USER_MODEL names the
# user model: core (below every app) files changes and export jobs under a unit of it and checks
# scope through SCOPE_MODULE's functions (scope_queryset, get_in_scope_or_404,
# user_org_unit, unit_in_scope) without importing the app that provides them.
SCOPE_UNIT_MODEL = "grid.OrgUnit"
SCOPE_MODULE = "grid.scope"

# ID-number lookups (registering or correcting a resident) one person may make in an hour
# before being asked to wait: each is audited; many in a row look like someone probing.
ID_LOOKUPS_PER_HOUR = env.int("ID_LOOKUPS_PER_HOUR", default=60)
# A household whose record and members nobody has changed for this many days is on its grid
# worker's home page, to be visited and checked (入户核实).
LEDGER_STALE_AFTER_DAYS = env.int("LEDGER_STALE_AFTER_DAYS", default=365)

REDIS_URL = env("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Installations sharing one Redis keep apart by a prefix. The test suite's xdist
            # processes do the same (each with its own database, and its Celery worker
            # inheriting the variable): one process's writes would otherwise make another's
            # figures stale and share its rate-limit counters.
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default=os.environ.get("PYTEST_XDIST_WORKER", "")),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Sign-in, sessions and passwords (docs/security.md) ---------------------------------
# axes first: it refuses a locked-out client before any password is checked. Every
# authenticate() must be given the request (LoginView and the admin login do).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
# Failures of one account from one address before that pair is locked out ...
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
# ... and of one address on any accounts (core.lockout.LockoutHandler reads this).
AXES_IP_FAILURE_LIMIT = env.int("AXES_IP_FAILURE_LIMIT", default=30)
# Never by username alone: an attacker elsewhere must not be able to lock a person out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "core.lockout.LockoutHandler"
# Every lock ends by itself after the cool-off (failures older than it are forgotten).
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_COOLOFF_MESSAGE = "登录失败次数过多，账号已暂时锁定，请稍后再试。"
AXES_PERMALOCK_MESSAGE = "登录失败次数过多，账号已锁定，请联系系统管理员解锁。"
# The client's address behind TRUSTED_PROXY_COUNT proxies (nginx in front: 1).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "core.lockout.client_ip"
# axes also keeps each sign-in and sign-out (axes.AccessLog, in the admin) for the audit.

# Signed out after this many minutes without a request, and this many hours after signing
# in (core/sessions.py); both in seconds here. The cookie lasts no longer than the latter.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30) * 60
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=12) * 60 * 60
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT

# 等保2.0 complexity: at least 10 characters, three of four kinds (core/passwords.py), not
# common, not all digits, not like the person's own name. The demo accounts' password is
# set directly by seed_demo and is for the demo only.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "core.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "core.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
# The project's Chinese for what Django's newest strings and django-axes leave in English.
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
# Front-end packages come from npm (package-lock.json) and are served by the app itself:
# government intranets are often offline, so nothing loads from a CDN.
NODE_MODULES = Path(env.str("NODE_MODULES", default=str(BASE_DIR / "node_modules")))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
]
# Deployed, file names carry a content hash (cached for ever by browsers) and come from
# the manifest `collectstatic` writes. The demo and the tests serve the source files
# directly instead (pytest sets STATIC_MANIFEST=false), so they need no collectstatic.
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=not DEBUG)
# Without the manifest (the demo, the tests), WhiteNoise serves each file where the finders
# find it, DEBUG on or off; deployed, it serves collectstatic's hashed copies in STATIC_ROOT.
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "media/"

# Django's form renderer, with <select> options written in one pass (core/widgets.py).
FORM_RENDERER = "core.widgets.FormRenderer"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SESSION_COOKIE_HTTPONLY = True
# Cookies only over TLS whenever the site is served over it (HTTPS=true, above).
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=HTTPS)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=HTTPS)
# No page is ever framed, not even by the site itself; the CSP says so too (frame-ancestors).
X_FRAME_OPTIONS = "DENY"

# The Content-Security-Policy of every response (core.middleware; the shape of Django 6.0's
# setting). Nothing inline: no <script> without src, no on…= handlers, no style= or <style>
# in any template (tests/test_csp.py). data: images are Bootstrap's own icons (the navbar
# toggler, close buttons, select arrows), which its CSS draws as data: SVGs.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}

# Uploaded ledgers are read from disk, never held whole in memory by Django.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# The largest ledger file accepted (a 100,000-resident .xlsx is about 13 MB).
LEDGER_IMPORT_MAX_BYTES = env.int("LEDGER_IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
# An export (of any registered list, core.lists) with more rows than this is built by a
# Celery task, not in the request. LEDGER_EXPORT_SYNC_MAX_ROWS is its name from when only
# the ledger exported; a deployment that sets it keeps its value.
EXPORT_SYNC_MAX_ROWS = env.int(
    "EXPORT_SYNC_MAX_ROWS", default=env.int("LEDGER_EXPORT_SYNC_MAX_ROWS", default=5000)
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Celery -------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Without a broker the demo runs every task in-process, at once.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Time limits stay below the broker's visibility timeout, so a task that is still running
# is never handed to a second worker.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
CELERY_TASK_SOFT_TIME_LIMIT = 50 * 60
CELERY_TASK_TIME_LIMIT = 60 * 60
CELERY_RESULT_EXPIRES = 24 * 60 * 60
# Only job tasks (core.jobs.JobTask) set reject_on_worker_lost: a redelivered job task
# re-claims its job, but for any other task a process killed mid-way would run it again.
# Periodic tasks (celery beat); apps add theirs here as they gain them.
CELERY_BEAT_SCHEDULE: dict = {
    # Jobs whose worker died (no heartbeat): queued again, or failed once their starts are spent.
    "sweep-lost-jobs": {"task": "core.tasks.sweep_lost_jobs", "schedule": 60.0, "options": {"expires": 55}},
    # Export files (whole ID numbers among them) don't stay on disk for ever.
    "purge-old-exports": {
        "task": "core.tasks.purge_old_exports",
        "schedule": 3600.0,
        "options": {"expires": 3500},
    },
    # Today's ledger counts of every grid kept ready, those past LEDGER_COUNTS_MAX_AGE
    # deleted (residents.queries.grid_counts_refresh).
    "refresh-grid-counts": {
        "task": "residents.tasks.refresh_grid_counts",
        "schedule": 3600.0,
        "options": {"expires": 3500},
    },
    # 创建工作 reports: just after midnight on the 1st, Beijing time (CELERY_TIMEZONE), last
    # month's (and quarter's, year's) reports for every community, street and district.
    "generate-due-reports": {
        "task": "reports.tasks.generate_due_reports",
        "schedule": crontab(minute=10, hour=0, day_of_month=1),
        "options": {"expires": 6 * 3600},
    },
    # 升级预警: every morning, Beijing time, the day's overdue and repeat disputes go up to the
    # community's and the street's leaders (mediation.tasks.escalate_cases; idempotent per day).
    "escalate-mediation-cases": {
        "task": "mediation.tasks.escalate_cases",
        "schedule": crontab(minute=0, hour=7),
        "options": {"expires": 12 * 3600},
    },
}
# Seconds a grid's kept ledger counts of a day are trusted (residents.queries.grid_counts).
# Every write through the actions forgets them at once; this bounds a write that did not
# (the shell, a restored database), as DASHBOARD_CACHE_SECONDS does for the cached pages.
LEDGER_COUNTS_MAX_AGE = env.int("LEDGER_COUNTS_MAX_AGE", default=6 * 60 * 60)
# A community's report is on time when it first goes up by this day of the month after
# its period (completeness, 上报及时率).
REPORT_DUE_DAY = env.int("REPORT_DUE_DAY", default=5)
# Days a background export's file is kept after it is built (then deleted; the record stays).
EXPORT_RETENTION_DAYS = env.int("EXPORT_RETENTION_DAYS", default=7)

# --- Mediation (mediation/) ---------------------------------------------------------------
# A case's deadline (调解期限), counted from acceptance: one month by default (人民调解工作若干
# 规定), shorter for 重大 risk; extendable once, with the parties' consent and a reason.
MEDIATION_DEADLINE_DAYS = env.int("MEDIATION_DEADLINE_DAYS", default=30)
MEDIATION_MAJOR_DEADLINE_DAYS = env.int("MEDIATION_MAJOR_DEADLINE_DAYS", default=15)
MEDIATION_EXTENSION_DAYS = env.int("MEDIATION_EXTENSION_DAYS", default=30)
# A party in another case reported within this many days makes a repeat dispute (重复纠纷).
MEDIATION_REPEAT_DAYS = env.int("MEDIATION_REPEAT_DAYS", default=90)
# 回访: the days after a case succeeds on which the parties are visited, one follow-up each
# (env: "15,90").
MEDIATION_FOLLOWUP_DAYS = tuple(env.list("MEDIATION_FOLLOWUP_DAYS", cast=int, default=[15, 90]))
# The signed agreement's scan (PDF, JPG, PNG) may be at most this many megabytes.
MEDIATION_SCAN_MAX_MB = env.int("MEDIATION_SCAN_MAX_MB", default=10)
# An activity's photos (activities.photos): the largest upload accepted, the longest side the
# photo is kept at, and its thumbnail's.
ACTIVITY_PHOTO_MAX_MB = env.int("ACTIVITY_PHOTO_MAX_MB", default=15)
ACTIVITY_PHOTO_MAX_SIDE = env.int("ACTIVITY_PHOTO_MAX_SIDE", default=1600)
ACTIVITY_PHOTO_THUMB_SIDE = env.int("ACTIVITY_PHOTO_THUMB_SIDE", default=320)

# --- Services (services/) ----------------------------------------------------------------
# 信访工作条例: whether a petition is accepted is decided within 15 days of its receipt, and an
# accepted one handled within 60 days, extendable once by at most 30 with a reason. The
# regulation counts 日 (calendar days); the catalogue's time limits count working days.
PETITION_ACCEPT_DAYS = env.int("PETITION_ACCEPT_DAYS", default=15)
PETITION_HANDLING_DAYS = env.int("PETITION_HANDLING_DAYS", default=60)
PETITION_EXTENSION_DAYS = env.int("PETITION_EXTENSION_DAYS", default=30)
# Working days to handle a 诉求 that names no catalogue item (hotline, grid reports).
SERVICES_REQUEST_WORKING_DAYS = env.int("SERVICES_REQUEST_WORKING_DAYS", default=5)

# --- Background jobs (core/jobs.py) ----------------------------------------------------
# A running job touches its heartbeat at most every JOB_HEARTBEAT_INTERVAL seconds while it
# reports progress; one silent for JOB_HEARTBEAT_TIMEOUT seconds is taken as lost. The
# timeout must exceed the longest stretch between two progress reports (reading a
# 100,000-row file: about 10 s).
JOB_HEARTBEAT_INTERVAL = env.float("JOB_HEARTBEAT_INTERVAL", default=15.0)
JOB_HEARTBEAT_TIMEOUT = env.float("JOB_HEARTBEAT_TIMEOUT", default=180.0)
# Starts a job gets (task retries, redeliveries and the sweep's requeues all count).
JOB_MAX_ATTEMPTS = env.int("JOB_MAX_ATTEMPTS", default=5)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # A refused request (403/404) is logged as a warning naming the account, without a traceback.
    "filters": {"refusals": {"()": "core.logfilters.RefusalsWithoutTraceback"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["refusals"]}
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
