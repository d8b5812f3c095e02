"""Long comments answered point by point (issue 23): splitting, sub-receipts, each
point's decision through the ledger, ledger.json and verify_ledger, and the pages
the author and the team read."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError
from django.db import IntegrityError, transaction

from feedback.models import CommentPoint, DispositionDraft, DispositionEntry, Status
from feedback.points import passages, services
from tests.feedback.ledger.test_chain import (
    behind_the_application,
    comment_on,
    decide,
    download,
    outsider_problems,
    run_verify,
)

pytestmark = pytest.mark.django_db

LETTER = (
    "First, the licence must be named.\n\n"
    "Second, regulators should be covered.\n"
    "They enforce it.\n\n"
    "Third, publish every quarter.\n\n\n"
    "  Fourth, translate the summary.  "
)


@pytest.fixture
def letter(consultation, stakeholder):
    return comment_on(consultation, stakeholder, LETTER)


def split(secretariat, comment, selected, breaks=()):
    return services.points_split_paragraphs(
        actor=secretariat, comment=comment, selected=selected, breaks=breaks
    )


def test_paragraphs_are_found_without_their_surrounding_whitespace():
    spans = passages.paragraph_spans(LETTER)
    assert [LETTER[s:e] for s, e in spans] == [
        "First, the licence must be named.",
        "Second, regulators should be covered.\nThey enforce it.",
        "Third, publish every quarter.",
        "Fourth, translate the summary.",
    ]


def test_secretariat_splits_by_paragraph_consecutive_ones_making_one_point(letter, secretariat):
    points = split(secretariat, letter, [0, 1, 3], breaks=[1])
    assert [p.receipt for p in points] == [
        f"{letter.receipt}-1",
        f"{letter.receipt}-2",
        f"{letter.receipt}-3",
    ]
    assert [p.quote for p in points] == [
        "First, the licence must be named.",
        "Second, regulators should be covered.\nThey enforce it.",
        "Fourth, translate the summary.",
    ]
    # Without the break, paragraphs 1 and 2 (0-based 0 and 1) make one point.
    letter.refresh_from_db()
    assert letter.body == LETTER  # nothing the participant wrote changes
    for point in points:
        assert LETTER[point.start : point.end] == point.quote


def test_consecutive_ticked_paragraphs_make_one_point(letter, secretariat):
    (point,) = split(secretariat, letter, [1, 2])
    assert point.quote == LETTER[point.start : point.end]
    assert point.quote.startswith("Second") and point.quote.endswith("every quarter.")


def test_split_by_selection_offsets_keeps_the_exact_passage(letter, secretariat):
    start = LETTER.index("regulators")
    (point,) = services.points_split(
        actor=secretariat, comment=letter, spans=[(start - 1, start + len("regulators") + 1)]
    )
    assert point.quote == "regulators"  # the space around it is left out
    assert point.number == 1
    # A later split is numbered after it, in reading order within the new split.
    later = services.points_split(actor=secretariat, comment=letter, spans=[(0, 5), (200, 210)][:1])
    assert [p.number for p in later] == [2]


@pytest.mark.parametrize(
    "spans",
    [[(5, 5)], [(0, 10_000)], [(33, 35)], [(0, 10), (5, 20)], []],
    ids=["empty", "outside", "blank", "overlapping", "none"],
)
def test_bad_passages_are_refused_and_nothing_is_written(letter, secretariat, spans):
    with pytest.raises(ValidationError) as exc:
        services.points_split(actor=secretariat, comment=letter, spans=spans)
    assert "passages" in exc.value.message_dict
    assert not CommentPoint.objects.exists()


def test_a_passage_overlapping_an_existing_point_is_refused(letter, secretariat):
    split(secretariat, letter, [0])
    with pytest.raises(ValidationError):
        services.points_split(actor=secretariat, comment=letter, spans=[(3, 40)])
    assert CommentPoint.objects.count() == 1


def test_participant_and_moderator_cannot_split(letter, stakeholder, moderator):
    for actor in (stakeholder, moderator):
        with pytest.raises(PermissionDenied):
            split(actor, letter, [0])
    assert not CommentPoint.objects.exists()


def test_each_point_gets_its_own_decision_entry_and_the_chain_verifies(
    letter, secretariat, consultation, client
):
    decide(secretariat, letter, Status.PARTLY_ACCEPTED, rationale="See each point.")
    one, two, three = split(secretariat, letter, [0, 1, 2], breaks=[1, 2])
    services.point_draft_save(actor=secretariat, point=one, status=Status.ACCEPTED)
    services.point_draft_save(
        actor=secretariat, point=two, status=Status.NOT_ACCEPTED, rationale="Out of our remit."
    )
    with pytest.raises(ValidationError) as exc:  # the comment's rules: a reason is owed
        services.point_draft_save(actor=secretariat, point=three, status=Status.NOT_ACCEPTED)
    assert "rationale" in exc.value.message_dict
    assert not DispositionEntry.objects.filter(point__isnull=False).exists()  # drafts only

    batch = services.points_publish(actor=secretariat, comment=letter)
    entries = list(batch.entries.order_by("sequence"))
    assert [(e.sequence, e.receipt, e.status) for e in entries] == [
        (2, one.receipt, Status.ACCEPTED),
        (3, two.receipt, Status.NOT_ACCEPTED),
    ]
    assert all(e.comment_id is None and e.point_id for e in entries)
    # The comment's own decision is still its own.
    assert letter.dispositions.get().status == Status.PARTLY_ACCEPTED

    out, _err = run_verify(consultation.slug)
    assert out.startswith("OK: 3 entries")
    ledger = download(client, consultation)
    assert [e["receipt"] for e in ledger["entries"]] == [letter.receipt, one.receipt, two.receipt]
    assert ledger["entries"][2]["rationale"] == "Out of our remit."
    assert outsider_problems(ledger) == []
    (row,) = ledger["comments"]
    assert [(p["receipt"], p["status"]) for p in row["points"]] == [
        (one.receipt, "accepted"),
        (two.receipt, "not_accepted"),
        (three.receipt, "awaiting"),
    ]


def test_verify_ledger_names_a_point_entry_altered_in_the_database(
    letter, secretariat, consultation, client
):
    (point,) = split(secretariat, letter, [0])
    services.point_draft_save(actor=secretariat, point=point, status=Status.ACCEPTED)
    entry = services.point_publish(actor=secretariat, point=point)
    run_verify(consultation.slug)
    with behind_the_application() as cursor:
        cursor.execute(
            "UPDATE feedback_dispositionentry SET status = 'not_accepted' WHERE id = %s",
            [entry.pk],
        )
    with pytest.raises(CommandError) as exc:
        run_verify(consultation.slug)
    assert exc.value.stderr.strip().splitlines() == [
        f"entry #1 (receipt {point.receipt}): content does not match its hash (rewritten)"
    ]
    assert outsider_problems(download(client, consultation)) == [f"#1 {point.receipt}: entry_hash"]


def test_a_point_with_a_published_decision_cannot_be_removed_but_new_points_can_be_added(
    letter, secretariat
):
    one, two = split(secretariat, letter, [0, 1], breaks=[1])
    services.point_draft_save(actor=secretariat, point=one, status=Status.NOTED)
    services.point_publish(actor=secretariat, point=one)
    with pytest.raises(ValidationError):
        services.point_remove(actor=secretariat, point=one)
    services.point_remove(actor=secretariat, point=two)
    assert list(letter.points.values_list("number", flat=True)) == [1]
    (three,) = split(secretariat, letter, [3])
    assert three.number == 2


def test_a_published_point_decision_follows_the_transition_table(letter, secretariat):
    (point,) = split(secretariat, letter, [0])
    services.point_draft_save(actor=secretariat, point=point, status=Status.ACCEPTED)
    services.point_publish(actor=secretariat, point=point)
    services.point_draft_save(actor=secretariat, point=point, status=Status.NOTED, rationale="x")
    with pytest.raises(ValidationError):  # a decision cannot become a mere acknowledgement
        services.point_publish(actor=secretariat, point=point)


def test_author_reads_each_points_answer_on_the_receipt_page_and_in_my_input(
    letter, secretariat, stakeholder, client, django_assert_max_num_queries
):
    one, two = split(secretariat, letter, [0, 1], breaks=[1])
    services.point_draft_save(actor=secretariat, point=one, status=Status.ACCEPTED)
    services.point_draft_save(
        actor=secretariat, point=two, status=Status.NOT_ACCEPTED, rationale="Regulators differ."
    )
    services.point_publish(actor=secretariat, point=two)  # one's answer is still a draft
    client.force_login(stakeholder)

    page = client.get(f"/r/{letter.receipt}/").content.decode()
    assert two.receipt in page and "Regulators differ." in page
    assert "2 points:" in page
    assert one.receipt in page
    assert page.count("awaiting response") >= 1  # the draft on point 1 is not shown

    mine = client.get("/me/input/").content.decode()
    assert two.receipt in mine and "Regulators differ." in mine

    response = client.get(f"/r/{two.receipt}/")
    assert response.status_code == 302
    assert response["Location"] == f"/r/{letter.receipt}/#point-2"


def test_a_private_comments_points_show_their_status_not_their_text(
    consultation, stakeholder, other_stakeholder, secretariat, client
):
    private = comment_on(consultation, stakeholder, LETTER, visibility="private")
    (point,) = split(secretariat, private, [0])
    services.point_draft_save(
        actor=secretariat, point=point, status=Status.NOT_ACCEPTED, rationale="Secret reason."
    )
    services.point_publish(actor=secretariat, point=point)
    client.force_login(other_stakeholder)
    page = client.get(f"/r/{private.receipt}/").content.decode()
    assert point.receipt in page
    assert "licence must be named" not in page and "Secret reason." not in page


def test_receipt_page_queries_do_not_grow_with_points(
    letter, secretariat, stakeholder, client, django_assert_max_num_queries
):
    client.force_login(stakeholder)
    split(secretariat, letter, [0])
    with django_assert_max_num_queries(40) as few:
        client.get(f"/r/{letter.receipt}/")
    services.points_split(
        actor=secretariat,
        comment=letter,
        spans=[(LETTER.index("Second"), LETTER.index("Second") + 6)],
    )
    split(secretariat, letter, [2, 3], breaks=[3])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/r/{letter.receipt}/")


def test_team_page_splits_decides_and_publishes_without_javascript(
    letter, secretariat, stakeholder, client
):
    client.force_login(secretariat)
    url = f"/staff/comments/{letter.receipt}/points/"
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, {"paragraphs": ["0", "1", "3"], "breaks": ["1"]})
    assert response.status_code == 302
    assert letter.points.count() == 3
    decide_url = f"{url}decide/"
    assert client.post(decide_url, {"point": "1", "p1-status": "accepted"}).status_code == 302
    refused = client.post(decide_url, {"point": "2", "p2-status": "not_accepted"})
    assert refused.status_code == 400  # no rationale: said beside the field
    assert "needs a rationale" in refused.content.decode()
    client.post(decide_url, {"point": "2", "p2-status": "not_accepted", "p2-rationale": "Covered."})
    assert client.post(f"{url}publish/").status_code == 302
    assert DispositionEntry.objects.filter(point__comment=letter).count() == 2
    response = client.post(f"{url}remove/", {"point": "1"})
    assert letter.points.count() == 3  # decided: it stays
    client.post(f"{url}remove/", {"point": "3"})
    assert letter.points.count() == 2


def test_participant_cannot_open_the_team_page(letter, stakeholder, client):
    client.force_login(stakeholder)
    assert client.get(f"/staff/comments/{letter.receipt}/points/").status_code == 403
    assert (
        client.post(f"/staff/comments/{letter.receipt}/points/", {"paragraphs": ["0"]}).status_code
        == 403
    )
    assert not CommentPoint.objects.exists()


def test_a_draft_on_both_a_comment_and_a_point_is_refused_by_the_database(letter, secretariat):
    (point,) = split(secretariat, letter, [0])
    with pytest.raises(IntegrityError), transaction.atomic():
        DispositionDraft.objects.create(
            comment=letter, point=point, status=Status.NOTED, drafted_by=secretariat
        )


def test_api_lists_points_as_the_comment_is_read_and_the_team_splits(
    consultation, letter, secretariat, stakeholder, other_stakeholder, client
):
    private = comment_on(consultation, stakeholder, LETTER, visibility="private")
    client.force_login(secretariat)
    start = LETTER.index("Third")
    response = client.post(
        f"/api/v1/comments/{private.receipt}/points/",
        {"passages": [{"start": start, "end": start + 5}]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()[0]["receipt"] == f"{private.receipt}-1"
    assert response.json()[0]["quote"] == "Third"
    bad = client.post(
        f"/api/v1/comments/{private.receipt}/points/",
        {"passages": [{"start": 0, "end": 99_999}]},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "passages" in bad.json()
    assert private.points.count() == 1

    client.force_login(other_stakeholder)
    (point,) = client.get(f"/api/v1/comments/{private.receipt}/points/").json()
    assert point["receipt"] == f"{private.receipt}-1"
    assert point["status"] is None and point["quote"] is None  # not the reader of its text
    client.force_login(stakeholder)
    (point,) = client.get(f"/api/v1/comments/{private.receipt}/points/").json()
    assert point["quote"] == "Third"  # its author reads it

    assert (
        client.post(
            f"/api/v1/comments/{letter.receipt}/points/",
            {"paragraphs": [0]},
            content_type="application/json",
        ).status_code
        == 403
    )


def test_triage_and_the_public_ledger_show_the_points_summary(
    consultation, letter, secretariat, client, django_assert_max_num_queries
):
    one, two, _three = split(secretariat, letter, [0, 1, 2], breaks=[1, 2])
    for point, status in ((one, Status.ACCEPTED), (two, Status.ACCEPTED)):
        services.point_draft_save(actor=secretariat, point=point, status=status)
    services.points_publish(actor=secretariat, comment=letter)
    ledger = client.get(f"/c/{consultation.slug}/ledger/").content.decode()
    assert "3 points:" in ledger
    client.force_login(secretariat)
    triage = client.get(f"/staff/c/{consultation.slug}/triage/").content.decode()
    assert "3 points:" in triage and f"/staff/comments/{letter.receipt}/points/" in triage
