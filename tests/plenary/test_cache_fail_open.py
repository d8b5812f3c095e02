"""The Redis cache fails open (plenary/cache.py): a down Redis is an empty cache, quickly."""

import time

import pytest
from django.core.cache import caches

from tests.smtp_sink import free_port


@pytest.fixture
def down_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "plenary.cache.FailOpenRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    return caches["default"]


def test_a_down_redis_reads_as_an_empty_cache_and_writes_are_dropped(down_cache):
    started = time.perf_counter()
    assert down_cache.get("k", "default") == "default"
    assert down_cache.get_many(["a", "b"]) == {}
    assert down_cache.add("k", 1) is False
    down_cache.set("k", 1)
    assert down_cache.has_key("k") is False
    assert down_cache.delete("k") is False
    with pytest.raises(ValueError):
        down_cache.incr("k")
    assert time.perf_counter() - started < 5


@pytest.mark.django_db
def test_comments_can_be_posted_while_the_cache_is_down(
    down_cache, client, consultation, stakeholder
):
    section = consultation.versions.get().sections.order_by("ordinal").first()
    client.force_login(stakeholder)
    response = client.post(
        f"/c/{consultation.slug}/s/{section.key}/", {"body": "Still here.", "visibility": "public"}
    )
    assert response.status_code == 302
    assert stakeholder.comments.count() == 1
