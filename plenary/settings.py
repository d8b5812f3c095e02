"""Settings, read from the environment (django-environ).

With nothing set, Plenary runs on SQLite with background tasks executed
in-process, so one command gives a working demo.  With ``DATABASE_URL`` and
``REDIS_URL`` it runs on PostgreSQL (psycopg 3) with a real Celery worker.
Every variable is listed in README.md.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from plenary.media_storage import media_storage
from plenary.secret_key import LOCAL_ONLY_KEY, secret_key_problem

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# No default secret in production (plenary/secret_key.py): with DEBUG off, a
# missing or published key stops the process here; `make` writes a random one
# into .env for the local demo and tests.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not DEBUG and secret_key_problem(SECRET_KEY):
    raise ImproperlyConfigured(secret_key_problem(SECRET_KEY))
SECRET_KEY = SECRET_KEY or LOCAL_ONLY_KEY
# Rotation (docs/OPERATIONS.md): the new key signs, the old ones listed here (comma-
# separated) still verify sessions, password resets and confirmation links until
# they expire.  A published key is refused here too: it would still let anyone sign.
SECRET_KEY_FALLBACKS = [key for key in env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[]) if key]
for _old_key in SECRET_KEY_FALLBACKS:
    if not DEBUG and secret_key_problem(_old_key):
        raise ImproperlyConfigured(f"DJANGO_SECRET_KEY_FALLBACKS: {secret_key_problem(_old_key)}")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Absolute base used in mails and exports ("what happened to my input" links).
# ``make run`` sets it from PORT.
SITE_URL = env.str("PLENARY_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# The site's name in page titles and in allauth's mails ("Hello from ...", the
# subject prefix): stakeholders.accounts.adapters.AccountAdapter.
PLENARY_SITE_NAME = env.str("PLENARY_SITE_NAME", default="Plenary")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",  # API tokens (django-rest-knox), stored hashed as stakeholders.ApiToken
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_countries",
    "django_celery_beat",
    "guardian",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "plenary",  # the platform: project-wide template tags and commands
    "plenary.outbox",
    "plenary.audit",
    "stakeholders",
    "consult",
    "comments",
    "feedback",
    "plenary.demo",  # the demo content and seed_demo; imports the apps above
]

MIDDLEWARE = [
    # First: a request id for every line logged, one access line, request metrics
    # (plenary/observability/middleware.py).
    "plenary.observability.middleware.ObservabilityMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "stakeholders.accounts.timezone.TimezoneMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who changed an account's flags, groups or permissions (plenary/audit/signals.py).
    "plenary.audit.middleware.AuditRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Form posts carrying control characters are refused at the door (plenary/bodies.py).
    "plenary.bodies.TextGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "stakeholders.accounts.mfa.StaffMFAMiddleware",
]

ROOT_URLCONF = "plenary.urls"
WSGI_APPLICATION = "plenary.wsgi.application"

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
                "consult.context_processors.site",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers wait for each other instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # psycopg's pool inside each process (web: gunicorn's threads share it), created
    # on first use, so after a fork.  Django requires CONN_MAX_AGE 0 with it: a
    # connection goes back to the pool at the end of each request.  Celery's prefork
    # children close their pool around every task, so workers gain nothing from it
    # (docs/OPERATIONS.md, "The processes").
    if env.bool("DATABASE_POOL", default=False):
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
            # Seconds a request waits for a free connection before failing.
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
        }
    # Behind pgbouncer in transaction mode a server-side cursor (QuerySet.iterator())
    # may outlive the server connection it was declared on: turn them off there.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
        "DATABASE_DISABLE_SERVER_SIDE_CURSORS", default=False
    )
    # psycopg 3's server-side binding: parameters sent apart from the SQL, and a
    # statement run prepare_threshold times on a kept connection prepared by
    # the server.  Off by default: docs/ARCHITECTURE.md says why.
    if env.bool("DATABASE_SERVER_SIDE_BINDING", default=False):
        DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "stakeholders.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; anonymous users get no object perms

# django-allauth: email + password, no usernames.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
# "mandatory": an account signs in once its address is confirmed.  Only then can
# allauth keep sign-up from telling that an address has an account
# (ACCOUNT_PREVENT_ENUMERATION: the mail goes to that address instead, and the
# page says the same as for a new one); "optional" brings the "already
# registered" message back.
ACCOUNT_EMAIL_VERIFICATION = env.str("PLENARY_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_PREVENT_ENUMERATION = True
# The confirmation link, opened in the browser that signed up, signs in.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "stakeholders.accounts.adapters.AccountAdapter"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
# "[Plenary] " (the site's name, not the request's host): the adapter's format_email_subject.
ACCOUNT_EMAIL_SUBJECT_PREFIX = None
# Sign-up form with a honeypot field (plenary/honeypot.py).
ACCOUNT_FORMS = {"signup": "stakeholders.accounts.forms.SignupForm"}
# allauth's rate limits ("<count>/<period>/<ip|key|user>", comma-separated; key =
# the email address typed), answered with templates/429.html.  A workshop behind
# one NAT shares one IP: raise the per-IP rates for such events.
ACCOUNT_RATE_LIMITS = {
    "login": env.str("PLENARY_RATE_LOGIN", default="30/m/ip"),
    # Failed sign-ins: per IP, and per address typed (5 per 5 minutes).
    "login_failed": env.str("PLENARY_RATE_LOGIN_FAILED", default="10/m/ip,5/5m/key"),
    "signup": env.str("PLENARY_RATE_SIGNUP", default="20/m/ip,200/h/ip"),
    "reset_password": env.str("PLENARY_RATE_PASSWORD_RESET", default="20/m/ip,5/m/key"),
    "reset_password_from_key": env.str("PLENARY_RATE_PASSWORD_RESET_FROM_KEY", default="20/m/ip"),
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
    # One verification mail per address per 3 minutes (the "send again" button).
    "confirm_email": "1/3m/key",
}
# Two-factor sign-in with an authenticator app (TOTP), at /accounts/2fa/, with
# single-use recovery codes for a lost phone.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("PLENARY_MFA_ISSUER", default="Plenary")
# Staff powers need a TOTP authenticator, on every page and API call
# (stakeholders.permissions.staff_mfa_satisfied; stakeholders/accounts/mfa.py).
PLENARY_STAFF_REQUIRE_MFA = env.bool("PLENARY_STAFF_REQUIRE_MFA", default=False)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français"), ("es", "Español"), ("pt", "Português")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("PLENARY_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("PLENARY_MEDIA_ROOT", default=BASE_DIR / "media")
# Media (attachments, stored reports): MEDIA_ROOT, or an S3-compatible bucket with
# PLENARY_MEDIA_STORAGE=s3 and django-storages' variables (plenary/media_storage.py).
PLENARY_MEDIA_STORAGE = env.str("PLENARY_MEDIA_STORAGE", default="local")
STORAGES = {
    "default": media_storage(os.environ),
    "staticfiles": {
        "BACKEND": env.str(
            "PLENARY_STATICFILES_STORAGE",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Mail.  The default prints mails to the console; docker-compose points it at Mailpit.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Plenary <noreply@plenary.example>")

# Background work.  Without REDIS_URL tasks run in-process, right after the
# transaction that asked for them commits.  With it, the outbox relay
# publishes them to Celery (see plenary/outbox).
REDIS_URL = env.str("REDIS_URL", default="")
PLENARY_TASKS_INLINE = env.bool("PLENARY_TASKS_INLINE", default=not REDIS_URL)
# In inline mode, long tasks (those CELERY_TASK_ROUTES sends to a queue of their own: the
# outcome report) run on one background thread of the web process, not in the request
# (plenary/outbox/background.py).  Off: they run in the request, as other tasks do.
PLENARY_TASKS_INLINE_BACKGROUND = env.bool("PLENARY_TASKS_INLINE_BACKGROUND", default=True)
# The broker on a Redis database of its own (docker-compose: /1; the cache: /0), so
# flushing or evicting the cache never drops a queued task.  Defaults to REDIS_URL.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL) or "memory://"
# Reports are built on a queue of their own, by workers of their own: a long report
# never holds up a receipt mail (docker-compose: worker-reports).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {"feedback.tasks.build_report": {"queue": "reports"}}
# Time limits (seconds) per kind of task (plenary/outbox/tasks.py): past the soft limit
# the task gets SoftTimeLimitExceeded (a report records itself failed), past the hard
# one its process is killed and replaced.
PLENARY_REPORT_SOFT_TIME_LIMIT = env.int("PLENARY_REPORT_SOFT_TIME_LIMIT", default=1800)
PLENARY_REPORT_TIME_LIMIT = env.int("PLENARY_REPORT_TIME_LIMIT", default=1900)
PLENARY_MAIL_SOFT_TIME_LIMIT = env.int("PLENARY_MAIL_SOFT_TIME_LIMIT", default=120)
PLENARY_MAIL_TIME_LIMIT = env.int("PLENARY_MAIL_TIME_LIMIT", default=180)
# Heartbeats of the worker, beat and relay (plenary/heartbeat.py): written to the
# cache every PLENARY_HEARTBEAT_SECONDS, stale after PLENARY_HEARTBEAT_STALE_SECONDS.
PLENARY_HEARTBEAT_SECONDS = env.float("PLENARY_HEARTBEAT_SECONDS", default=10.0)
PLENARY_HEARTBEAT_STALE_SECONDS = env.float("PLENARY_HEARTBEAT_STALE_SECONDS", default=60.0)
# /readyz?strict=1 answers 503 when the oldest unpublished outbox row is older than this.
PLENARY_OUTBOX_LAG_SECONDS = env.float("PLENARY_OUTBOX_LAG_SECONDS", default=120.0)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = PLENARY_TASKS_INLINE
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# With acks_late, a message taken by a worker that then died (SIGKILL, OOM, a lost
# host) is handed out again only after the visibility timeout.  It must exceed
# the longest countdown a task waits (retry backoff: at most 600 s), or a
# waiting retry is delivered twice (harmless, the tasks are idempotent, but
# wasteful).  Production: 3600 s.  The fault tests set a few seconds.
PLENARY_BROKER_VISIBILITY_TIMEOUT = env.int("PLENARY_BROKER_VISIBILITY_TIMEOUT", default=3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "visibility_timeout": PLENARY_BROKER_VISIBILITY_TIMEOUT,
    # How often a worker looks for abandoned messages: kombu's defaults (about every
    # 100 s) unless the timeout is short.
    "unacked_restore_interval": max(1, min(10, PLENARY_BROKER_VISIBILITY_TIMEOUT // 10)),
    "unacked_restore_throttle": 1 if PLENARY_BROKER_VISIBILITY_TIMEOUT < 600 else 10,
}
# The relay publishes again a message published but not done after this long
# (lost by Redis, or its worker gone); it must exceed the visibility timeout and
# the longest retry sequence (8 tries with backoff: about 5 minutes), or a task
# still running or waiting is delivered twice (harmless, wasteful).
PLENARY_OUTBOX_REDELIVER_SECONDS = env.int(
    "PLENARY_OUTBOX_REDELIVER_SECONDS", default=2 * PLENARY_BROKER_VISIBILITY_TIMEOUT
)
# After this many deliveries without success the relay gives up (logged, admin).
PLENARY_OUTBOX_MAX_DELIVERIES = env.int("PLENARY_OUTBOX_MAX_DELIVERIES", default=5)
# Done outbox rows are deleted after this many days (beat: prune-outbox).
PLENARY_OUTBOX_KEEP_DAYS = env.int("PLENARY_OUTBOX_KEEP_DAYS", default=30)
CELERY_TIMEZONE = TIME_ZONE
# django-celery-beat's DatabaseScheduler, beating on each tick (plenary/beat.py).
CELERY_BEAT_SCHEDULER = "plenary.heartbeat:BeatScheduler"
CELERY_BEAT_SCHEDULE = {
    "relay-outbox": {"task": "plenary.outbox.tasks.relay", "schedule": 5.0},
    "prune-outbox": {"task": "plenary.outbox.tasks.prune", "schedule": crontab(hour=4, minute=40)},
    # Daily at 06:00 (PLENARY_TIME_ZONE); idempotent per consultation per day.
    "remind-overdue-comments": {
        "task": "feedback.tasks.remind_overdue_comments",
        "schedule": crontab(hour=6, minute=0),
    },
    # Idempotent (one mail per appeal and kind), so running it often is harmless.
    "remind-appeal-deadlines": {
        "task": "feedback.tasks.remind_appeal_deadlines",
        "schedule": 6 * 60 * 60.0,
    },
    # Campaign clusters: recluster each consultation whose comments changed since its last run.
    "recluster-changed": {
        "task": "feedback.tasks.recluster_changed",
        "schedule": 15 * 60.0,
    },
    # Followers: a round closes in 7 days / in 1 day (once per round, kind, person).
    "remind-round-closing": {
        "task": "consult.tasks.remind_round_closing",
        "schedule": crontab(minute=15),
    },
    # Yesterday's replies to each participant's comments (one mail per person per day).
    "send-reply-digests": {
        "task": "consult.tasks.send_reply_digests",
        "schedule": crontab(hour=7, minute=0),
    },
    # After a consultation's last round closed: invite its participants to evaluate it (once).
    "invite-evaluations": {
        "task": "feedback.tasks.invite_evaluations",
        "schedule": crontab(minute=25),
    },
    # Rounds open and close on schedule: announce each once (consult/rounds/services.py).
    "rounds-tick": {"task": "consult.tasks.rounds_tick", "schedule": crontab()},
    # Submission network hashes past PLENARY_NETWORK_RETENTION_DAYS (comments/provenance/).
    "prune-submission-networks": {
        "task": "comments.tasks.prune_submission_networks",
        "schedule": crontab(hour=4, minute=50),
    },
}

# On Redis, the cache fails open (plenary/cache.py): a Redis outage suspends rate
# limits instead of failing requests; short timeouts bound a blackholed Redis.
CACHES = {
    "default": (
        {
            "BACKEND": "plenary.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    # The cluster-wide metrics (task runs, mails, report durations) that every web
    # process reads at scrape time (plenary/observability/metrics.py): the same
    # Redis, keys of their own.  Without Redis, the process's own memory.
    "metrics": (
        {
            "BACKEND": "plenary.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("PLENARY_METRICS_KEY_PREFIX", default="plenary-metrics"),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "metrics"}
    ),
}

# API tokens (django-rest-knox, stakeholders.ApiToken): issued by POST
# /api/v1/auth/token/ through allauth's checks, stored as SHA-512 digests, and
# dropped after this many days without use (each use moves the expiry on, at
# most once an hour: plenary.authentication).
PLENARY_API_TOKEN_IDLE_DAYS = env.int("PLENARY_API_TOKEN_IDLE_DAYS", default=30)
KNOX_TOKEN_MODEL = "stakeholders.ApiToken"
# knox's own migrations would create the table of the model KNOX_TOKEN_MODEL
# replaces (they do not mark it swappable): knox is left unmigrated.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_MODEL": KNOX_TOKEN_MODEL,
    "TOKEN_TTL": timedelta(days=PLENARY_API_TOKEN_IDLE_DAYS),
    "AUTO_REFRESH": True,
    "MIN_REFRESH_INTERVAL": 3600,
    "AUTH_HEADER_PREFIX": "Token",
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "plenary.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_SCHEMA_CLASS": "plenary.api.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # plenary.api's error format, and a staff member refused for want of a second
    # factor is told so (stakeholders/accounts/mfa.py).
    "EXCEPTION_HANDLER": "stakeholders.accounts.mfa.api_exception_handler",
    # JSON bounded in size and depth, refusing control characters (plenary/bodies.py).
    "DEFAULT_PARSER_CLASSES": [
        "plenary.bodies.JSONParser",
        "plenary.bodies.FormParser",
        "plenary.bodies.MultiPartParser",
    ],
}
# How deeply a JSON body may nest (plenary.bodies.JSONParser); ours nest two or three levels.
PLENARY_API_MAX_JSON_DEPTH = env.int("PLENARY_API_MAX_JSON_DEPTH", default=32)
SPECTACULAR_SETTINGS = {
    "TITLE": "Plenary API",
    "DESCRIPTION": "Consultations, comments and the disposition ledger.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Two different "status" choice sets: name them instead of hashing.
    "ENUM_NAME_OVERRIDES": {
        "ConsultationStatusEnum": "consult.models.Consultation.Status",
        "DispositionStatusEnum": "feedback.models.Status",
    },
}

# Product rules.
PLENARY_COMMENT_MAX_CHARS = env.int("PLENARY_COMMENT_MAX_CHARS", default=10_000)
# Attachments (comments/attachments/services.py): the size of one file, how many a comment
# may carry, and how much of each file's text is kept for search.  Files live in
# the default storage (MEDIA_ROOT or the S3 bucket); the web server must not serve
# MEDIA_ROOT, and the bucket stays private.
PLENARY_ATTACHMENT_MAX_BYTES = env.int("PLENARY_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
PLENARY_ATTACHMENTS_PER_COMMENT = env.int("PLENARY_ATTACHMENTS_PER_COMMENT", default=5)
PLENARY_ATTACHMENT_TEXT_MAX_CHARS = env.int("PLENARY_ATTACHMENT_TEXT_MAX_CHARS", default=100_000)
# A file's text is read by a background task (comments.tasks.extract_attachment_text),
# at most this many PDF pages, stopping between pages past this many seconds.
PLENARY_EXTRACT_MAX_PAGES = env.int("PLENARY_EXTRACT_MAX_PAGES", default=300)
PLENARY_EXTRACT_MAX_SECONDS = env.int("PLENARY_EXTRACT_MAX_SECONDS", default=20)
# Rounds: the shortest window (days) a round may stay open without a public
# justification (consult/rounds/services.py); the IGF's best practice is three weeks.
PLENARY_MIN_ROUND_DAYS = env.int("PLENARY_MIN_ROUND_DAYS", default=21)
# Seconds the consultation page's comment counts are kept (consult/rounds/services.py).
PLENARY_PAGE_COUNTS_SECONDS = env.int("PLENARY_PAGE_COUNTS_SECONDS", default=60)
# Seconds the consultation and section pages are kept for anonymous readers
# (plenary/pagecache.py); 0 turns the micro-cache off.  Hidden, withdrawn and
# erased text leaves at once; a new comment shows within this time.
PLENARY_PAGE_CACHE_SECONDS = env.int("PLENARY_PAGE_CACHE_SECONDS", default=5)
# Comments and replies (page and API, plenary/ratelimit.py): "<count>/<period>",
# period s, m, h or d ("10/m", "30/5m"); empty switches a limit off.
PLENARY_RATE_COMMENT_PER_ACCOUNT = env.str("PLENARY_RATE_COMMENT_PER_ACCOUNT", default="10/m")
PLENARY_RATE_COMMENT_PER_IP = env.str("PLENARY_RATE_COMMENT_PER_IP", default="30/m")
# Words no display name may be or imitate (stakeholders/names.py: compared on the
# TR39 skeleton, case and accents aside): the platform, its team and the roles the
# pages show.  Comma-separated.
PLENARY_RESERVED_NAMES = env.list(
    "PLENARY_RESERVED_NAMES",
    default=[
        "Secretariat",
        "Moderator",
        "Analyst",
        "Plenary",
        "Admin",
        "Administrator",
        "Staff",
    ],
)
# Edits of one's comments (each is a permanent revision): per account; per IP off by default.
PLENARY_RATE_COMMENT_EDIT_PER_ACCOUNT = env.str(
    "PLENARY_RATE_COMMENT_EDIT_PER_ACCOUNT", default="20/h"
)
PLENARY_RATE_COMMENT_EDIT_PER_IP = env.str("PLENARY_RATE_COMMENT_EDIT_PER_IP", default="")
# Disputed authorship (comments.disputes, issue 25): reports per account and per IP,
# and how many days the link mailed to the named person works.
PLENARY_RATE_DISPUTE_PER_ACCOUNT = env.str("PLENARY_RATE_DISPUTE_PER_ACCOUNT", default="10/h")
PLENARY_RATE_DISPUTE_PER_IP = env.str("PLENARY_RATE_DISPUTE_PER_IP", default="30/h")
PLENARY_DISPUTE_LINK_DAYS = env.int("PLENARY_DISPUTE_LINK_DAYS", default=14)
# Supports of proposed changes and their withdrawal (issue 24): per account and per IP.
PLENARY_RATE_SUPPORT_PER_ACCOUNT = env.str("PLENARY_RATE_SUPPORT_PER_ACCOUNT", default="60/m")
PLENARY_RATE_SUPPORT_PER_IP = env.str("PLENARY_RATE_SUPPORT_PER_IP", default="120/m")
# The public co-signature form of organisations' signature links (comments/signatures):
# per client address (nobody is signed in there).
PLENARY_RATE_SIGNATURE_PER_IP = env.str("PLENARY_RATE_SIGNATURE_PER_IP", default="20/h")
# Signatories an organisation's verified staff add through the API: per account.
PLENARY_RATE_SIGNATURE_STAFF_PER_ACCOUNT = env.str(
    "PLENARY_RATE_SIGNATURE_STAFF_PER_ACCOUNT", default="1000/h"
)
# Days within which every comment should get a published decision; the
# secretariat is reminded daily of comments waiting longer.
PLENARY_RESPONSE_TARGET_DAYS = env.int("PLENARY_RESPONSE_TARGET_DAYS", default=30)
# Appeals: how long after a decision is published its commenter may appeal it,
# how long the secretariat has to answer, and how early it is reminded.
# --- Provenance and bursts (issue 25, part 25c; comments/provenance, feedback/provenance) ---
# The key of the network hash (HMAC-SHA256 of a submission's /24 or /64); blank: SECRET_KEY's.
PLENARY_NETWORK_HASH_KEY = env.str("PLENARY_NETWORK_HASH_KEY", default="")
PLENARY_NETWORK_RETENTION_DAYS = env.int("PLENARY_NETWORK_RETENTION_DAYS", default=90)
# A network burst: at least SIZE submissions from one network within WINDOW minutes.
PLENARY_BURST_NETWORK_SIZE = env.int("PLENARY_BURST_NETWORK_SIZE", default=20)
# An account burst: submissions from at least ACCOUNTS accounts created within
# ACCOUNT_MINUTES of each other, submitted within WINDOW minutes.
PLENARY_BURST_ACCOUNTS = env.int("PLENARY_BURST_ACCOUNTS", default=5)
PLENARY_BURST_ACCOUNT_MINUTES = env.int("PLENARY_BURST_ACCOUNT_MINUTES", default=10)
PLENARY_BURST_WINDOW_MINUTES = env.int("PLENARY_BURST_WINDOW_MINUTES", default=10)
# --- end of provenance and bursts ---

PLENARY_APPEAL_WINDOW_DAYS = env.int("PLENARY_APPEAL_WINDOW_DAYS", default=14)
PLENARY_APPEAL_ANSWER_DAYS = env.int("PLENARY_APPEAL_ANSWER_DAYS", default=21)
PLENARY_APPEAL_REMINDER_DAYS = env.int("PLENARY_APPEAL_REMINDER_DAYS", default=3)
# Outcome reports (feedback/report/services.py): the files of the newest N finished reports
# per consultation and format are kept; older runs keep their row, not their file.
PLENARY_REPORTS_KEPT = env.int("PLENARY_REPORTS_KEPT", default=3)
# Threads on a section page: top-level comments per page, replies shown under each
# (the rest are on the thread's own page), replies per page of a thread.
PLENARY_THREADS_PER_PAGE = env.int("PLENARY_THREADS_PER_PAGE", default=20)
PLENARY_REPLIES_SHOWN = env.int("PLENARY_REPLIES_SHOWN", default=3)
PLENARY_REPLIES_PER_PAGE = env.int("PLENARY_REPLIES_PER_PAGE", default=100)
# Registry and privacy (stakeholders/): the optional profile fields this site
# asks for (any of "gender", "age_range"; empty asks for none), and what an
# account's erasure does to its public comments: "keep" them, attributed to a
# withdrawn participant, or "withdraw" them.
PLENARY_PROFILE_OPTIONAL_FIELDS = env.list(
    "PLENARY_PROFILE_OPTIONAL_FIELDS", default=["gender", "age_range"]
)
PLENARY_ERASURE_POLICY = env.str("PLENARY_ERASURE_POLICY", default="keep")

# Served over TLS (PLENARY_HTTPS=true): secure cookies, HSTS, redirect to
# https, and trust the proxy's X-Forwarded-Proto.  Off by default so the
# embedded http://127.0.0.1:8000 demo keeps working.
PLENARY_HTTPS = env.bool("PLENARY_HTTPS", default=False)
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=PLENARY_HTTPS)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=PLENARY_HTTPS)
SECURE_HSTS_SECONDS = env.int(
    "DJANGO_SECURE_HSTS_SECONDS", default=31_536_000 if PLENARY_HTTPS else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PLENARY_HTTPS
)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=PLENARY_HTTPS)
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=PLENARY_HTTPS):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# /healthz and /readyz answer load balancers' plain-http probes.
# /metrics too: Prometheus scrapes inside the private network (the token still applies).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp 4): no inline scripts or styles
# anywhere.  The only exception is the API docs page (plenary/urls.py), which
# may use inline styles (Swagger UI's own), never inline scripts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Errors to Sentry when SENTRY_DSN is set (plenary/observability/sentry.py: comment
# bodies, names, addresses, passwords and tokens are scrubbed from every event).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="production")
SENTRY_RELEASE = env.str("SENTRY_RELEASE", default="")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
# GET /metrics (Prometheus) answers only with "Authorization: Bearer <this>"; unset: 404.
PLENARY_METRICS_TOKEN = env.str("PLENARY_METRICS_TOKEN", default="")

# Logs: "text" (readable: time, level, logger, message, request id) or "json" (one
# object per line), both with the request's or task's id (plenary/observability/logs.py).
PLENARY_LOG_FORMAT = env.str("PLENARY_LOG_FORMAT", default="text")
if PLENARY_LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(
        f"PLENARY_LOG_FORMAT must be 'text' or 'json', not {PLENARY_LOG_FORMAT!r}"
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "plenary.observability.logs.ContextFilter"}},
    "formatters": {
        "text": {"()": "plenary.observability.logs.TextFormatter"},
        "json": {"()": "plenary.observability.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": PLENARY_LOG_FORMAT,
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("PLENARY_LOG_LEVEL", default="INFO")},
    # One line per task run is noise in the web console when tasks run inline;
    # a real worker keeps logging every task.
    "loggers": ({"celery.app.trace": {"level": "WARNING"}} if PLENARY_TASKS_INLINE else {}),
}
