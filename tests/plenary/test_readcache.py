"""plenary.readcache: the comment POST's hot reads kept in Django's cache, and
every write that changes them dropping them (issue 20: no private Django API)."""

import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from consult.consultations import services
from consult.consultations.selectors import (
    consultation_for_viewer,
    consultation_scope,
    consultation_with_rounds,
    forget_consultation,
    round_current,
)
from consult.models import DocumentVersion, Round
from consult.rounds import services as rounds
from consult.versions import services as version_services
from plenary import readcache
from plenary.authentication import token_with_user
from stakeholders.accounts.unsubscribe import Kind, reminder_opt_out, token_for
from stakeholders.models import ApiToken, StakeholderGroup
from stakeholders.registry import services as stakeholder_services
from tests.api.helpers import comments_url
from tests.stakeholders.factories import api_token_for

pytestmark = pytest.mark.django_db


def _queries(read) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        found = read()
    return len(ctx.captured_queries), found


class Counter:
    """A read that counts how often it reached the "database"."""

    def __init__(self, value="row"):
        self.value, self.calls = value, 0

    def __call__(self):
        self.calls += 1
        return self.value


# plenary.readcache itself


def test_a_kept_read_is_served_until_its_scope_is_forgotten():
    read = Counter({"title": "first"})
    assert readcache.read_through("thing:1", read) == {"title": "first"}
    assert readcache.read_through("thing:1", read) == {"title": "first"}
    assert read.calls == 1
    readcache.forget("thing:1")
    read.value = {"title": "second"}
    assert readcache.read_through("thing:1", read) == {"title": "second"}
    assert read.calls == 2
    readcache.forget("thing:2")  # another scope: this one is still kept
    assert readcache.read_through("thing:1", read) == {"title": "second"}
    assert read.calls == 2


def test_nothing_found_is_not_kept():
    read = Counter(None)
    assert readcache.read_through("thing:none", read) is None
    assert readcache.read_through("thing:none", read) is None
    assert read.calls == 2


def test_a_write_during_the_read_is_not_hidden_by_it():
    """A reader that read the old rows while a writer bumped the generation
    stores them under a generation nobody serves."""
    read = Counter()

    def read_while_written():
        read()
        readcache.forget("thing:race")  # the writer commits mid-read
        return "old"

    assert readcache.read_through("thing:race", read_while_written) == "old"
    assert readcache.read_through("thing:race", read) == "row"
    assert read.calls == 2


def test_forget_bumps_again_when_the_transaction_commits(django_capture_on_commit_callbacks):
    readcache.read_through("thing:tx", Counter("old"))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        readcache.forget("thing:tx")
        # Another request reads the rows the writer has not committed yet.
        assert readcache.read_through("thing:tx", Counter("old")) == "old"
    assert readcache.read_through("thing:tx", Counter("new")) == "new"


