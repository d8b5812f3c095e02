"""Answers that stay consistent: the decide page offers published decisions to reuse."""

import re
from html import unescape

import pytest
from django.urls import reverse

from feedback.clusters import services as cluster_services
from feedback.ledger import selectors, services
from feedback.models import DispositionDraft, DispositionEntry, Status
from feedback.themes import services as theme_services
from tests.consult.factories import open_consultation
from tests.feedback.ledger.test_workbench import SECTION_1, SECTION_2, SECTION_3, comment_on
from tests.test_query_counts import add_comments, count_queries

CAMPAIGN = "Strong encryption protects journalists and their sources from state surveillance."


def publish(secretariat, comment, status, rationale):
    return services.disposition_record(
        actor=secretariat, comment=comment, status=status, rationale=rationale, publish=True
    )


@pytest.fixture
def desk(consultation, secretariat, stakeholder, other_stakeholder):
    """A comment to decide and published decisions around it, one of each kind."""
    comment = comment_on(consultation, stakeholder, SECTION_1, CAMPAIGN)
    copy = comment_on(consultation, other_stakeholder, SECTION_3, CAMPAIGN)
    themed = comment_on(consultation, other_stakeholder, SECTION_3, "Parking fees are too high.")
    near = comment_on(
        consultation, other_stakeholder, SECTION_1, "Journalists need encryption for sources."
    )
    same_section = comment_on(consultation, other_stakeholder, SECTION_1, "Buses run late.")
    similar_elsewhere = comment_on(
        consultation, other_stakeholder, SECTION_2, "Surveillance of journalists: keep encryption."
    )
    unrelated = comment_on(consultation, other_stakeholder, SECTION_2, "Libraries close early.")
    drafted = comment_on(consultation, other_stakeholder, SECTION_1, CAMPAIGN + " Drafted.")
    cluster_services.clusters_rebuild(consultation_id=consultation.pk)
    assert comment.campaign.cluster_id == copy.campaign.cluster_id
    theme = theme_services.theme_create(actor=secretariat, consultation=consultation, name="Money")
    theme_services.theme_tag(actor=secretariat, theme=theme, comments=[comment, themed])

    other = open_consultation(secretariat=secretariat, title="Another policy")
    elsewhere = comment_on(other, other_stakeholder, SECTION_1, CAMPAIGN)
    entries = {
        "own": publish(secretariat, comment, Status.NOTED, "Noted, thank you."),
        "copy": publish(secretariat, copy, Status.PARTLY_ACCEPTED, "Campaign answer."),
        "themed": publish(secretariat, themed, Status.NOT_ACCEPTED, "Theme answer."),
        "near": publish(secretariat, near, Status.ACCEPTED, "Section answer, similar."),
        "same_section": publish(secretariat, same_section, Status.NOTED, "Section answer."),
        "similar_elsewhere": publish(
            secretariat, similar_elsewhere, Status.ACCEPTED, "Text answer."
        ),
        "unrelated": publish(secretariat, unrelated, Status.NOTED, "Unrelated answer."),
        "elsewhere": publish(secretariat, elsewhere, Status.ACCEPTED, "Other consultation."),
    }
    services.disposition_record(
        actor=secretariat, comment=drafted, status=Status.ACCEPTED, rationale="Draft wording."
    )
    return comment, entries


def offered(comment) -> list[str]:
    return [offer.entry.rationale for offer in selectors.consistent_answers(comment=comment)]


def test_offers_same_cluster_first_then_theme_or_section_by_similarity_then_similar_text(desk):
    comment, _entries = desk
    reasons = selectors.OfferReason
    assert [
        (offer.entry.rationale, offer.reason)
        for offer in selectors.consistent_answers(comment=comment)
    ] == [
        ("Campaign answer.", reasons.CLUSTER),
        ("Section answer, similar.", reasons.THEME_OR_SECTION),
        # Theme and section with nothing in common: the later published first.
        ("Section answer.", reasons.THEME_OR_SECTION),
        ("Theme answer.", reasons.THEME_OR_SECTION),
        ("Text answer.", reasons.TEXT),
    ]


