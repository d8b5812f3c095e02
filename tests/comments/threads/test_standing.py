"""comments.permissions.standing_of: the rules of commenting about a person, in one
query, answering exactly what each owning module answers on its own."""

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments import permissions as comment_permissions
from comments.moderation import services as moderation
from comments.permissions import Standing, has_verified_email, standing_of
from comments.threads import services
from consult.charter import selectors as charter
from consult.reminders import selectors as reminders
from tests.consult.factories import open_consultation, with_code_of_conduct
from tests.stakeholders.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


def _each_on_its_own(user, consultation) -> Standing:
    block = comment_permissions.active_block(user=user, consultation=consultation)
    return Standing(
        verified_email=has_verified_email(user),
        block_reason=None if block is None else block.reason,
        charter_accepted=charter.charter_accepted(user=user, consultation=consultation),
        commented_before=reminders.comments_by(
            author_id=user.pk, consultation_id=consultation.pk
        ).exists(),
    )


def _read(user, consultation) -> Standing:
    with CaptureQueriesContext(connection) as queries:
        standing = standing_of(user, consultation)
    # One query, or none once the person has commented here: the standing is
    # then kept in the read cache until a write changes it (plenary/readcache.py).
    assert len(queries) <= 1
    assert standing == _each_on_its_own(user, consultation)
    return standing


def test_standing_follows_each_rule_through_a_participants_life(
    consultation, secretariat, moderator, stakeholder
):
    with_code_of_conduct(consultation, secretariat=secretariat)
    elsewhere = open_consultation(secretariat=secretariat, title="Elsewhere")
    assert _read(stakeholder, consultation) == Standing(True, None, False, False)

    services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key="1-purpose-2",
        body="First.",
        accept_code_of_conduct=True,
    )
    assert _read(stakeholder, consultation) == Standing(True, None, True, True)
    # Another consultation knows nothing of it.
    assert _read(stakeholder, elsewhere) == Standing(True, None, False, False)

    moderation.participant_block(
        actor=moderator, consultation=consultation, user=stakeholder, reason="Spam, twice."
    )
    assert _read(stakeholder, consultation).block_reason == "Spam, twice."
    assert _read(stakeholder, elsewhere).block_reason is None
    block = comment_permissions.active_block(user=stakeholder, consultation=consultation)
    moderation.participant_unblock(
        actor=moderator, consultation=consultation, block=block, reason="Appeal upheld."
    )
    assert _read(stakeholder, consultation).block_reason is None

    for address in EmailAddress.objects.filter(user=stakeholder):
        address.verified = False
        address.save()  # as allauth does: update() would send no post_save
    assert _read(stakeholder, consultation).verified_email is False


def test_an_account_without_an_address_has_no_verified_email(consultation):
    user = ParticipantFactory(user__email="").user
    assert _read(user, consultation).verified_email is False