def test_with_the_cache_down_every_read_goes_to_the_database(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    read = Counter()
    for _ in range(3):
        assert readcache.read_through("thing:down", read) == "row"
    readcache.forget("thing:down")  # no error either
    assert read.calls == 3


def test_entries_expire(monkeypatch):
    """A bump lost while Redis was unreachable leaves an entry stale for at most
    ENTRY_SECONDS."""
    monkeypatch.setattr(readcache, "ENTRY_SECONDS", 1)
    read = Counter()
    readcache.read_through("thing:ttl", read)
    readcache.read_through("thing:ttl", read)
    assert read.calls == 1
    time.sleep(1.1)
    readcache.read_through("thing:ttl", read)
    assert read.calls == 2


# The consultation with its rounds


def test_the_consultation_and_its_rounds_are_read_once(consultation, stakeholder):
    first_count, first = _queries(
        lambda: consultation_for_viewer(slug=consultation.slug, user=stakeholder)
    )
    assert first_count == 2  # the consultation, its rounds with their drafts
    count, again = _queries(
        lambda: consultation_for_viewer(slug=consultation.slug, user=stakeholder)
    )
    assert count == 0
    assert again == first and again is not first  # each call its own copy
    count, current = _queries(lambda: round_current(consultation=again))
    assert count == 0 and current.is_open()
    count, _ = _queries(lambda: (current.document_version.number, current.consultation.slug))
    assert count == 0
    assert [r.pk for r in again.round_list] == list(
        Round.objects.filter(consultation=consultation)
        .order_by("number")
        .values_list("pk", flat=True)
    )


def test_an_unknown_slug_is_none_every_time():
    assert consultation_with_rounds(slug="nothing-here") is None
    count, found = _queries(lambda: consultation_with_rounds(slug="nothing-here"))
    assert found is None and count == 1


def test_a_consultation_in_preparation_stays_hidden_from_others(secretariat, stakeholder):
    draft = services.consultation_create(actor=secretariat, title="Not yet", summary="Soon.")
    assert consultation_for_viewer(slug=draft.slug, user=secretariat) is not None
    # Kept now, but the visibility rule is asked on every call.
    assert consultation_for_viewer(slug=draft.slug, user=stakeholder) is None


def test_consultation_update_is_seen_at_once(consultation, secretariat):
    consultation_with_rounds(slug=consultation.slug)
    services.consultation_update(
        actor=secretariat,
        consultation=consultation,
        title="Renamed",
        summary=consultation.summary,
        goals=consultation.goals,
        ground_rules=consultation.ground_rules,
    )
    assert consultation_with_rounds(slug=consultation.slug).title == "Renamed"


def test_a_round_change_is_seen_at_once(consultation, secretariat):
    kept = consultation_with_rounds(slug=consultation.slug)
    current = round_current(consultation=kept)
    later = current.closes_at + timedelta(days=3)
    rounds.round_extend(actor=secretariat, round_=current, new_closes_at=later, reason="Asked for.")
    assert (
        round_current(consultation=consultation_with_rounds(slug=consultation.slug)).closes_at
        == later
    )


def test_a_new_round_and_draft_are_seen_at_once(consultation, secretariat):
    kept = consultation_with_rounds(slug=consultation.slug)
    assert len(kept.round_list) == 1
    version_services.draft_import(
        actor=secretariat, consultation=consultation, source="# Second\n\nText.\n"
    )
    services.round_open(
        actor=secretariat,
        consultation=consultation,
        opens_at=round_current(consultation=kept).closes_at + timedelta(days=1),
        closes_at=round_current(consultation=kept).closes_at + timedelta(days=40),
        title="Second reading",
    )
    fresh = consultation_with_rounds(slug=consultation.slug)
    assert [r.title for r in fresh.round_list] == ["Draft review", "Second reading"]


def test_a_draft_saved_elsewhere_is_seen_at_once(consultation):
    """The admin or a script saving a draft: the models' receivers drop it too."""
    kept = consultation_with_rounds(slug=consultation.slug)
    version = round_current(consultation=kept).document_version
    DocumentVersion.objects.filter(pk=version.pk).update(changelog="Changed behind its back")
    forget_consultation(consultation_id=consultation.pk)  # what update() callers do
    fresh = round_current(consultation=consultation_with_rounds(slug=consultation.slug))
    assert fresh.document_version.changelog == "Changed behind its back"
    version = fresh.document_version
    version.changelog = "Saved in the admin"
    version.save()
    fresh = round_current(consultation=consultation_with_rounds(slug=consultation.slug))
    assert fresh.document_version.changelog == "Saved in the admin"


def test_a_round_deleted_is_gone(consultation, secretariat):
    kept = consultation_with_rounds(slug=consultation.slug)
    scheduled = services.round_open(
        actor=secretariat,
        consultation=consultation,
        opens_at=round_current(consultation=kept).closes_at + timedelta(days=1),
        closes_at=round_current(consultation=kept).closes_at + timedelta(days=40),
        title="Second reading",
    )
    assert len(consultation_with_rounds(slug=consultation.slug).round_list) == 2
    Round.objects.filter(pk=scheduled.pk).delete()  # sends post_delete per row
    assert len(consultation_with_rounds(slug=consultation.slug).round_list) == 1


def test_the_evaluation_invitation_drops_the_kept_consultation(consultation, monkeypatch):
    """feedback.evaluation.services writes with update(), which sends no signal: it forgets
    the consultation itself."""
    from feedback.evaluation import services as evaluation

    forgotten = []
    monkeypatch.setattr(evaluation, "forget_consultation", lambda **kw: forgotten.append(kw))
    Round.objects.filter(consultation=consultation).update(
        opens_at=timezone.now() - timedelta(days=40), closes_at=timezone.now() - timedelta(days=1)
    )
    evaluation.evaluation_invite_due(now=timezone.now())
    assert forgotten == [{"slug": consultation.slug}]


def test_every_scope_is_a_consultation_slug(consultation):
    assert consultation_scope(consultation.slug) == f"consultation:{consultation.slug}"


# The API token with its user, profile and group


def _client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
    return client


def test_a_token_is_read_twice_then_kept(stakeholder):
    key = api_token_for(stakeholder)
    assert _queries(lambda: token_with_user(key))[0] == 1  # learns whose it is
    assert _queries(lambda: token_with_user(key))[0] == 1  # keeps it
    count, token = _queries(lambda: token_with_user(key))
    assert count == 0
    assert token.user == stakeholder
    count, _ = _queries(lambda: token.user.participant.group.name)
    assert count == 0


def test_an_unknown_token_is_never_kept():
    assert token_with_user("0" * 40) is None
    assert _queries(lambda: token_with_user("0" * 40))[0] == 1


def _warm(key: str):
    token_with_user(key)
    token_with_user(key)
    assert _queries(lambda: token_with_user(key))[0] == 0


def test_a_deactivated_account_is_refused_at_once(consultation, stakeholder):
    client = _client_for(stakeholder)
    for _ in range(3):
        assert client.get(comments_url(consultation)).status_code == 200
    stakeholder.is_active = False
    stakeholder.save()
    assert client.get(comments_url(consultation)).status_code == 401


def test_a_deleted_token_is_refused_at_once(consultation, stakeholder):
    client = _client_for(stakeholder)
    for _ in range(3):
        assert client.get(comments_url(consultation)).status_code == 200
    ApiToken.objects.filter(user=stakeholder).delete()  # as account_erase does
    assert client.get(comments_url(consultation)).status_code == 401


def test_a_profile_change_is_seen_at_once(stakeholder):
    key = api_token_for(stakeholder)
    _warm(key)
    participant = stakeholder.participant
    stakeholder_services.participant_save_profile(
        user=stakeholder,
        display_name="Wanjiru K.",
        group=participant.group,
        country=participant.country.code,
    )
    assert token_with_user(key).user.participant.display_name == "Wanjiru K."


def test_a_renamed_group_is_seen_at_once(stakeholder, secretariat):
    key = api_token_for(stakeholder)
    _warm(key)
    group = StakeholderGroup.objects.get(pk=stakeholder.participant.group_id)
    group.name = "Renamed group"
    group.save()
    assert token_with_user(key).user.participant.group.name == "Renamed group"


def test_an_email_change_is_seen_at_once(stakeholder):
    """The standing query looks the address up: a stale one would refuse a
    confirmed person (or accept an unconfirmed one)."""
    key = api_token_for(stakeholder)
    _warm(key)
    stakeholder.email = "new@example.org"
    stakeholder.save(update_fields=["email"])
    assert token_with_user(key).user.email == "new@example.org"


def test_an_unsubscribe_written_with_update_is_seen_at_once(stakeholder):
    key = api_token_for(stakeholder)
    _warm(key)
    reminder_opt_out(token=token_for(user=stakeholder, kind=Kind.ROUND_CLOSING))
    assert _queries(lambda: token_with_user(key))[0] == 1  # read again


# The person's standing in a consultation


def _comment(user, consultation):
    from comments.threads.services import comment_create

    return comment_create(
        actor=user,
        consultation=consultation,
        body="A point.",
        section_key="1-purpose-2",
        accept_code_of_conduct=True,
    )


def test_the_standing_is_kept_only_once_the_person_has_commented(consultation, stakeholder):
    from comments.permissions import standing_of

    assert not standing_of(stakeholder, consultation).commented_before
    assert _queries(lambda: standing_of(stakeholder, consultation))[0] == 1  # not kept
    _comment(stakeholder, consultation)
    assert standing_of(stakeholder, consultation).commented_before
    count, standing = _queries(lambda: standing_of(stakeholder, consultation))
    assert count == 0 and standing.commented_before and standing.verified_email


def test_a_block_imposed_and_lifted_is_seen_at_once(consultation, stakeholder, secretariat):
    from comments.moderation import services as moderation
    from comments.permissions import active_block, standing_of

    _comment(stakeholder, consultation)
    standing_of(stakeholder, consultation)
    moderation.participant_block(
        actor=secretariat, consultation=consultation, user=stakeholder, reason="Insults."
    )
    assert standing_of(stakeholder, consultation).block_reason == "Insults."
    block = active_block(user=stakeholder, consultation=consultation)
    moderation.participant_unblock(  # lifted with update(): the service forgets it
        actor=secretariat, consultation=consultation, block=block, reason="Apologised."
    )
    assert standing_of(stakeholder, consultation).block_reason is None


def test_an_address_no_longer_confirmed_is_seen_at_once(consultation, stakeholder):
    from allauth.account.models import EmailAddress

    from comments.permissions import standing_of

    _comment(stakeholder, consultation)
    assert standing_of(stakeholder, consultation).verified_email
    address = EmailAddress.objects.get(user=stakeholder, email=stakeholder.email)
    address.verified = False
    address.save()
    assert not standing_of(stakeholder, consultation).verified_email


def test_a_standing_is_kept_per_consultation(consultation, stakeholder, secretariat):
    from comments.permissions import standing_of
    from tests.consult.factories import open_consultation

    _comment(stakeholder, consultation)
    other = open_consultation(secretariat=secretariat, title="Another policy")
    assert standing_of(stakeholder, consultation).commented_before
    assert not standing_of(stakeholder, other).commented_before


# A draft's sections


def test_a_section_is_read_once_and_a_change_is_seen_at_once(consultation):
    from consult.consultations.selectors import section_in_version

    version_id = round_current(consultation=consultation).document_version_id
    section = section_in_version(version_id=version_id, key="1-purpose-2")
    count, again = _queries(lambda: section_in_version(version_id=version_id, key="1-purpose-2"))
    assert count == 0 and again == section
    again.heading = "Renamed heading"
    again.save()
    assert section_in_version(version_id=version_id, key="1-purpose-2").heading == (
        "Renamed heading"
    )


def test_a_key_no_section_has_is_asked_every_time(consultation):
    from consult.consultations.selectors import section_in_version

    version_id = round_current(consultation=consultation).document_version_id
    for key in ("no-such-key", "not a key at all", "x" * 200):
        assert section_in_version(version_id=version_id, key=key) is None
        assert _queries(lambda key=key: section_in_version(version_id=version_id, key=key))[0] == 1


def test_keys_renamed_with_bulk_update_are_seen_at_once(consultation, monkeypatch):
    """consult.versions.drafts renames keys with bulk_update(), which sends no signal."""
    from consult.consultations.selectors import section_in_version, version_scope

    version_id = round_current(consultation=consultation).document_version_id
    section_in_version(version_id=version_id, key="1-purpose-2")
    from consult.models import Section

    Section.objects.filter(version_id=version_id, key="1-purpose-2").update(key="renamed")
    readcache.forget(version_scope(version_id))  # what consult.versions.drafts does
    assert section_in_version(version_id=version_id, key="1-purpose-2") is None
    assert section_in_version(version_id=version_id, key="renamed") is not None
