"""Shared fixtures.  Tests run on whatever DATABASE_URL names (SQLite by default,
PostgreSQL in CI); background tasks run inline unless a test starts a worker."""

import os
import uuid

import pytest
from django.conf import settings as django_settings
from django.utils import translation

from consult.consultations import services as consult_services
from consult.models import Role
from tests.consult.factories import open_consultation
from tests.stakeholders.factories import (
    ParticipantFactory,
    UserFactory,
    convenor,
    restore_default_groups,
)


@pytest.fixture(autouse=True)
def _empty_cache(settings):
    """Rate-limit counters (plenary/ratelimit.py, allauth) live in the cache: every
    test starts with an empty one.  A key prefix of its own rather than
    cache.clear(), which on Redis would flush the database a Celery worker of a
    parallel test may be using; the counters expire within minutes."""
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex[:12]}"}
        for name, config in settings.CACHES.items()
    }


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the site's default language.  LocaleMiddleware
    activates a request's language on the thread and nothing deactivates it, so
    code a test calls directly after a French page would otherwise speak French."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _default_groups(request):
    """The six stakeholder groups a data migration creates, for every database test.

    A transactional test (browser, worker) flushes every table when it ends,
    data migrations' rows included.  Run alone, pytest-django puts those tests
    last; under pytest-xdist a worker may run one before an ordinary test that
    expects the groups, so they are restored here (one query when present).
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    if transactional or (marker is None and "db" not in request.fixturenames):
        return
    request.getfixturevalue("db")
    restore_default_groups()


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.PLENARY_TASKS_INLINE = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # A test's data lives in its own transaction, which another thread cannot see: long
    # tasks run right after the commit here, except in tests of the background thread
    # (tests/feedback/report/test_report_progress.py).
    settings.PLENARY_TASKS_INLINE_BACKGROUND = False
    # PBKDF2 takes ~0.4 s per password on this hardware; tests need no strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests read pages right after changing what they show: no micro-cache,
    # except where tests/plenary/test_pagecache.py and the browser journey turn it on.
    settings.PLENARY_PAGE_CACHE_SECONDS = 0
    # Tests need no collectstatic run: serve static files from the source tree.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def secretariat(db):
    return convenor(email="secretariat@example.org")


@pytest.fixture
def consultation(secretariat):
    return open_consultation(secretariat=secretariat)


@pytest.fixture
def stakeholder(db):
    return ParticipantFactory(display_name="Wanjiru", user__email="wanjiru@example.org").user


@pytest.fixture
def other_stakeholder(db):
    return ParticipantFactory(display_name="Rafael", user__email="rafael@example.org").user


@pytest.fixture
def moderator(consultation, secretariat):
    user = ParticipantFactory(display_name="Moderator", user__email="mod@example.org").user
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=user, role=Role.MODERATOR
    )
    return user


@pytest.fixture
def other_secretariat(db):
    """Secretariat of a different consultation."""
    user = convenor(email="elsewhere@example.org")
    open_consultation(secretariat=user, title="Another consultation")
    return user


@pytest.fixture
def anonymous_user():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def pytest_report_header(config):
    database = os.environ.get("DATABASE_URL", "(unset: SQLite)")
    return f"DATABASE_URL={database} REDIS_URL={os.environ.get('REDIS_URL', '(unset)')}"


__all__ = ["UserFactory"]


@pytest.fixture(scope="session")
def sink():
    """A real SMTP server (aiosmtpd) for the whole run; see tests/smtp_sink.py."""
    from tests.smtp_sink import SmtpSink

    with SmtpSink() as server:
        yield server


@pytest.fixture
def smtp(sink, settings):
    """Mail goes over SMTP to the sink; each test starts with an empty sink."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = sink.host
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.SITE_URL = "https://plenary.example.net"
    sink.clear()
    return sink
