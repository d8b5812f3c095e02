"""Proposing new wording through the service (issue 24): the quote rule, what is
stored, what is refused with nothing stored, editing with its history, search."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from comments.amendments.quote import REPLACEMENT_MAX_CHARS, plain_text
from comments.models import Amendment, Comment, CommentRevision
from comments.search.selectors import comment_search
from comments.threads import services
from consult.questions import services as question_services
from feedback.privacy.selectors import personal_data_export
from tests.comments.amendments.factories import OTHER_SECTION, REASON, SECTION, propose

pytestmark = pytest.mark.django_db


def _stored() -> tuple[int, int, int]:
    return Comment.objects.count(), Amendment.objects.count(), CommentRevision.objects.count()


@pytest.mark.parametrize(
    "quote",
    [
        "ninety days",  # exactly once
        "ninety   days",  # whitespace folded
        "must publish the data",  # across the emphasis of the source
        "**must publish** the data",  # pasted from the Markdown source, markers and all
        "they hold\nwithin ninety",  # across the source's line break
        "they hold within ninety",  # ... as a reader reads it
    ],
)
def test_a_passage_found_once_is_stored_with_its_plain_offsets(
    draft_consultation, stakeholder, quote
):
    comment = propose(draft_consultation, stakeholder, quote=quote, replacement="new words")
    amendment = Amendment.objects.get(comment=comment)
    assert amendment.quote == quote  # kept as sent
    assert amendment.replacement == "new words"
    plain = plain_text(comment.section.body).text
    assert plain[amendment.start : amendment.end] == " ".join(quote.replace("**", "").split())
    assert comment.body == REASON
    revision = CommentRevision.objects.get(comment=comment)
    assert (revision.number, revision.quote, revision.replacement) == (1, quote, "new words")


@pytest.mark.parametrize(
    ("amendment", "message"),
    [
        ({"quote": "data", "replacement": "facts"}, "occurs 2 times"),
        ({"quote": "The data is", "replacement": "It is"}, None),  # once: a control
        ({"quote": "thirty days", "replacement": "ten days"}, "not found"),
        ({"quote": "  ", "replacement": "ten days"}, "Give the passage"),
        ({"quote": "ninety days", "replacement": "ninety  days"}, "the same as the passage"),
        ({"quote": "**must publish**", "replacement": "must publish"}, "the same as"),
        ({"quote": "ninety days", "replacement": "x" * (REPLACEMENT_MAX_CHARS + 1)}, "too long"),
        ({"quote": "ninety days", "replacement": "ten\x07days"}, "control character"),
        ({"quote": "ninety\x00days", "replacement": "ten days"}, "NUL"),
        ({"quote": 5, "replacement": "ten days"}, "must be text"),
        ("ninety days", "Give the passage to change"),
    ],
)
def test_the_quote_rule_refuses_with_nothing_stored(
    draft_consultation, stakeholder, amendment, message
):
    before = _stored()
    if message is None:
        services.comment_create(
            actor=stakeholder,
            consultation=draft_consultation,
            section_key=SECTION,
            body=REASON,
            amendment=amendment,
            accept_code_of_conduct=True,
        )
        assert _stored() == (before[0] + 1, before[1] + 1, before[2] + 1)
        return
    with pytest.raises(ValidationError) as refused:
        services.comment_create(
            actor=stakeholder,
            consultation=draft_consultation,
            section_key=SECTION,
            body=REASON,
            amendment=amendment,
            accept_code_of_conduct=True,
        )
    assert message in " ".join(refused.value.message_dict["amendment"])
    assert _stored() == before


def test_a_deletion_has_an_empty_replacement(draft_consultation, stakeholder):
    comment = propose(draft_consultation, stakeholder, quote="The data is free.", replacement="")
    assert comment.amendment.replacement == ""


def test_the_reason_is_required(draft_consultation, stakeholder):
    with pytest.raises(ValidationError) as refused:
        propose(draft_consultation, stakeholder, body="  ")
    assert "body" in refused.value.message_dict
    assert _stored() == (0, 0, 0)


def test_the_quote_is_found_in_its_own_paragraph_only(draft_consultation, stakeholder):
    with pytest.raises(ValidationError) as refused:
        propose(draft_consultation, stakeholder, section_key=OTHER_SECTION, quote="ninety days")
    assert "not found" in refused.value.message_dict["amendment"][0]


def test_only_a_top_level_comment_on_a_section_proposes_wording(
    draft_consultation, stakeholder, other_stakeholder, secretariat
):
    parent = services.comment_create(
        actor=other_stakeholder,
        consultation=draft_consultation,
        section_key=SECTION,
        body="A first comment.",
    )
    question = question_services.question_create(
        actor=secretariat,
        round_=draft_consultation.rounds.get(),
        text="What else should be published?",
        kind="free_text",
    )
    before = _stored()
    refusals = [
        {"parent": parent, "section_key": None},  # a reply
        {"section_key": None},  # the whole draft
        {"section_key": None, "question": question},  # an answer to a question
    ]
    for place in refusals:
        with pytest.raises(ValidationError) as refused:
            propose(draft_consultation, stakeholder, **place)
        assert "not in a reply" in refused.value.message_dict["amendment"][0]
    assert _stored() == before


def test_several_amendments_may_touch_the_same_passage(
    draft_consultation, stakeholder, other_stakeholder
):
    first = propose(draft_consultation, stakeholder, replacement="thirty days")
    second = propose(draft_consultation, other_stakeholder, replacement="sixty days")
    assert {first.amendment.start, second.amendment.start} == {first.amendment.start}
    assert Amendment.objects.count() == 2


def test_search_finds_an_amendment_by_its_passage_and_wording(
    draft_consultation, stakeholder, secretariat
):
    comment = propose(draft_consultation, stakeholder, replacement="a fortnight")
    services.comment_create(
        actor=stakeholder,
        consultation=draft_consultation,
        section_key=SECTION,
        body="An ordinary comment.",
    )
    assert "a fortnight" in comment.search_text and "ninety days" in comment.search_text
    found = comment_search(consultation=draft_consultation, viewer=secretariat, query="fortnight")
    assert [hit.comment.receipt for hit in found.hits] == [comment.receipt]


# --- editing until the round closes -----------------------------------------------


def test_an_edit_changes_reason_and_wording_and_keeps_every_version(
    draft_consultation, stakeholder
):
    comment = propose(draft_consultation, stakeholder)
    services.comment_edit(
        actor=stakeholder,
        comment=comment,
        body=REASON,
        amendment={"quote": "must publish", "replacement": "shall publish"},
    )
    services.comment_edit(
        actor=stakeholder,
        comment=comment,
        body="A better reason.",
        amendment={"quote": "must publish", "replacement": "shall publish"},
    )
    amendment = Amendment.objects.get(comment=comment)
    assert (amendment.quote, amendment.replacement) == ("must publish", "shall publish")
    plain = plain_text(comment.section.body).text
    assert plain[amendment.start : amendment.end] == "must publish"
    history = list(
        CommentRevision.objects.filter(comment=comment).values_list(
            "number", "body", "quote", "replacement"
        )
    )
    assert history == [
        (1, REASON, "ninety days", "thirty days"),
        (2, REASON, "must publish", "shall publish"),
        (3, "A better reason.", "must publish", "shall publish"),
    ]
    comment.refresh_from_db()
    assert "shall publish" in comment.search_text and "thirty days" not in comment.search_text


def test_an_edit_that_changes_nothing_or_breaks_the_rule_is_refused(
    draft_consultation, stakeholder
):
    comment = propose(draft_consultation, stakeholder)
    for amendment, field in [
        ({"quote": "ninety days", "replacement": "thirty days"}, "body"),  # nothing changed
        ({"quote": "data", "replacement": "facts"}, "amendment"),  # occurs twice
    ]:
        with pytest.raises(ValidationError) as refused:
            services.comment_edit(
                actor=stakeholder, comment=comment, body=REASON, amendment=amendment
            )
        assert field in refused.value.message_dict
    assert CommentRevision.objects.filter(comment=comment).count() == 1
    assert Amendment.objects.get(comment=comment).replacement == "thirty days"


def test_an_ordinary_comment_cannot_become_an_amendment(draft_consultation, stakeholder):
    comment = services.comment_create(
        actor=stakeholder, consultation=draft_consultation, section_key=SECTION, body="Hello."
    )
    with pytest.raises(ValidationError) as refused:
        services.comment_edit(
            actor=stakeholder,
            comment=comment,
            body="Hello again.",
            amendment={"quote": "ninety days", "replacement": "ten"},
        )
    assert "amendment" in refused.value.message_dict
    assert not Amendment.objects.exists()
    # Its edits record no passage.
    services.comment_edit(actor=stakeholder, comment=comment, body="Hello again.")
    assert list(
        CommentRevision.objects.filter(comment=comment).values_list("quote", "replacement")
    ) == [(None, None), (None, None)]


def test_no_edit_once_the_round_closed(draft_consultation, stakeholder):
    comment = propose(draft_consultation, stakeholder)
    closes_at = draft_consultation.rounds.get().closes_at
    with time_machine.travel(closes_at + timedelta(minutes=1), tick=False):
        with pytest.raises(ValidationError) as refused:
            services.comment_edit(
                actor=stakeholder,
                comment=comment,
                body=REASON,
                amendment={"quote": "must publish", "replacement": "shall publish"},
            )
    assert "round" in refused.value.message_dict
    assert Amendment.objects.get(comment=comment).quote == "ninety days"


def test_the_personal_data_export_carries_the_passage_and_wording(draft_consultation, stakeholder):
    comment = propose(draft_consultation, stakeholder)
    exported = personal_data_export(stakeholder)
    (row,) = exported["comments"]
    assert (row["amendment__quote"], row["amendment__replacement"]) == (
        "ninety days",
        "thirty days",
    )
    (revision,) = exported["revisions"]
    assert (revision["comment__receipt"], revision["quote"]) == (comment.receipt, "ninety days")
