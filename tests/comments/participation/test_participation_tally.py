"""The participation counters (comments.models.ParticipationTally): kept by every
service that changes what the participation figures count, equal to a direct count
of the comments after each, and checked or rebuilt by ``manage.py participation_counts``."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from comments.models import Comment, ParticipationTally
from comments.moderation import services as moderation
from comments.offline import services as offline
from comments.participation.selectors import (
    participation_tally_counted,
    participation_tally_held,
)
from comments.threads import services as comment_services
from feedback.participation import selectors as balance
from feedback.privacy import services as privacy
from tests.stakeholders.factories import PASSWORD, ParticipantFactory, group

pytestmark = pytest.mark.django_db


def comment_on(consultation, author, key="1-purpose-1", **fields) -> Comment:
    return comment_services.comment_create(
        actor=author, consultation=consultation, section_key=key, body="A comment.", **fields
    )


def direct(consultation, audience) -> dict:
    """The figures counted straight from the comments, as before the counters:
    totals, and per channel and round (people, comments)."""
    people: dict = {}
    for row in balance.counted_comments(consultation=consultation, audience=audience).values(
        "author_id", "entered_by_id", "submitter_name", "channel", "round__number"
    ):
        person = (
            ("sender", " ".join(row["submitter_name"].split()).casefold())
            if row["entered_by_id"]
            else row["author_id"]
        )
        people.setdefault(person, []).append((row["channel"], row["round__number"]))
    figures: dict = {"total": (len(people), sum(len(v) for v in people.values()))}
    for index, name in ((0, "channel"), (1, "round")):
        keys = {str(place[index]) for places in people.values() for place in places}
        for key in keys:
            figures[(name, key)] = (
                sum(1 for places in people.values() if any(str(p[index]) == key for p in places)),
                sum(1 for places in people.values() for p in places if str(p[index]) == key),
            )
    return figures


def read(consultation, audience) -> dict:
    """The same figures as the pages read them (off the counters), before suppression."""
    figures = balance.participation_balance(consultation=consultation, audience=audience)
    found: dict = {"total": (figures.participants, figures.comments)}
    # Suppression hides small cells: compare the unsuppressed staff cells, and for the
    # public audience the totals (which suppression never touches).
    if audience == balance.STAFF:
        for name in ("channel", "round"):
            for cell in figures.dimensions[name].cells:
                if cell.comments:
                    found[(name, cell.key)] = (cell.participants, cell.comments)
    return found


def assert_counters_agree(consultation):
    assert participation_tally_held(consultation=consultation) == participation_tally_counted(
        consultation=consultation
    )
    assert read(consultation, balance.STAFF) == direct(consultation, balance.STAFF)
    assert (
        read(consultation, balance.PUBLIC)["total"] == direct(consultation, balance.PUBLIC)["total"]
    )
    call_command("participation_counts", "--check")


@pytest.fixture
def people(db):
    return [
        ParticipantFactory(group=group(slug), country=country).user
        for slug, country in (
            ("government", "KE"),
            ("civil-society", "BR"),
            ("private-sector", "FR"),
        )
    ]


def test_counters_follow_new_comments_private_and_offline(consultation, secretariat, people):
    one, two, three = people
    comment_on(consultation, one)
    comment_on(consultation, one, key="2-scope-1")
    comment_on(consultation, two, visibility=Comment.Visibility.PRIVATE)
    comment_on(consultation, three, key="")
    for name in ("Amina Njeri", "  amina   NJERI ", "Village ICT Forum"):
        offline.comment_enter(
            actor=secretariat,
            consultation=consultation,
            channel=Comment.Channel.LETTER,
            received_on=timezone.localdate(),
            submitter_name=name,
            body="Sent by post.",
        )
    assert_counters_agree(consultation)
    staff = balance.participation_balance(consultation=consultation, audience=balance.STAFF)
    public = balance.participation_balance(consultation=consultation, audience=balance.PUBLIC)
    assert (staff.participants, staff.comments) == (5, 7)
    assert (public.participants, public.comments) == (4, 6)  # the private one is not counted


def test_counters_follow_withdrawal_hiding_and_restoring(consultation, moderator, people):
    one, two, _three = people
    mine = comment_on(consultation, one)
    theirs = comment_on(consultation, two)
    comment_services.comment_withdraw(actor=one, comment=mine)
    assert_counters_agree(consultation)
    moderation.comment_moderate(actor=moderator, comment=theirs, action="hide", reason="Spam.")
    assert_counters_agree(consultation)
    public = balance.participation_balance(consultation=consultation, audience=balance.PUBLIC)
    assert public.comments == 0
    moderation.comment_moderate(actor=moderator, comment=theirs, action="restore", reason="Ok.")
    assert_counters_agree(consultation)
    public = balance.participation_balance(consultation=consultation, audience=balance.PUBLIC)
    staff = balance.participation_balance(consultation=consultation, audience=balance.STAFF)
    assert (public.comments, staff.comments) == (1, 2)  # staff count withdrawn ones too


def test_counters_follow_pre_moderation_and_an_edit_sent_back_to_it(
    consultation, moderator, people
):
    consultation.premoderate_first = 1
    consultation.save(update_fields=["premoderate_first"])
    one = people[0]
    waiting = comment_on(consultation, one)
    assert_counters_agree(consultation)
    assert ParticipationTally.objects.get(consultation=consultation).public == 0
    moderation.comment_moderate(actor=moderator, comment=waiting, action="approve", reason="Ok.")
    assert_counters_agree(consultation)
    assert ParticipationTally.objects.get(consultation=consultation).public == 1
    consultation.premoderate_first = 5  # still under pre-moderation: an edit waits again
    consultation.save(update_fields=["premoderate_first"])
    edited = comment_services.comment_edit(actor=one, comment=waiting, body="Changed.")
    assert edited.moderation == Comment.Moderation.PENDING
    assert_counters_agree(consultation)
    assert ParticipationTally.objects.get(consultation=consultation).public == 0


def test_counters_follow_erasure_that_withdraws(consultation, people, settings):
    settings.PLENARY_ERASURE_POLICY = "withdraw"
    one, two, _three = people
    comment_on(consultation, one)
    comment_on(consultation, one, key="2-scope-1")
    comment_on(consultation, two)
    privacy.account_erase(actor=one, password=PASSWORD)
    assert_counters_agree(consultation)
    public = balance.participation_balance(consultation=consultation, audience=balance.PUBLIC)
    assert (public.participants, public.comments) == (1, 1)


def test_a_refused_comment_leaves_the_counters_alone(consultation, people):
    with pytest.raises(Exception):  # noqa: B017 (any refusal)
        comment_on(consultation, people[0], key="no-such-section")
    assert not ParticipationTally.objects.filter(consultation=consultation).exists()


def test_check_names_wrong_counters_and_rebuild_mends_them(consultation, people):
    comment_on(consultation, people[0])
    comment_on(consultation, people[1])
    ParticipationTally.objects.filter(consultation=consultation).update(public=0)
    with pytest.raises(CommandError, match=consultation.slug):
        call_command("participation_counts", "--check")
    assert (
        balance.participation_balance(consultation=consultation, audience=balance.PUBLIC).comments
        == 0
    )  # the pages read the counters, not the comments
    call_command("participation_counts", "--rebuild", consultation.slug)
    assert_counters_agree(consultation)
    assert (
        balance.participation_balance(consultation=consultation, audience=balance.PUBLIC).comments
        == 2
    )


def test_an_unknown_consultation_is_refused_by_name(db):
    with pytest.raises(CommandError, match="no-such"):
        call_command("participation_counts", "--check", "no-such")
