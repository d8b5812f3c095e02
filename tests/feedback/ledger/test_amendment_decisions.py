"""Decisions on amendments (issue 24, part 24c): "accepted" adopts the proposed wording,
"partly accepted" the wording given (required), anything else none; the same through
the API, the decide page, bulk drafts and appeals; the digest and the receipt page show
the adopted wording; the ledger hashes such an entry as format v2, ledger.json lets
anyone recompute it, and verify_ledger catches an altered adopted text."""

import json
import re
import subprocess
import sys

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError
from django.urls import reverse

from comments.threads import services as comment_services
from feedback.compose import services as compose_services
from feedback.ledger import chain, services
from feedback.models import DispositionDraft, DispositionEntry, Status
from tests.api.conftest import client_for  # noqa: F401  (fixture)
from tests.consult.factories import open_consultation
from tests.feedback.compose.amendments import MARKUP_DRAFT, accept, amend
from tests.feedback.ledger.test_chain import (
    README,
    behind_the_application,
    download,
    run_verify,
    sha256,
)

pytestmark = pytest.mark.django_db

REPLACEMENT = "each ministry"


@pytest.fixture
def consultation(secretariat):
    return open_consultation(secretariat=secretariat, draft=MARKUP_DRAFT)


@pytest.fixture
def amendment(consultation, stakeholder):
    return amend(
        consultation,
        stakeholder,
        section="2-scope-1",
        quote="every ministry",
        replacement=REPLACEMENT,
    )


@pytest.fixture
def plain_comment(consultation, other_stakeholder):
    return comment_services.comment_create(
        actor=other_stakeholder, consultation=consultation, section_key="2-scope-1", body="Good."
    )


def post_decision(client, comment, **data):
    return client.post(f"/api/v1/comments/{comment.receipt}/dispositions/", data, format="json")


def written() -> tuple[int, int]:
    return DispositionEntry.objects.count(), DispositionDraft.objects.count()


# --- the API --------------------------------------------------------------------


def test_accepted_adopts_the_proposed_wording(secretariat, amendment, client_for):  # noqa: F811
    response = post_decision(client_for(secretariat), amendment, status="accepted", publish=True)
    assert response.status_code == 201, response.content
    assert response.json()["adopted_text"] == REPLACEMENT
    entry = DispositionEntry.objects.get(comment=amendment)
    assert entry.adopted_text == REPLACEMENT
    assert chain.format_of(entry) == chain.FORMAT_V2


def test_accepted_with_other_wording_is_refused(secretariat, amendment, client_for):  # noqa: F811
    response = post_decision(
        client_for(secretariat),
        amendment,
        status="accepted",
        adopted_text="each ministry and council",
        publish=True,
    )
    assert response.status_code == 400
    assert "adopted_text" in response.json()
    assert written() == (0, 0)
    # The same wording as proposed is fine.
    same = post_decision(
        client_for(secretariat), amendment, status="accepted", adopted_text=REPLACEMENT
    )
    assert same.status_code == 201 and same.json()["adopted_text"] == REPLACEMENT


def test_partly_accepted_requires_the_adopted_wording(
    secretariat,
    amendment,
    client_for,  # noqa: F811
):
    client = client_for(secretariat)
    missing = post_decision(
        client, amendment, status="partly_accepted", rationale="In part.", publish=True
    )
    assert missing.status_code == 400 and "adopted_text" in missing.json()
    assert written() == (0, 0)

    response = post_decision(
        client,
        amendment,
        status="partly_accepted",
        rationale="In part.",
        adopted_text="each ministry and agency",
        publish=True,
    )
    assert response.status_code == 201
    assert response.json()["adopted_text"] == "each ministry and agency"
    assert response.json()["published"] is True


def test_adopted_wording_is_refused_elsewhere(
    secretariat,
    amendment,
    plain_comment,
    client_for,  # noqa: F811
):
    client = client_for(secretariat)
    on_plain = post_decision(client, plain_comment, status="accepted", adopted_text="x")
    noted = post_decision(client, amendment, status="noted", adopted_text=REPLACEMENT)
    assert on_plain.status_code == 400 and "adopted_text" in on_plain.json()
    assert noted.status_code == 400 and "adopted_text" in noted.json()
    assert written() == (0, 0)
    # Without wording both are ordinary decisions (an amendment "noted" adopts none).
    assert post_decision(client, amendment, status="noted", publish=True).status_code == 201
    assert DispositionEntry.objects.get(comment=amendment).adopted_text == ""


