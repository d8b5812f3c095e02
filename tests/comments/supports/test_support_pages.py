"""The support button without JavaScript, the paragraph page's proposed changes and the
consultation page's marks."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.models import AmendmentSupport, Comment
from comments.supports import services
from comments.supports.selectors import open_amendments
from comments.threads import services as comment_services
from feedback.ledger import services as feedback_services
from feedback.models import Status
from tests.comments.supports.factories import SECTION, propose
from tests.consult.factories import with_code_of_conduct
from tests.stakeholders.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def amendment(consultation, stakeholder):
    return propose(actor=stakeholder, consultation=consultation)


def section_url(consultation, key: str = SECTION) -> str:
    return reverse("section", args=[consultation.slug, key])


def proposed_block(html: str) -> str:
    match = re.search(r'<section aria-labelledby="proposed-h".*?</section>', html, re.S)
    return match.group(0) if match else ""


def test_button_supports_and_comes_back_to_the_comment(
    client, consultation, amendment, other_stakeholder
):
    client.force_login(other_stakeholder)
    page = section_url(consultation)
    html = client.get(page).content.decode()
    assert "Support this change (0)" in html
    response = client.post(reverse("receipt_support", args=[amendment.receipt]), {"next": page})
    assert response.status_code == 302
    assert response["Location"] == f"{page}#c-{amendment.receipt}"
    assert AmendmentSupport.objects.filter(user=other_stakeholder).count() == 1

    html = client.get(page).content.decode()
    assert "Withdraw my support (1 supporter)" in html
    response = client.post(
        reverse("receipt_support", args=[amendment.receipt]), {"next": page, "withdraw": "True"}
    )
    assert response.status_code == 302
    assert not AmendmentSupport.objects.exists()


def test_next_elsewhere_is_ignored(client, consultation, amendment, other_stakeholder):
    client.force_login(other_stakeholder)
    response = client.post(
        reverse("receipt_support", args=[amendment.receipt]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == f"{section_url(consultation)}#c-{amendment.receipt}"


def test_thread_page_has_the_button(client, consultation, amendment, other_stakeholder):
    client.force_login(other_stakeholder)
    url = reverse("thread", args=[consultation.slug, SECTION, amendment.receipt])
    html = client.get(url).content.decode()
    assert f'action="{reverse("receipt_support", args=[amendment.receipt])}"' in html


def test_author_and_visitor_see_the_count_but_no_button(
    client, consultation, amendment, stakeholder, other_stakeholder
):
    services.amendment_support(actor=other_stakeholder, comment=amendment)
    action = f'action="{reverse("receipt_support", args=[amendment.receipt])}"'
    html = client.get(section_url(consultation)).content.decode()
    assert "1 supporter" in html
    assert action not in html
    assert "Sign in to support this change" in html
    client.force_login(stakeholder)
    html = client.get(section_url(consultation)).content.decode()
    assert "1 supporter" in html
    assert action not in html


def test_own_amendment_post_is_refused_with_the_reason(client, amendment, stakeholder):
    client.force_login(stakeholder)
    response = client.post(reverse("receipt_support", args=[amendment.receipt]), {})
    assert response.status_code == 400
    assert "You proposed this change" in response.content.decode()
    assert not AmendmentSupport.objects.exists()


def test_code_of_conduct_box_beside_its_error_then_accepted(
    client, consultation, secretariat, amendment, other_stakeholder
):
    with_code_of_conduct(consultation, secretariat=secretariat)
    client.force_login(other_stakeholder)
    url = reverse("receipt_support", args=[amendment.receipt])
    refused = client.post(url, {})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert 'name="accept_code_of_conduct"' in html
    assert "accept its code of conduct" in html
    assert not AmendmentSupport.objects.exists()
    accepted = client.post(url, {"accept_code_of_conduct": "on"})
    assert accepted.status_code == 302
    assert AmendmentSupport.objects.filter(user=other_stakeholder).exists()


def test_support_page_of_a_plain_comment_is_404(
    client, consultation, stakeholder, other_stakeholder
):
    plain = comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key=SECTION, body="Fine."
    )
    client.force_login(other_stakeholder)
    assert client.get(reverse("receipt_support", args=[plain.receipt])).status_code == 404


def test_paragraph_page_lists_open_changes_most_supported_first(
    client, consultation, secretariat, stakeholder, other_stakeholder
):
    least = propose(actor=stakeholder, consultation=consultation)
    most = propose(
        actor=stakeholder, consultation=consultation, quote="useful", replacement="lasting"
    )
    decided = propose(actor=stakeholder, consultation=consultation, quote="build")
    private = propose(
        actor=stakeholder,
        consultation=consultation,
        quote="people",
        visibility=Comment.Visibility.PRIVATE,
    )
    for person in (other_stakeholder, ParticipantFactory().user):
        services.amendment_support(actor=person, comment=most)
    feedback_services.disposition_record(
        actor=secretariat, comment=decided, status=Status.NOTED, rationale="", publish=True
    )
    block = proposed_block(client.get(section_url(consultation)).content.decode())
    assert "Proposed changes (2)" in block
    order = [m for m in re.findall(r'id="pc-([^"]+)"', block)]
    assert order == [most.receipt, least.receipt]
    assert decided.receipt not in block and private.receipt not in block
    # Struck and inserted, with a few words of context.
    assert re.search(r"<del>.*useful</del> <ins>.*lasting</ins>", block)
    assert "lets people build" in block and "services." in block

    client.force_login(stakeholder)  # its author reads the private one too
    block = proposed_block(client.get(section_url(consultation)).content.decode())
    assert private.receipt in block


def test_paragraph_page_queries_do_not_grow_with_amendments(
    client, consultation, stakeholder, other_stakeholder
):
    client.force_login(other_stakeholder)
    url = section_url(consultation)

    def queries() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    propose(actor=stakeholder, consultation=consultation)
    small = queries()
    for _ in range(5):
        amendment = propose(actor=ParticipantFactory().user, consultation=consultation)
        services.amendment_support(actor=stakeholder, comment=amendment)
    assert queries() == small


def test_consultation_page_marks_paragraphs_with_open_changes(
    client, consultation, stakeholder, other_stakeholder
):
    propose(actor=stakeholder, consultation=consultation)
    propose(actor=other_stakeholder, consultation=consultation, quote="useful")
    private = propose(
        actor=stakeholder, consultation=consultation, visibility=Comment.Visibility.PRIVATE
    )
    assert private.visibility == "private"
    html = client.get(reverse("consultation", args=[consultation.slug])).content.decode()

    def actions(key: str) -> str:
        pattern = rf'<li class="section" id="s-{key}">.*?<p class="section-actions">(.*?)</p>'
        return re.search(pattern, html, re.S).group(1)

    assert "2 proposed changes" in actions(SECTION)
    assert "#proposed-h" in actions(SECTION)
    assert "proposed change" not in actions("2-scope-1")


def test_reader_view_shows_the_most_supported_and_counts_them_all(
    consultation, stakeholder, other_stakeholder
):
    propose(actor=stakeholder, consultation=consultation)
    most = propose(actor=stakeholder, consultation=consultation, quote="useful")
    services.amendment_support(actor=other_stakeholder, comment=most)
    section = most.section
    proposed = open_amendments(section=section, viewer=AnonymousUser(), is_staff=False, limit=1)
    assert [c.receipt for c in proposed.shown] == [most.receipt]
    assert proposed.total == 2