def test_offers_leave_out_drafts_other_consultations_the_comment_itself_and_unrelated_text(
    desk,
):
    comment, _entries = desk
    rationales = [
        offer.entry.rationale for offer in selectors.consistent_answers(comment=comment, shown=50)
    ]
    for left_out in (
        "Draft wording.",
        "Other consultation.",
        "Noted, thank you.",
        "Unrelated answer.",
    ):
        assert left_out not in rationales


def test_a_revised_decision_is_offered_in_its_current_wording_only(desk, secretariat):
    comment, entries = desk
    copy = entries["copy"].comment
    services.disposition_record(
        actor=secretariat,
        comment=copy,
        status=Status.ACCEPTED,
        rationale="Campaign answer, revised.",
        publish=True,
    )
    assert offered(comment)[0] == "Campaign answer, revised."
    assert "Campaign answer." not in offered(comment)


def test_the_same_wording_is_offered_once(desk, secretariat, consultation, other_stakeholder):
    comment, _entries = desk
    again = comment_on(consultation, other_stakeholder, SECTION_1, "Encryption for journalists.")
    publish(secretariat, again, Status.PARTLY_ACCEPTED, "Campaign answer.")
    assert offered(comment).count("Campaign answer.") == 1


def test_decide_page_shows_each_offer_with_its_comment_and_a_use_link(client, secretariat, desk):
    comment, entries = desk
    client.force_login(secretariat)
    html = client.get(reverse("staff_decide", args=[comment.receipt])).content.decode()
    offers = html.split('id="consistent-answers"')[1]
    copy = entries["copy"]
    assert copy.comment.receipt in offers
    assert "Campaign answer." in offers
    assert "same campaign" in offers
    assert "Strong encryption protects journalists" in offers
    assert f"?use={copy.pk}" in offers
    assert "Draft wording." not in offers


def test_use_this_wording_prefills_the_form_and_writes_nothing(client, secretariat, desk):
    comment, entries = desk
    client.force_login(secretariat)
    drafts, ledger = DispositionDraft.objects.count(), DispositionEntry.objects.count()
    url = reverse("staff_decide", args=[comment.receipt])
    response = client.get(url, {"use": entries["copy"].pk})
    assert response.status_code == 200
    html = unescape(response.content.decode())
    form = html.split('id="decision-h"')[1].split("</form>")[0]
    assert re.search(r'value="partly_accepted"[^>]*checked', form)
    assert re.search(r"<textarea[^>]*>\s*Campaign answer\.</textarea>", form)
    assert "nothing is saved until you save or publish" in html
    assert (DispositionDraft.objects.count(), DispositionEntry.objects.count()) == (drafts, ledger)


@pytest.mark.parametrize("use", ["abc", "999999", "-1", "", "elsewhere"])
def test_a_bad_use_value_is_ignored_with_a_message(client, secretariat, desk, use):
    comment, entries = desk
    client.force_login(secretariat)
    if use == "elsewhere":
        use = str(entries["elsewhere"].pk)  # a decision of another consultation
    response = client.get(reverse("staff_decide", args=[comment.receipt]), {"use": use})
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "could not be found; the form is as it was" in html
    form = html.split('id="decision-h"')[1].split("</form>")[0]
    # The form shows the comment's own state (no draft: nothing chosen, no rationale).
    assert not re.search(r'value="[a-z_]+"[^>]*checked', form)
    assert "Campaign answer." not in form


def test_a_stakeholder_cannot_open_the_decide_page_to_reuse_wording(client, stakeholder, desk):
    comment, entries = desk
    client.force_login(stakeholder)
    url = reverse("staff_decide", args=[comment.receipt])
    assert client.get(url, {"use": entries["copy"].pk}).status_code == 403


def test_decide_page_queries_do_not_grow_with_published_decisions(
    client, consultation, secretariat, stakeholder
):
    comment = comment_on(consultation, stakeholder, SECTION_1, CAMPAIGN)
    client.force_login(secretariat)
    url = reverse("staff_decide", args=[comment.receipt])
    add_comments(consultation, secretariat, 10)
    count_queries(client, url)
    small = count_queries(client, url)
    add_comments(consultation, secretariat, 1000)
    assert DispositionEntry.objects.filter(consultation=consultation).count() == 202
    large = count_queries(client, url)
    assert small == large, f"{small} queries with 2 decisions, {large} with 202"