# --- bulk and clusters ------------------------------------------------------------


def test_bulk_acceptance_adopts_each_amendments_own_wording(
    consultation, secretariat, amendment, plain_comment, other_stakeholder
):
    other = amend(
        consultation,
        other_stakeholder,
        section="1-purpose-2",
        quote="useful services",
        replacement="new services",
    )
    drafts = services.disposition_draft_bulk(
        actor=secretariat,
        consultation=consultation,
        comments=[amendment, other, plain_comment],
        status=Status.ACCEPTED,
    )
    adopted = {draft.comment_id: draft.adopted_text for draft in drafts}
    assert adopted == {amendment.pk: REPLACEMENT, other.pk: "new services", plain_comment.pk: ""}
    services.disposition_publish_drafts(actor=secretariat, consultation=consultation)
    entries = {e.comment_id: e for e in DispositionEntry.objects.all()}
    assert entries[other.pk].adopted_text == "new services"
    assert chain.format_of(entries[plain_comment.pk]) == chain.FORMAT


def test_bulk_partly_accepted_on_amendments_is_refused(
    consultation, secretariat, amendment, plain_comment
):
    with pytest.raises(ValidationError) as refused:
        services.disposition_draft_bulk(
            actor=secretariat,
            consultation=consultation,
            comments=[plain_comment, amendment],
            status=Status.PARTLY_ACCEPTED,
            rationale="In part.",
        )
    assert amendment.receipt in refused.value.message_dict["status"][0]
    assert "one by one" in refused.value.message_dict["status"][0]
    assert written() == (0, 0)


def test_bulk_refusal_shows_on_the_triage_page(client, consultation, secretariat, amendment):
    client.force_login(secretariat)
    response = client.post(
        reverse("staff_triage", args=[consultation.slug]),
        {
            "action": "draft",
            "comments": [amendment.receipt],
            "status": "partly_accepted",
            "rationale": "In part.",
        },
    )
    assert "one by one" in response.content.decode()
    assert written() == (0, 0)


# --- the decide page ----------------------------------------------------------------


def test_decide_page_offers_the_wording_box_for_amendments_only(
    client, secretariat, amendment, plain_comment
):
    client.force_login(secretariat)
    page = client.get(reverse("staff_decide", args=[amendment.receipt])).content.decode()
    box = re.search(r'<textarea name="adopted_text"[^>]*>(.*?)</textarea>', page, re.S)
    assert box and box.group(1).strip() == REPLACEMENT
    other = client.get(reverse("staff_decide", args=[plain_comment.receipt])).content.decode()
    assert 'name="adopted_text"' not in other


