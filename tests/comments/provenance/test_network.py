"""Submission networks (comments/provenance/): the keyed hash of a /24 or /64 stored beside a
web or API comment, never the address; deleted after the retention period."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from comments.models import Comment, SubmissionNetwork
from comments.provenance import services
from comments.provenance.network import network_hash, network_of
from comments.tasks import prune_submission_networks
from comments.threads import services as comment_services
from feedback.privacy.services import account_erase
from tests.api.helpers import comments_url
from tests.stakeholders.factories import PASSWORD, api_token_for


def section_url(consultation) -> str:
    key = consultation.versions.get().sections.order_by("ordinal")[1].key
    return reverse("section", args=[consultation.slug, key])


# --- the hash ---------------------------------------------------------------------


def test_ipv4_addresses_hash_per_24():
    assert network_of("203.0.113.7") == "203.0.113.0/24"
    assert network_hash("203.0.113.7") == network_hash("203.0.113.250")
    assert network_hash("203.0.113.7") != network_hash("203.0.114.7")


def test_ipv6_addresses_hash_per_64():
    assert network_of("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert network_hash("2001:db8:1:2:aaaa::1") == network_hash("2001:db8:1:2:ffff:1:2:3")
    assert network_hash("2001:db8:1:2::1") != network_hash("2001:db8:1:3::1")


def test_an_ipv4_mapped_ipv6_address_is_its_ipv4_network():
    assert network_hash("::ffff:203.0.113.7") == network_hash("203.0.113.9")


def test_the_hash_is_an_hmac_sha256_that_the_key_changes(settings):
    settings.PLENARY_NETWORK_HASH_KEY = "one key"
    first = network_hash("203.0.113.7")
    settings.PLENARY_NETWORK_HASH_KEY = "another key"
    second = network_hash("203.0.113.7")
    assert first != second
    assert len(first) == len(second) == 64
    assert "203.0.113" not in first


def test_without_a_key_setting_the_hash_derives_from_the_secret_key(settings):
    settings.PLENARY_NETWORK_HASH_KEY = ""
    settings.SECRET_KEY = "a" * 50
    first = network_hash("203.0.113.7")
    settings.SECRET_KEY = "b" * 50
    assert network_hash("203.0.113.7") != first


@pytest.mark.parametrize("address", ["", "unknown", "not an address", None])
def test_an_unreadable_address_has_no_network(address):
    assert network_hash(address) is None


# --- stored at submission -----------------------------------------------------------


def row_values(comment) -> list[str]:
    """Every column of the comment's network row, as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM {SubmissionNetwork._meta.db_table} WHERE comment_id = %s",  # noqa: S608
            [comment.pk],
        )
        return [str(value) for value in cursor.fetchone()]


def test_a_web_comment_stores_its_networks_hash_and_not_the_address(consultation, stakeholder):
    client = Client(REMOTE_ADDR="203.0.113.77")
    client.force_login(stakeholder)
    response = client.post(
        section_url(consultation), {"body": "From home.", "visibility": "public"}
    )
    assert response.status_code == 302
    comment = Comment.objects.get(body="From home.")
    assert comment.network.network_hash == network_hash("203.0.113.1")
    assert not any("203.0.113" in value for value in row_values(comment))


def test_an_api_comment_stores_its_networks_hash(consultation, stakeholder):
    client = APIClient(REMOTE_ADDR="2001:db8:5:6::42")
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(stakeholder)}")
    response = client.post(
        comments_url(consultation),
        {"body": "From the API.", "section": consultation.versions.get().sections.first().key},
        format="json",
    )
    assert response.status_code == 201, response.content
    comment = Comment.objects.get(body="From the API.")
    assert comment.network.network_hash == network_hash("2001:db8:5:6::1")
    assert not any("2001:db8" in value for value in row_values(comment))


def test_a_comment_without_an_address_stores_no_network(consultation, stakeholder):
    comment = comment_services.comment_create(
        actor=stakeholder, consultation=consultation, body="Seeded.", section_key=None
    )
    assert not SubmissionNetwork.objects.filter(comment=comment).exists()


def test_a_refused_comment_stores_no_network(consultation, stakeholder):
    client = Client(REMOTE_ADDR="203.0.113.77")
    client.force_login(stakeholder)
    response = client.post(section_url(consultation), {"body": " ", "visibility": "public"})
    assert response.status_code == 200
    assert not SubmissionNetwork.objects.exists()


# --- retention ----------------------------------------------------------------------


def comment_with_network(consultation, author, *, age: timedelta) -> Comment:
    comment = comment_services.comment_create(
        actor=author, consultation=consultation, body=f"{age}", network="203.0.113.5"
    )
    SubmissionNetwork.objects.filter(comment=comment).update(created_at=timezone.now() - age)
    return comment


def test_prune_deletes_network_hashes_past_the_retention_period_only(
    settings, consultation, stakeholder
):
    settings.PLENARY_NETWORK_RETENTION_DAYS = 90
    old = comment_with_network(consultation, stakeholder, age=timedelta(days=90, minutes=1))
    kept = comment_with_network(consultation, stakeholder, age=timedelta(days=89, hours=23))

    assert services.submission_networks_prune() == 1

    assert not SubmissionNetwork.objects.filter(comment=old).exists()
    assert SubmissionNetwork.objects.filter(comment=kept).exists()
    assert Comment.objects.filter(pk=old.pk).exists()  # the comment itself stays


def test_the_daily_task_prunes_with_the_configured_retention(settings, consultation, stakeholder):
    settings.PLENARY_NETWORK_RETENTION_DAYS = 7
    old = comment_with_network(consultation, stakeholder, age=timedelta(days=8))
    comment_with_network(consultation, stakeholder, age=timedelta(days=6))
    assert prune_submission_networks() == 1
    assert not SubmissionNetwork.objects.filter(comment=old).exists()
    assert SubmissionNetwork.objects.count() == 1


def test_the_prune_task_is_on_the_beat_schedule(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "comments.tasks.prune_submission_networks" in tasks


def test_erasing_an_account_deletes_its_network_hashes(
    consultation, stakeholder, other_stakeholder
):
    mine = comment_with_network(consultation, stakeholder, age=timedelta(days=1))
    theirs = comment_with_network(consultation, other_stakeholder, age=timedelta(days=1))
    account_erase(actor=stakeholder, password=PASSWORD)
    assert not SubmissionNetwork.objects.filter(comment=mine).exists()
    assert SubmissionNetwork.objects.filter(comment=theirs).exists()
