"""The secretariat's workbench: triage filters, bulk decisions, saved rationales, the
side-by-side decision page."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comments.threads import services as comment_services
from consult.consultations import services as consult_services
from consult.versions import services as version_services
from feedback.ledger import services
from feedback.models import DispositionDraft, DispositionEntry, PublicationBatch, RationaleSnippet
from tests.consult.factories import DRAFT, open_consultation
from tests.stakeholders.factories import ParticipantFactory
from tests.stakeholders.factories import group as stakeholder_group
from tests.test_query_counts import add_comments

SECTION_1 = "1-purpose-1"
SECTION_2 = "1-purpose-2"
SECTION_3 = "2-scope-1"


def comment_on(consultation, author, section_key=SECTION_1, body="A comment."):
    return comment_services.comment_create(
        actor=author, consultation=consultation, section_key=section_key, body=body
    )


def triage_url(consultation, **params):
    url = reverse("staff_triage", args=[consultation.slug])
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return url


def receipts_in(html: str) -> set[str]:
    return set(re.findall(r'href="/r/([0-9A-Z-]+)/"', html))


@pytest.fixture
def government_official(db):
    return ParticipantFactory(display_name="Official", group=stakeholder_group("government")).user


# --- filters ------------------------------------------------------------------------


def test_triage_filters_by_section_group_and_status(
    client, consultation, secretariat, stakeholder, government_official
):
    civil = comment_on(consultation, stakeholder, SECTION_1)
    official_1 = comment_on(consultation, government_official, SECTION_1)
    official_3 = comment_on(consultation, government_official, SECTION_3)
    services.disposition_record(
        actor=secretariat, comment=official_3, status="accepted", publish=True
    )
    services.disposition_record(actor=secretariat, comment=official_1, status="noted")
    client.force_login(secretariat)

    def shown(**params):
        response = client.get(triage_url(consultation, **params))
        assert response.status_code == 200
        return receipts_in(response.content.decode())

    # Default: awaiting a published decision (drafted ones still await).
    assert shown() == {civil.receipt, official_1.receipt}
    assert shown(status="all") == {civil.receipt, official_1.receipt, official_3.receipt}
    assert shown(status="drafted") == {official_1.receipt}
    assert shown(status="accepted") == {official_3.receipt}
    assert shown(status="not_accepted") == set()
    assert shown(status="all", section=SECTION_1) == {civil.receipt, official_1.receipt}
    assert shown(status="all", section=SECTION_3) == {official_3.receipt}
    assert shown(status="all", group="government") == {official_1.receipt, official_3.receipt}
    assert shown(status="all", group="civil-society") == {civil.receipt}
    assert shown(status="awaiting", group="government", section=SECTION_1) == {official_1.receipt}
    # The older tab parameter still works.
    assert shown(show="drafted") == {official_1.receipt}


def test_triage_filter_form_is_labelled_and_lists_the_current_sections(
    client, consultation, secretariat
):
    client.force_login(secretariat)
    html = client.get(triage_url(consultation)).content.decode()
    for name, label in [
        ("round", "Round"),
        ("section", "Section"),
        ("group", "Stakeholder group"),
        ("status", "Status"),
    ]:
        assert re.search(rf'<label for="id_{name}">{label}:?</label>', html), name
        assert f'name="{name}"' in html
    for key in (SECTION_1, SECTION_2, SECTION_3, "3-licensing-1"):
        assert f'value="{key}"' in html
    assert '<form method="get"' in html


def test_an_unknown_filter_value_is_reported_and_the_list_still_shows(
    client, consultation, secretariat, stakeholder
):
    comment = comment_on(consultation, stakeholder)
    client.force_login(secretariat)
    response = client.get(triage_url(consultation, section="no-such-key", status="bogus"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice" in html
    assert receipts_in(html) == {comment.receipt}


def test_triage_filters_by_round(client, secretariat, stakeholder):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        consultation = open_consultation(secretariat=secretariat, days=21)
        first = comment_on(consultation, stakeholder)
    with time_machine.travel(start + timedelta(days=22), tick=False):
        version_services.draft_import(actor=secretariat, consultation=consultation, source=DRAFT)
        consult_services.round_open(
            actor=secretariat,
            consultation=consultation,
            closes_at=timezone.now() + timedelta(days=21),
            title="Second reading",
        )
        second = comment_on(consultation, stakeholder)
        client.force_login(secretariat)
        html_1 = client.get(triage_url(consultation, status="all", round=1)).content.decode()
        html_2 = client.get(triage_url(consultation, status="all", round=2)).content.decode()
    assert receipts_in(html_1) == {first.receipt}
    assert receipts_in(html_2) == {second.receipt}
    assert "Round 2: Second reading" in html_2


def test_triage_queries_do_not_grow_with_comments(client, consultation, secretariat):
    services.snippet_create(
        actor=secretariat, consultation=consultation, title="Mandate", text="Out of mandate."
    )
    client.force_login(secretariat)

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    urls = [
        triage_url(consultation),
        triage_url(consultation, status="all", group="civil-society", round=1, section=SECTION_2),
    ]
    add_comments(consultation, secretariat, 10)
    some = DispositionEntry.objects.values("comment")
    services.disposition_draft_bulk(
        actor=secretariat,
        consultation=consultation,
        comments=consultation.comments.exclude(pk__in=some)[:3],
        status="noted",
    )
    for url in urls:
        count(url)  # warm caches (session, content types)
    small = [count(url) for url in urls]
    add_comments(consultation, secretariat, 290)
    services.disposition_draft_bulk(
        actor=secretariat,
        consultation=consultation,
        comments=consultation.comments.exclude(pk__in=some)[:60],
        status="noted",
    )
    assert consultation.comments.filter(root__isnull=True).count() == 300
    assert [count(url) for url in urls] == small


# --- bulk decisions ----------------------------------------------------------------


@pytest.fixture
def three(consultation, stakeholder, other_stakeholder):
    return [
        comment_on(consultation, stakeholder, SECTION_1, "First."),
        comment_on(consultation, stakeholder, SECTION_2, "Second."),
        comment_on(consultation, other_stakeholder, SECTION_3, "Third."),
    ]


def test_every_triage_checkbox_has_a_label_naming_its_receipt(
    client, consultation, secretariat, three
):
    client.force_login(secretariat)
    html = client.get(triage_url(consultation)).content.decode()
    for comment in three:
        r = comment.receipt
        assert f'<input type="checkbox" name="comments" value="{r}" id="pick-{r}">' in html, r
        assert re.search(
            rf'<label for="pick-{r}"><span class="visually-hidden">Select {r}</span></label>', html
        ), r
    for button in ("Save as drafts", "Publish selected drafts"):
        assert re.search(rf'<button type="submit" name="action" value="\w+"[^>]*>{button}<', html)
    assert "Publish all drafts" not in html  # nothing drafted yet
    assert '<label for="bulk_status">Decision for the selected comments:</label>' in html
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "every label must point at exactly one control"


def test_secretariat_saves_bulk_drafts(client, consultation, secretariat, three):
    client.force_login(secretariat)
    url = triage_url(consultation, status="awaiting")
    response = client.post(
        url,
        {
            "action": "draft",
            "comments": [three[0].receipt, three[2].receipt.lower()],
            "status": "not_accepted",
            "rationale": "Outside the mandate of this policy.",
        },
        follow=True,
    )
    assert response.redirect_chain == [(f"{url}#c-{three[0].receipt}", 302)]
    assert "2 draft decisions saved" in response.content.decode()
    drafts = DispositionDraft.objects.order_by("comment__created_at")
    assert [d.comment for d in drafts] == [three[0], three[2]]
    assert {(d.status, d.rationale, d.drafted_by) for d in drafts} == {
        ("not_accepted", "Outside the mandate of this policy.", secretariat)
    }
    assert DispositionEntry.objects.count() == 0  # nothing public yet
    assert "Publish all drafts (2)" in response.content.decode()


def test_bulk_draft_is_all_or_nothing_and_names_the_receipt(
    client, consultation, secretariat, three
):
    # An existing draft must survive a refused bulk save untouched.
    services.disposition_record(actor=secretariat, comment=three[1], status="noted")
    client.force_login(secretariat)
    response = client.post(
        triage_url(consultation),
        {
            "action": "draft",
            "comments": [three[1].receipt, three[0].receipt],  # the bad one second
            "status": "duplicate",
            "rationale": "Same as another.",
            "duplicate_of": three[0].receipt,
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f"{three[0].receipt}: A comment cannot duplicate itself." in html
    assert list(DispositionDraft.objects.values_list("comment", "status")) == [
        (three[1].pk, "noted")
    ]
    # The ticked boxes stay ticked for a second try.
    assert f'value="{three[0].receipt}" id="pick-{three[0].receipt}" checked' in html


def test_bulk_draft_needs_a_selection_and_a_decision(client, consultation, secretariat, three):
    client.force_login(secretariat)
    html = client.post(
        triage_url(consultation), {"action": "draft", "rationale": "x"}
    ).content.decode()
    assert "Select at least one comment in the list." in html
    assert "Choose the decision to draft on the selected comments." in html
    html = client.post(
        triage_url(consultation),
        {"action": "draft", "comments": ["ZZZZZ-ZZZZZ"], "status": "noted"},
    ).content.decode()
    assert "No comment has this receipt number: ZZZZZ-ZZZZZ." in html
    assert DispositionDraft.objects.count() == 0


def test_bulk_draft_refuses_comments_of_another_consultation(
    secretariat, consultation, three, stakeholder
):
    elsewhere = open_consultation(secretariat=secretariat, title="Elsewhere")
    foreign = comment_on(elsewhere, stakeholder)
    with pytest.raises(ValidationError) as exc:
        services.disposition_draft_bulk(
            actor=secretariat,
            consultation=consultation,
            comments=[three[0], foreign],
            status="noted",
        )
    assert foreign.receipt in str(exc.value.message_dict["comments"])
    assert DispositionDraft.objects.count() == 0


def test_bulk_draft_keeps_a_drafts_target_section(secretariat, consultation, three):
    version_2 = version_services.draft_import(
        actor=secretariat, consultation=consultation, source=DRAFT
    )
    target = version_2.sections.get(key=SECTION_1)
    services.disposition_record(
        actor=secretariat, comment=three[0], status="accepted", target_section=target
    )
    services.disposition_draft_bulk(
        actor=secretariat,
        consultation=consultation,
        comments=three[:2],
        status="partly_accepted",
        rationale="In part.",
    )
    first = DispositionDraft.objects.get(comment=three[0])
    assert (first.status, first.rationale, first.target_section) == (
        "partly_accepted",
        "In part.",
        target,
    )
    assert DispositionDraft.objects.get(comment=three[1]).target_section is None


def test_publish_selected_drafts_is_one_batch_with_consecutive_sequences(
    client, consultation, secretariat, three, stakeholder
):
    earlier = comment_on(consultation, stakeholder, SECTION_3, "Earlier.")
    services.disposition_record(actor=secretariat, comment=earlier, status="noted", publish=True)
    services.disposition_draft_bulk(
        actor=secretariat, consultation=consultation, comments=three, status="accepted"
    )
    client.force_login(secretariat)
    response = client.post(
        triage_url(consultation),
        {"action": "publish", "comments": [three[0].receipt, three[1].receipt]},
        follow=True,
    )
    assert "2 decisions published" in response.content.decode()
    batch = PublicationBatch.objects.latest("pk")
    entries = list(batch.entries.order_by("sequence"))
    assert [e.comment for e in entries] == three[:2]
    assert [e.sequence for e in entries] == [2, 3]
    assert [d.comment for d in DispositionDraft.objects.all()] == [three[2]]


def test_publish_selected_is_all_or_nothing_when_one_draft_is_invalid(
    client, consultation, secretariat, three
):
    # three[2] already has this exact decision: re-publishing it is refused at publication.
    services.disposition_record(
        actor=secretariat, comment=three[2], status="not_accepted", rationale="No.", publish=True
    )
    services.disposition_draft_bulk(
        actor=secretariat,
        consultation=consultation,
        comments=three,
        status="not_accepted",
        rationale="No.",
    )
    before = (DispositionEntry.objects.count(), PublicationBatch.objects.count())
    client.force_login(secretariat)
    response = client.post(
        triage_url(consultation, status="all"),
        {"action": "publish", "comments": [c.receipt for c in three]},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f"{three[2].receipt}: This decision is already published." in html
    assert (DispositionEntry.objects.count(), PublicationBatch.objects.count()) == before
    assert DispositionDraft.objects.count() == 3


def test_publish_all_drafts_publishes_every_draft_as_one_batch(
    client, consultation, secretariat, three
):
    services.disposition_draft_bulk(
        actor=secretariat, consultation=consultation, comments=three, status="noted"
    )
    client.force_login(secretariat)
    html = client.get(triage_url(consultation)).content.decode()
    assert re.search(r'name="action" value="publish_all">Publish all drafts \(3\)<', html)
    response = client.post(triage_url(consultation), {"action": "publish_all"}, follow=True)
    assert "3 decisions published" in response.content.decode()
    assert PublicationBatch.objects.count() == 1
    batch = PublicationBatch.objects.get()
    assert sorted(batch.entries.values_list("sequence", flat=True)) == [1, 2, 3]
    assert DispositionDraft.objects.count() == 0


def test_publishing_with_nothing_drafted_says_so(client, consultation, secretariat, three):
    client.force_login(secretariat)
    html = client.post(triage_url(consultation), {"action": "publish_all"}).content.decode()
    assert "There is no drafted decision to publish." in html
    assert PublicationBatch.objects.count() == 0


def test_one_digest_mail_per_commenter_per_batch(
    consultation,
    secretariat,
    stakeholder,
    other_stakeholder,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    mine = [comment_on(consultation, stakeholder, SECTION_1, f"Mine {i}.") for i in range(3)]
    theirs = comment_on(consultation, other_stakeholder, SECTION_2, "Theirs.")
    services.disposition_draft_bulk(
        actor=secretariat, consultation=consultation, comments=[*mine, theirs], status="noted"
    )
    mailoutbox.clear()  # receipts of the comments above
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.disposition_publish_drafts(actor=secretariat, consultation=consultation)
    assert batch.entries.count() == 4
    assert sorted(m.to[0] for m in mailoutbox) == [
        other_stakeholder.email,
        stakeholder.email,
    ]
    digest = next(m for m in mailoutbox if m.to == [stakeholder.email])
    assert "Decisions on 3 of your comments" in digest.subject
    assert all(c.receipt in digest.body for c in mine)
    assert theirs.receipt not in digest.body
    # The head this batch anchored goes out with it (issue 21): a copy outside the database.
    head = batch.head
    assert (head.entry_count, head.head_hash) == (
        4,
        batch.entries.order_by("sequence").last().entry_hash,
    )
    assert f"4 entries, hash {head.head_hash}" in digest.body
    assert services.batch_notify(batch_id=batch.pk) == 0
    assert len(mailoutbox) == 2


def test_moderator_sees_the_list_read_only_and_cannot_bulk_decide(
    client, consultation, moderator, three
):
    client.force_login(moderator)
    html = client.get(triage_url(consultation)).content.decode()
    assert receipts_in(html) == {c.receipt for c in three}
    assert 'type="checkbox"' not in html
    assert "Save as drafts" not in html
    assert "Decide" not in html
    response = client.post(
        triage_url(consultation),
        {"action": "draft", "comments": [three[0].receipt], "status": "noted"},
    )
    assert response.status_code == 403
    response = client.post(triage_url(consultation), {"action": "publish_all"})
    assert response.status_code == 403
    assert DispositionDraft.objects.count() == 0


# --- saved rationales ---------------------------------------------------------------


def test_secretariat_adds_edits_and_deletes_saved_rationales(client, consultation, secretariat):
    client.force_login(secretariat)
    url = reverse("staff_snippets", args=[consultation.slug])
    response = client.post(
        url, {"title": "Mandate", "text": "This is outside the policy's mandate."}, follow=True
    )
    assert "Saved rationale “Mandate” added." in response.content.decode()
    snippet = RationaleSnippet.objects.get()
    assert (snippet.consultation, snippet.created_by) == (consultation, secretariat)

    html = client.post(url, {"title": " mandate ", "text": "Another text."}).content.decode()
    assert "This consultation already has a saved rationale called “mandate”." in html
    assert RationaleSnippet.objects.count() == 1

    edit = reverse("staff_snippet_edit", args=[consultation.slug, snippet.pk])
    assert "outside the policy" in client.get(edit).content.decode()
    response = client.post(edit, {"title": "Out of mandate", "text": "Outside the mandate."})
    assert response.status_code == 302
    snippet.refresh_from_db()
    assert (snippet.title, snippet.text) == ("Out of mandate", "Outside the mandate.")

    html = client.get(url).content.decode()
    assert "Out of mandate" in html
    delete = reverse("staff_snippet_delete", args=[consultation.slug, snippet.pk])
    assert f'action="{delete}"' in html
    assert client.get(delete).status_code == 405
    response = client.post(delete, follow=True)
    assert "deleted" in response.content.decode()
    assert RationaleSnippet.objects.count() == 0


def test_the_same_snippet_title_is_fine_in_another_consultation(secretariat, consultation):
    elsewhere = open_consultation(secretariat=secretariat, title="Elsewhere")
    for where in (consultation, elsewhere):
        services.snippet_create(actor=secretariat, consultation=where, title="Noted", text="Ok.")
    assert RationaleSnippet.objects.count() == 2


def test_snippet_needs_a_title_and_a_text(secretariat, consultation):
    with pytest.raises(ValidationError) as exc:
        services.snippet_create(actor=secretariat, consultation=consultation, title=" ", text="")
    assert set(exc.value.message_dict) == {"title", "text"}


def test_moderator_cannot_manage_saved_rationales(client, consultation, secretariat, moderator):
    snippet = services.snippet_create(
        actor=secretariat, consultation=consultation, title="Mandate", text="Outside it."
    )
    for call in (
        lambda: services.snippet_create(
            actor=moderator, consultation=consultation, title="Mine", text="x"
        ),
        lambda: services.snippet_update(actor=moderator, snippet=snippet, title="X", text="x"),
        lambda: services.snippet_delete(actor=moderator, snippet=snippet),
    ):
        with pytest.raises(PermissionDenied):
            call()
    client.force_login(moderator)
    url = reverse("staff_snippets", args=[consultation.slug])
    html = client.get(url).content.decode()
    assert "Mandate" in html and "Add a saved rationale" not in html
    assert client.post(url, {"title": "Mine", "text": "x"}).status_code == 403
    edit = reverse("staff_snippet_edit", args=[consultation.slug, snippet.pk])
    assert client.post(edit, {"title": "X", "text": "x"}).status_code == 403
    delete = reverse("staff_snippet_delete", args=[consultation.slug, snippet.pk])
    assert client.post(delete).status_code == 403
    snippet.refresh_from_db()
    assert (snippet.title, snippet.text) == ("Mandate", "Outside it.")


def test_a_chosen_snippet_fills_an_empty_rationale_and_a_typed_one_wins(
    client, consultation, secretariat, three
):
    snippet = services.snippet_create(
        actor=secretariat, consultation=consultation, title="Mandate", text="Outside the mandate."
    )
    client.force_login(secretariat)
    decide = reverse("staff_decide", args=[three[0].receipt])
    html = client.get(decide).content.decode()
    assert '<label for="id_snippet">Use a saved rationale:</label>' in html
    assert "a rationale you type always wins" in html
    client.post(decide, {"status": "not_accepted", "rationale": "", "snippet": snippet.pk})
    assert DispositionDraft.objects.get(comment=three[0]).rationale == "Outside the mandate."

    decide = reverse("staff_decide", args=[three[1].receipt])
    client.post(decide, {"status": "not_accepted", "rationale": "Typed.", "snippet": snippet.pk})
    assert DispositionDraft.objects.get(comment=three[1]).rationale == "Typed."

    client.post(
        triage_url(consultation),
        {
            "action": "draft",
            "comments": [three[2].receipt],
            "status": "out_of_scope",
            "snippet": snippet.pk,
        },
    )
    assert DispositionDraft.objects.get(comment=three[2]).rationale == "Outside the mandate."


def test_a_snippet_of_another_consultation_is_refused(secretariat, consultation, three):
    elsewhere = open_consultation(secretariat=secretariat, title="Elsewhere")
    foreign = services.snippet_create(
        actor=secretariat, consultation=elsewhere, title="Theirs", text="Not ours."
    )
    with pytest.raises(ValidationError) as exc:
        services.disposition_record(
            actor=secretariat, comment=three[0], status="not_accepted", snippet=foreign
        )
    assert "snippet" in exc.value.message_dict
    assert DispositionDraft.objects.count() == 0


def test_no_snippet_select_without_saved_rationales(client, consultation, secretariat, three):
    client.force_login(secretariat)
    html = client.get(reverse("staff_decide", args=[three[0].receipt])).content.decode()
    assert 'name="snippet"' not in html


# --- the decision page, side by side ------------------------------------------------

REVISED = DRAFT.replace(
    "Open data supports accountability and lets people build useful services.",
    "Open data supports accountability, research and useful public services.",
)


def test_decide_page_shows_the_comment_its_section_and_the_next_versions_section(
    client, consultation, secretariat, three
):
    client.force_login(secretariat)
    decide = reverse("staff_decide", args=[three[1].receipt])
    html = client.get(decide).content.decode()
    assert "The text commented on: version 1, paragraph 2" in html
    assert "No later version has this section yet." in html
    assert 'name="target_section"' not in html  # no later version to point to

    version_2 = version_services.draft_import(
        actor=secretariat, consultation=consultation, source=REVISED
    )
    html = client.get(decide).content.decode()
    assert 'class="side-by-side"' in html
    for heading in ("comment-h", "section-h", "next-h"):
        assert f'aria-labelledby="{heading}"' in html
    assert "The same section in version 2 (paragraph 2)" in html
    assert "lets people build useful services" in html  # version 1
    assert "research and useful public services" in html  # version 2
    assert '<label for="id_target_section">' in html

    target = version_2.sections.get(key=SECTION_2)
    client.post(
        decide,
        {"status": "accepted", "rationale": "", "target_section": target.pk, "publish": "1"},
    )
    assert DispositionEntry.objects.get(comment=three[1]).target_section == target


def test_target_section_must_be_in_a_later_version(client, consultation, secretariat, three):
    version_services.draft_import(actor=secretariat, consultation=consultation, source=REVISED)
    own_section = three[0].section  # version 1: not a later version
    client.force_login(secretariat)
    response = client.post(
        reverse("staff_decide", args=[three[0].receipt]),
        {"status": "accepted", "target_section": own_section.pk},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert DispositionDraft.objects.count() == 0