def test_decide_page_requires_wording_for_partly_accepted(client, secretariat, amendment):
    client.force_login(secretariat)
    url = reverse("staff_decide", args=[amendment.receipt])
    response = client.post(
        url, {"status": "partly_accepted", "rationale": "In part.", "adopted_text": ""}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "needs the wording actually adopted" in page
    assert written() == (0, 0)
    # "Not accepted" with the box still filled: the page adopts nothing, and saves.
    response = client.post(
        url,
        {"status": "not_accepted", "rationale": "No.", "adopted_text": REPLACEMENT, "publish": "1"},
    )
    assert response.status_code == 302
    assert DispositionEntry.objects.get(comment=amendment).adopted_text == ""


def test_decide_page_publishes_the_wording_adopted(client, secretariat, amendment):
    client.force_login(secretariat)
    response = client.post(
        reverse("staff_decide", args=[amendment.receipt]),
        {
            "status": "partly_accepted",
            "rationale": "In part.",
            "adopted_text": "each ministry and agency",
            "publish": "1",
        },
    )
    assert response.status_code == 302
    assert DispositionEntry.objects.get(comment=amendment).adopted_text == (
        "each ministry and agency"
    )


# --- appeals, the digest and the receipt page ------------------------------------------


def test_an_appeal_on_an_amendment_is_answered_with_new_wording(
    client, secretariat, stakeholder, amendment, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first = accept(secretariat, amendment)
    digest = [m for m in mail.outbox if amendment.receipt in m.subject]
    assert digest and f"Wording adopted:\n{REPLACEMENT}" in digest[0].body
    appeal = services.appeal_file(
        actor=stakeholder, comment=amendment, reason="Say 'each public body' instead."
    )

    answer = accept(
        secretariat,
        amendment,
        Status.PARTLY_ACCEPTED,
        adopted_text="each public body",
        rationale="Broader, as you asked.",
        appeal=appeal,
    )

    assert answer.appeal_id == appeal.pk and answer.sequence == first.sequence + 1
    assert first.adopted_text == REPLACEMENT and answer.adopted_text == "each public body"
    page = client.get(reverse("receipt", args=[amendment.receipt])).content.decode()
    assert "Wording adopted:" in page and "each public body" in page
    # The appeal's answer is what the next version adopts.
    composition = compose_services.version_compose(
        actor=secretariat, consultation=amendment.consultation
    )
    assert composition.version.sections.get(key="2-scope-1").body == (
        "It applies to each public body, agency and regulator."
    )


# --- the ledger: format v2 --------------------------------------------------------------


ENTRY_FIELDS = (
    "sequence",
    "receipt",
    "status",
    "rationale_sha256",
    "target_section",
    "duplicate_of",
    "appeal",
    "decided_at",
    "published_at",
    "previous_hash",
)


def outsider_problems(ledger: dict) -> list[int]:
    """The entries of ledger.json that do not verify, recomputed from the JSON alone
    (hashlib and json, as the README's recipe does), v1 and v2 alike."""
    problems, previous = [], "0" * 64
    for entry in ledger["entries"]:
        document = {key: entry[key] for key in ENTRY_FIELDS}
        document.update(format=entry["format"], consultation=ledger["consultation"])
        if entry["format"] == "plenary-ledger-v2":
            document["adopted_text_sha256"] = entry["adopted_text_sha256"]
        canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        if (
            entry["previous_hash"] != previous
            or sha256(canonical) != entry["entry_hash"]
            or (
                entry.get("adopted_text") is not None
                and sha256(entry["adopted_text"]) != entry["adopted_text_sha256"]
            )
        ):
            problems.append(entry["sequence"])
        previous = entry["entry_hash"]
    return problems


@pytest.fixture
def mixed(consultation, secretariat, amendment, plain_comment):
    """Entries #1 (v1: a plain comment noted), #2 (v2: the amendment accepted), #3 (v1:
    the plain comment's decision revised)."""
    accept(secretariat, plain_comment, Status.NOTED)
    accept(secretariat, amendment)
    accept(secretariat, plain_comment, Status.NOT_ACCEPTED, rationale="On reflection, no.")
    return [plain_comment, amendment]


def test_ledger_json_gives_each_entry_its_format_and_adopted_text(mixed, consultation, client):
    ledger = download(client, consultation)
    formats = [entry["format"] for entry in ledger["entries"]]
    assert formats == ["plenary-ledger-v1", "plenary-ledger-v2", "plenary-ledger-v1"]
    assert ledger["entries"][1]["adopted_text"] == REPLACEMENT
    assert ledger["entries"][1]["adopted_text_sha256"] == sha256(REPLACEMENT)
    assert "adopted_text" not in ledger["entries"][0]
    assert outsider_problems(ledger) == []
    out, _err = run_verify(consultation.slug)
    assert out.startswith("OK: 3 entries")


def test_the_readme_script_verifies_a_ledger_mixing_v1_and_v2(
    mixed, consultation, client, tmp_path
):
    section = README.read_text(encoding="utf-8").split("## Verifying the ledger", 1)[1]
    script = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    path = tmp_path / "ledger.json"
    ledger = download(client, consultation)
    path.write_text(json.dumps(ledger, ensure_ascii=False), encoding="utf-8")
    ran = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0, ran.stderr
    ledger["entries"][1]["adopted_text"] = "every ministry and nobody else"
    path.write_text(json.dumps(ledger, ensure_ascii=False), encoding="utf-8")
    ran = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=False
    )
    assert ran.returncode == 1
    assert "entry #2" in ran.stderr


def test_verify_ledger_names_an_altered_adopted_text(mixed, consultation, client):
    entry = DispositionEntry.objects.get(consultation=consultation, sequence=2)
    with behind_the_application() as cursor:
        cursor.execute(
            "UPDATE feedback_dispositionentry SET adopted_text = %s WHERE id = %s",
            ["every ministry and nobody else", entry.pk],
        )
    with pytest.raises(CommandError, match="does not verify") as exc:
        run_verify(consultation.slug)
    assert exc.value.stderr.strip().splitlines() == [
        f"entry #2 (receipt {mixed[1].receipt}): content does not match its hash (rewritten)"
    ]
    assert outsider_problems(download(client, consultation)) == [2]
