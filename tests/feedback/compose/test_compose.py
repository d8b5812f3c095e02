"""Composing the next version from adopted amendments (issue 24, part 24c):
disjoint, adjacent and overlapping amendments, inline markup kept, keys kept,
conflicts listed and never applied, the API, the publish endpoint and the page."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.amendments.quote import plain_text
from consult.models import DocumentVersion, Round
from consult.versions import services as version_services
from feedback.compose import services as compose_services
from feedback.models import AmendmentApplication, Status
from plenary.audit.models import AuditEvent
from tests.api.conftest import client_for  # noqa: F401  (fixture)
from tests.consult.factories import open_consultation
from tests.feedback.compose.amendments import MARKUP_DRAFT, accept, amend

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultation(secretariat):
    return open_consultation(secretariat=secretariat, draft=MARKUP_DRAFT)


def compose(secretariat, consultation):
    return compose_services.version_compose(actor=secretariat, consultation=consultation)


def body(version: DocumentVersion, key: str) -> str:
    return version.sections.get(key=key).body


def test_disjoint_and_adjacent_amendments_are_all_applied_and_keys_are_kept(
    consultation, secretariat, stakeholder, other_stakeholder
):
    first = amend(
        consultation,
        stakeholder,
        section="1-purpose-1",
        quote="Public bodies",
        replacement="All public bodies",
    )
    # In the same paragraph, apart from the first; its wording lands inside the emphasis.
    second = amend(
        consultation,
        other_stakeholder,
        section="1-purpose-1",
        quote="must publish",
        replacement="shall publish",
    )
    third = amend(
        consultation,
        stakeholder,
        section="2-scope-1",
        quote="every ministry",
        replacement="each ministry",
    )
    # Adjacent to the third: its passage starts where the third's ends ("ministry|, agency").
    fourth = amend(
        consultation,
        other_stakeholder,
        section="2-scope-1",
        quote=", agency",
        replacement=" and every agency",
    )
    third_end = third.amendment.end
    assert fourth.amendment.start == third_end
    accept(secretariat, first)
    accept(secretariat, second, Status.PARTLY_ACCEPTED, adopted_text="shall publish openly")
    accept(secretariat, third)
    accept(secretariat, fourth)

    result = compose(secretariat, consultation)

    version = result.version
    assert version.number == 2 and version.published_at is None
    assert result.applied == [first.receipt, second.receipt, third.receipt, fourth.receipt]
    assert result.conflicts == [] and result.skipped == []
    assert body(version, "1-purpose-1") == (
        "All public bodies **shall publish openly** the data they hold within *thirty days*."
    )
    assert body(version, "2-scope-1") == (
        "It applies to each ministry and every agency and regulator."
    )
    # Changed and unchanged sections keep their keys and continue the same section.
    v1 = consultation.versions.get(number=1)
    for old in v1.sections.all():
        new = version.sections.get(key=old.key)
        assert new.previous_id == old.pk
        assert new.ordinal == old.ordinal
    assert body(version, "1-purpose-2") == body(v1, "1-purpose-2")
    # Where each adopted wording now stands, in the new section's plain text.
    for comment in (first, second, third, fourth):
        application = AmendmentApplication.objects.get(amendment_id=comment.pk, version=version)
        text = plain_text(application.section.body).text
        assert text[application.start : application.end] == application.adopted_text.strip()
        assert application.entry.comment_id == comment.pk
    event = AuditEvent.objects.get(event="version_composed")
    assert event.target == "v2" and event.detail["applied"] == result.applied


def test_overlapping_amendments_are_a_conflict_and_none_of_them_is_applied(
    consultation, secretariat, stakeholder, other_stakeholder
):
    one = amend(
        consultation,
        stakeholder,
        section="1-purpose-1",
        quote="the data they hold",
        replacement="their data",
    )
    two = amend(
        consultation,
        other_stakeholder,
        section="1-purpose-1",
        quote="they hold within",
        replacement="they keep within",
    )
    apart = amend(
        consultation,
        stakeholder,
        section="1-purpose-1",
        quote="Public bodies",
        replacement="Agencies",
    )
    for comment in (one, two, apart):
        accept(secretariat, comment)

    result = compose(secretariat, consultation)

    assert result.applied == [apart.receipt]
    assert [(c.section, c.receipts, c.reason) for c in result.conflicts] == [
        ("1-purpose-1", [one.receipt, two.receipt], "overlap")
    ]
    new = body(result.version, "1-purpose-1")
    assert new.startswith("Agencies **must publish** the data they hold within")
    assert "their data" not in new and "keep" not in new
    assert not AmendmentApplication.objects.filter(amendment_id__in=[one.pk, two.pk]).exists()


def test_emphasis_and_links_around_and_inside_the_passage_are_kept(
    consultation, secretariat, stakeholder, other_stakeholder
):
    # The passage ends inside the emphasis, and another spans the link's text.
    bold = amend(
        consultation,
        stakeholder,
        section="1-purpose-1",
        quote="must publish the",
        replacement="shall publish all the",
    )
    link = amend(
        consultation,
        other_stakeholder,
        section="1-purpose-2",
        quote="supports accountability",
        replacement="supports public accountability",
    )
    accept(secretariat, bold)
    accept(secretariat, link)

    version = compose(secretariat, consultation).version

    assert body(version, "1-purpose-1") == (
        "Public bodies **shall publish all the** data they hold within *thirty days*."
    )
    # The link's opening bracket went with the passage's start; its destination is kept.
    assert body(version, "1-purpose-2") == (
        "Open data [supports public accountability](https://example.org/acc) and useful services."
    )
    html = version.sections.get(key="1-purpose-2").body_html
    assert 'href="https://example.org/acc"' in html and "public accountability" in html


def test_only_current_adopting_decisions_are_applied(
    consultation, secretariat, stakeholder, other_stakeholder
):
    noted = amend(
        consultation,
        stakeholder,
        section="2-scope-1",
        quote="every ministry",
        replacement="each ministry",
    )
    revised = amend(
        consultation,
        other_stakeholder,
        section="1-purpose-2",
        quote="useful services",
        replacement="new services",
    )
    plain = amend(
        consultation,
        stakeholder,
        section="1-purpose-1",
        quote="thirty days",
        replacement="ten days",
    )
    accept(secretariat, noted, Status.NOTED)
    accept(secretariat, revised)
    # Revised to "not accepted": its earlier acceptance no longer counts.
    accept(secretariat, revised, Status.NOT_ACCEPTED, rationale="On reflection, no.")
    accept(secretariat, plain)

    result = compose(secretariat, consultation)

    assert result.applied == [plain.receipt]
    assert (
        body(result.version, "2-scope-1") == "It applies to every ministry, agency and regulator."
    )
    assert "useful services" in body(result.version, "1-purpose-2")


def test_amendments_to_an_older_version_are_listed_as_skipped(
    consultation, secretariat, stakeholder, other_stakeholder
):
    applied = amend(
        consultation,
        stakeholder,
        section="2-scope-1",
        quote="every ministry",
        replacement="each ministry",
    )
    accept(secretariat, applied)
    v2 = compose(secretariat, consultation).version
    version_services.version_publish(actor=secretariat, version=v2)
    # Decided after version 2 was composed from version 1: on an older version now.
    late = amend(
        consultation,
        other_stakeholder,
        section="1-purpose-1",
        quote="thirty days",
        replacement="ten days",
    )
    accept(secretariat, late)
    with pytest.raises(ValidationError, match="nothing to apply"):
        compose(secretariat, consultation)
    # The round now reviews version 2 (as a new round on it would).
    Round.objects.filter(consultation=consultation).update(document_version=v2)
    current = amend(
        consultation,
        stakeholder,
        section="2-scope-1",
        quote="each ministry",
        replacement="each ministry and council",
    )
    accept(secretariat, current)

    result = compose(secretariat, consultation)

    assert result.version.number == 3
    assert result.applied == [current.receipt]
    # The one applied in version 2 is not listed again; the late one is, as not applicable.
    assert [(s.receipt, s.section, s.version) for s in result.skipped] == [
        (late.receipt, "1-purpose-1", 1)
    ]
    assert body(result.version, "2-scope-1") == (
        "It applies to each ministry and council, agency and regulator."
    )


def test_composing_is_refused_while_a_later_version_is_unpublished(
    consultation, secretariat, stakeholder
):
    accept(
        secretariat,
        amend(
            consultation,
            stakeholder,
            section="2-scope-1",
            quote="every ministry",
            replacement="each ministry",
        ),
    )
    compose(secretariat, consultation)
    with pytest.raises(ValidationError, match="Version 2 is not published yet"):
        compose(secretariat, consultation)
    assert consultation.versions.count() == 2


# --- the API --------------------------------------------------------------------


def test_api_compose_answers_201_with_applied_and_conflicts(
    consultation,
    secretariat,
    stakeholder,
    other_stakeholder,
    client_for,  # noqa: F811
):
    one = amend(
        consultation,
        stakeholder,
        section="1-purpose-1",
        quote="the data they hold",
        replacement="their data",
    )
    two = amend(
        consultation,
        other_stakeholder,
        section="1-purpose-1",
        quote="they hold within",
        replacement="they keep within",
    )
    fine = amend(
        consultation,
        stakeholder,
        section="2-scope-1",
        quote="every ministry",
        replacement="each ministry",
    )
    for comment in (one, two, fine):
        accept(secretariat, comment)
    url = f"/api/v1/consultations/{consultation.slug}/versions/"

    refused = client_for(stakeholder).post(url, {"compose": True}, format="json")
    assert refused.status_code == 403
    missing = client_for(secretariat).post(url, {}, format="json")
    assert missing.status_code == 400 and "compose" in missing.json()
    assert consultation.versions.count() == 1

    response = client_for(secretariat).post(url, {"compose": True}, format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["number"] == 2 and data["published"] is False
    assert data["applied"] == [fine.receipt]
    assert data["conflicts"] == [
        {"section": "1-purpose-1", "receipts": [one.receipt, two.receipt], "reason": "overlap"}
    ]
    # The list still answers GET, the new version among the team's.
    listed = client_for(secretariat).get(url).json()
    assert [v["number"] for v in listed] == [1, 2]
    again = client_for(secretariat).post(url, {"compose": True}, format="json")
    assert again.status_code == 400 and "compose" in again.json()


def test_api_publish_publishes_through_the_service(
    consultation,
    secretariat,
    stakeholder,
    client_for,  # noqa: F811
):
    accept(
        secretariat,
        amend(
            consultation,
            stakeholder,
            section="2-scope-1",
            quote="every ministry",
            replacement="each ministry",
        ),
    )
    compose(secretariat, consultation)
    url = f"/api/v1/consultations/{consultation.slug}/versions/2/publish/"

    assert client_for(stakeholder).post(url, {}, format="json").status_code == 403
    assert consultation.versions.get(number=2).published_at is None
    response = client_for(secretariat).post(url, {}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["number"] == 2 and response.json()["published_at"]
    assert consultation.versions.get(number=2).published_at is not None
    again = client_for(secretariat).post(url, {}, format="json")
    assert again.status_code == 400 and "version" in again.json()
    assert AuditEvent.objects.filter(event="version_published", target="v2").count() == 1
    # Readers now see version 2 and its sections.
    sections = client_for(stakeholder).get(f"/api/v1/consultations/{consultation.slug}/versions/")
    assert [v["number"] for v in sections.json()] == [1, 2]


# --- the pages (no JavaScript) ------------------------------------------------------


def test_the_versions_page_offers_composing_to_the_secretariat_only(
    client, consultation, secretariat, stakeholder
):
    url = reverse("versions", args=[consultation.slug])
    compose_url = reverse("staff_version_compose", args=[consultation.slug])
    client.force_login(stakeholder)
    assert compose_url not in client.get(url).content.decode()
    client.force_login(secretariat)
    page = client.get(url).content.decode()
    assert f'action="{compose_url}"' in page
    assert "Compose the next version from adopted amendments" in page


def test_the_compose_page_shows_applied_receipts_and_conflicts(
    client, consultation, secretariat, stakeholder, other_stakeholder
):
    one = amend(
        consultation,
        stakeholder,
        section="1-purpose-1",
        quote="the data they hold",
        replacement="their data",
    )
    two = amend(
        consultation,
        other_stakeholder,
        section="1-purpose-1",
        quote="they hold within",
        replacement="they keep within",
    )
    fine = amend(
        consultation,
        stakeholder,
        section="2-scope-1",
        quote="every ministry",
        replacement="each ministry",
    )
    for comment in (one, two, fine):
        accept(secretariat, comment)
    url = reverse("staff_version_compose", args=[consultation.slug])
    client.force_login(stakeholder)
    assert client.post(url).status_code == 403
    assert consultation.versions.count() == 1
    client.force_login(secretariat)

    response = client.post(url, {"changelog": ""})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Version 2 is composed" in page
    applied = page.split('class="applied"')[1].split("</ul>")[0]
    assert fine.receipt in applied and one.receipt not in applied
    conflicts = page.split('class="conflicts"')[1].split("</ul>")[0]
    assert one.receipt in conflicts and two.receipt in conflicts and "1-purpose-1" in conflicts
    assert reverse("staff_version_matching", args=[consultation.slug, 2]) in page
    assert reverse("staff_version_publish", args=[consultation.slug, 2]) in page
    # Again: refused beside the form, nothing written.
    again = client.post(url, {"changelog": ""})
    assert again.status_code == 400
    assert "Version 2 is not published yet" in again.content.decode()
    assert consultation.versions.count() == 2


def test_the_publish_page_publishes_a_composed_version(
    client, consultation, secretariat, stakeholder
):
    accept(
        secretariat,
        amend(
            consultation,
            stakeholder,
            section="2-scope-1",
            quote="every ministry",
            replacement="each ministry",
        ),
    )
    compose(secretariat, consultation)
    url = reverse("staff_version_publish", args=[consultation.slug, 2])
    client.force_login(secretariat)
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 302
    assert consultation.versions.get(number=2).published_at is not None
    assert client.post(url).status_code == 400


def test_composing_costs_the_same_queries_for_2_or_6_amendments(
    consultation, secretariat, stakeholder, other_stakeholder
):
    """Reads are set-based: the amendments, their decisions and the applications are
    read and written in a constant number of queries, whatever their number."""
    passages = [
        ("1-purpose-1", "Public bodies", "Agencies"),
        ("1-purpose-1", "thirty days", "ten days"),
        ("1-purpose-2", "useful services", "new services"),
        ("2-scope-1", "every ministry", "each ministry"),
        ("2-scope-1", "agency", "office"),
        ("2-scope-1", "regulator", "court"),
    ]

    def composed_queries(count: int) -> int:
        comments = [
            amend(consultation, stakeholder, section=s, quote=q, replacement=r)
            for s, q, r in passages[:count]
        ]
        for comment in comments:
            accept(secretariat, comment)
        with CaptureQueriesContext(connection) as queries:
            result = compose(secretariat, consultation)
        assert len(result.applied) == count
        version_services.version_delete(actor=secretariat, version=result.version)
        # Decided otherwise, so the next round of this test starts from none adopted.
        for comment in comments:
            accept(secretariat, comment, Status.NOT_ACCEPTED, rationale="Reset.")
        return len(queries)

    assert composed_queries(2) == composed_queries(6)


def test_a_paragraph_repeated_word_for_word_is_changed_only_where_amended(secretariat, stakeholder):
    repeated = "It applies to every ministry."
    consultation = open_consultation(
        secretariat=secretariat,
        title="Twin paragraphs",
        draft=f"# Twins\n\n## First\n{repeated}\n\n## Second\n{repeated}\n",
    )
    accept(
        secretariat,
        amend(
            consultation,
            stakeholder,
            section="second-1",
            quote="every ministry",
            replacement="each ministry",
        ),
    )

    version = compose(secretariat, consultation).version

    assert body(version, "first-1") == repeated
    assert body(version, "second-1") == "It applies to each ministry."
    assert version.source.count("## ") == 2
