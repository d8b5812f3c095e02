"""Who may support a proposed change, and what supporting writes (the service)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from comments.models import AmendmentSupport, Comment
from comments.moderation import services as moderation
from comments.supports import services
from comments.threads import services as comment_services
from consult.models import CharterAcceptance, Round
from plenary.ratelimit import RateKey, RateLimited
from tests.comments.supports.factories import propose
from tests.consult.factories import with_code_of_conduct
from tests.stakeholders.factories import ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def amendment(consultation, stakeholder):
    return propose(actor=stakeholder, consultation=consultation)


def supports() -> list[tuple[int, int]]:
    return sorted(AmendmentSupport.objects.values_list("amendment_id", "user_id"))


def close_round(consultation):
    Round.objects.filter(consultation=consultation).update(
        opens_at=timezone.now() - timedelta(days=30),
        closes_at=timezone.now() - timedelta(seconds=1),
    )


def test_participant_supports_once_and_withdraws(amendment, other_stakeholder):
    first = services.amendment_support(actor=other_stakeholder, comment=amendment)
    again = services.amendment_support(actor=other_stakeholder, comment=amendment)
    assert (first.changed, first.count) == (True, 1)
    assert (again.changed, again.count) == (False, 1)
    assert supports() == [(amendment.pk, other_stakeholder.pk)]

    withdrawn = services.amendment_support_withdraw(actor=other_stakeholder, comment=amendment)
    twice = services.amendment_support_withdraw(actor=other_stakeholder, comment=amendment)
    assert (withdrawn.changed, withdrawn.count) == (True, 0)
    assert (twice.changed, twice.count) == (False, 0)
    assert supports() == []


def test_supporting_writes_no_comment(amendment, other_stakeholder):
    before = Comment.objects.count()
    services.amendment_support(actor=other_stakeholder, comment=amendment)
    assert Comment.objects.count() == before


def test_count_is_per_amendment(consultation, amendment, stakeholder, other_stakeholder):
    third = ParticipantFactory(display_name="Third").user
    for person in (other_stakeholder, third):
        services.amendment_support(actor=person, comment=amendment)
    other = propose(actor=other_stakeholder, consultation=consultation, quote="useful")
    assert services.amendment_support(actor=stakeholder, comment=other).count == 1
    assert services.amendment_support(actor=third, comment=amendment).count == 2


def test_author_cannot_support_own_amendment(amendment, stakeholder):
    with pytest.raises(ValidationError) as exc:
        services.amendment_support(actor=stakeholder, comment=amendment)
    assert "amendment" in exc.value.message_dict
    assert supports() == []


def test_comment_without_amendment_cannot_be_supported(
    consultation, stakeholder, other_stakeholder
):
    plain = comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="1-purpose-2", body="Agreed."
    )
    for service in (services.amendment_support, services.amendment_support_withdraw):
        with pytest.raises(ValidationError) as exc:
            service(actor=other_stakeholder, comment=plain)
        assert "amendment" in exc.value.message_dict
    assert supports() == []


def test_closed_round_refuses_support_and_withdrawal(consultation, amendment, other_stakeholder):
    services.amendment_support(actor=other_stakeholder, comment=amendment)
    close_round(consultation)
    amendment = Comment.objects.select_related("round", "amendment").get(pk=amendment.pk)
    for service in (services.amendment_support, services.amendment_support_withdraw):
        with pytest.raises(ValidationError) as exc:
            service(actor=other_stakeholder, comment=amendment)
        assert "round" in exc.value.message_dict
    assert supports() == [(amendment.pk, other_stakeholder.pk)]


def test_blocked_participant_cannot_support(consultation, amendment, other_stakeholder, moderator):
    moderation.participant_block(
        actor=moderator, consultation=consultation, user=other_stakeholder, reason="Spam."
    )
    with pytest.raises(PermissionDenied, match="Spam"):
        services.amendment_support(actor=other_stakeholder, comment=amendment)
    assert supports() == []


@pytest.mark.parametrize("who", ["anonymous", "no_profile", "unverified"])
def test_people_who_may_not_comment_may_not_support(amendment, who):
    actor = {
        "anonymous": lambda: AnonymousUser(),
        "no_profile": lambda: UserFactory(),
        "unverified": lambda: ParticipantFactory(user__verified_email=False).user,
    }[who]()
    with pytest.raises(PermissionDenied):
        services.amendment_support(actor=actor, comment=amendment)
    assert supports() == []


def test_code_of_conduct_is_accepted_in_the_same_action(
    consultation, secretariat, amendment, other_stakeholder
):
    with_code_of_conduct(consultation, secretariat=secretariat)
    amendment.consultation.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.amendment_support(actor=other_stakeholder, comment=amendment)
    assert "accept_code_of_conduct" in exc.value.message_dict
    assert supports() == []
    assert not CharterAcceptance.objects.filter(user=other_stakeholder).exists()

    result = services.amendment_support(
        actor=other_stakeholder, comment=amendment, accept_code_of_conduct=True
    )
    assert result.count == 1
    assert CharterAcceptance.objects.filter(user=other_stakeholder).exists()


def test_private_amendment_cannot_be_supported_by_who_cannot_read_it(
    consultation, stakeholder, other_stakeholder
):
    private = propose(
        actor=stakeholder, consultation=consultation, visibility=Comment.Visibility.PRIVATE
    )
    with pytest.raises(ValidationError) as exc:
        services.amendment_support(actor=other_stakeholder, comment=private)
    assert "amendment" in exc.value.message_dict
    assert supports() == []


def test_withdrawn_amendment_cannot_be_supported(consultation, stakeholder, other_stakeholder):
    amendment = propose(actor=stakeholder, consultation=consultation)
    comment_services.comment_withdraw(actor=stakeholder, comment=amendment)
    amendment.refresh_from_db()
    with pytest.raises(ValidationError):
        services.amendment_support(actor=other_stakeholder, comment=amendment)
    assert supports() == []


def test_supports_are_rate_limited(settings, amendment, other_stakeholder):
    settings.PLENARY_RATE_SUPPORT_PER_ACCOUNT = "2/m"
    key = RateKey(user_id=other_stakeholder.pk, ip="198.51.100.7")
    services.amendment_support(actor=other_stakeholder, comment=amendment, rate_key=key)
    services.amendment_support_withdraw(actor=other_stakeholder, comment=amendment, rate_key=key)
    with pytest.raises(RateLimited):
        services.amendment_support(actor=other_stakeholder, comment=amendment, rate_key=key)
    assert supports() == []
