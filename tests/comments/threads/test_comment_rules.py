"""Bad input to comments changes nothing and says why: in the service and in the page."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment, CommentRevision
from comments.threads import services
from consult.models import Round
from tests.consult.factories import open_consultation
from tests.stakeholders.factories import OrganisationFactory


def snapshot():
    return Comment.objects.count(), CommentRevision.objects.count()


def second_key(consultation):
    return consultation.versions.get().sections.order_by("ordinal")[1].key


def close_round(consultation):
    Round.objects.filter(consultation=consultation).update(
        opens_at=timezone.now() - timedelta(days=30),
        closes_at=timezone.now() - timedelta(seconds=1),
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [("", "body"), ("   \n\t ", "body"), ("x" * 10_001, "body"), ("nul \x00 byte", "body")],
    ids=["empty", "whitespace", "oversized", "nul"],
)
def test_bad_body_is_refused_and_nothing_stored(consultation, stakeholder, body, field):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.comment_create(
            actor=stakeholder,
            consultation=consultation,
            section_key=second_key(consultation),
            body=body,
        )
    assert field in exc.value.message_dict
    assert snapshot() == before


def test_comment_on_closed_round_is_refused(consultation, stakeholder):
    close_round(consultation)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.comment_create(
            actor=stakeholder,
            consultation=consultation,
            section_key=second_key(consultation),
            body="Too late?",
        )
    assert "closed" in exc.value.message_dict["round"][0]
    assert snapshot() == before


def test_unknown_section_key_is_refused(consultation, stakeholder):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.comment_create(
            actor=stakeholder,
            consultation=consultation,
            section_key="no-such-paragraph",
            body="Hello",
        )
    assert "no-such-paragraph" in exc.value.message_dict["section"][0]
    assert snapshot() == before


def test_reply_to_comment_of_another_consultation_is_refused(
    consultation, secretariat, stakeholder, other_stakeholder
):
    elsewhere = open_consultation(secretariat=secretariat, title="Elsewhere")
    foreign = services.comment_create(
        actor=other_stakeholder,
        consultation=elsewhere,
        section_key=second_key(elsewhere),
        body="Over here",
    )
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.comment_create(
            actor=stakeholder, consultation=consultation, parent=foreign, body="Replying across"
        )
    assert "parent" in exc.value.message_dict
    assert snapshot() == before


def test_on_behalf_of_needs_verified_affiliation(consultation, stakeholder):
    organisation = OrganisationFactory()
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.comment_create(
            actor=stakeholder,
            consultation=consultation,
            section_key=second_key(consultation),
            body="For my org",
            on_behalf_of=organisation,
        )
    assert "on_behalf_of" in exc.value.message_dict
    assert snapshot() == before


def test_account_without_profile_cannot_comment(consultation):
    from tests.stakeholders.factories import UserFactory

    with pytest.raises(PermissionDenied):
        services.comment_create(
            actor=UserFactory(),
            consultation=consultation,
            section_key=second_key(consultation),
            body="Hi",
        )
    assert Comment.objects.count() == 0


def test_body_is_stored_exactly_as_written(consultation, stakeholder):
    body = "  <script>alert(1)</script>\n\n**bold** [x](javascript:alert(1))  \r\n"
    comment = services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key=second_key(consultation),
        body=body,
    )
    comment.refresh_from_db()
    assert comment.body == body
    assert comment.revisions.get().body == body
    assert "<script" not in comment.body_html
    assert 'href="javascript' not in comment.body_html


@pytest.mark.parametrize("case", ["empty", "oversized", "closed"])
def test_page_shows_why_and_keeps_what_was_typed(client, consultation, stakeholder, case):
    client.force_login(stakeholder)
    body = {"empty": "", "oversized": "y" * 10_001, "closed": "A late thought"}[case]
    if case == "closed":
        close_round(consultation)
    url = reverse("section", args=[consultation.slug, second_key(consultation)])
    response = client.post(url, {"body": body, "visibility": "public"})
    if case == "closed":
        # The section page says comments are closed and offers no form.
        assert response.status_code == 200
        assert "Comments are closed" in response.content.decode()
    else:
        assert response.status_code == 200
        text = response.content.decode()
        message = {"empty": "Write your comment", "oversized": "at most 10000 characters"}[case]
        assert message in text
        if case == "oversized":
            assert body in text  # nothing the participant wrote is lost
    assert Comment.objects.count() == 0


def test_page_reply_to_unknown_receipt_says_so(client, consultation, stakeholder):
    client.force_login(stakeholder)
    url = reverse("section", args=[consultation.slug, second_key(consultation)])
    response = client.post(
        url, {"body": "A reply", "parent": "ZZZZZ-ZZZZZ", "visibility": "public"}
    )
    assert response.status_code == 200
    assert "The comment you reply to was not found." in response.content.decode()
    assert Comment.objects.count() == 0
