"""The ledger's hash chain: anyone can verify it from ledger.json, and tampering is named.

The verification here is reimplemented from the published recipe with
hashlib and json only (never by importing feedback.ledger.chain), so the test
proves that the recipe documented in the ledger.json view and in the README
is enough on its own.
"""

import hashlib
import io
import json
import re
import subprocess
import sys
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from comments.models import Comment
from comments.threads import services as comment_services
from feedback.ledger import chain, selectors, services
from feedback.models import Appeal, DispositionEntry, LedgerHead, Status
from tests.consult.factories import open_consultation

GENESIS = "0" * 64
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
README = Path(__file__).resolve().parents[3] / "README.md"


# -- an outsider's verification, from the JSON alone ---------------------------


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical(document: dict) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def outsider_problems(ledger: dict) -> list[str]:
    """Every entry of a downloaded ledger.json that does not verify, by sequence and receipt."""
    problems = []
    previous = GENESIS
    for number, entry in enumerate(ledger["entries"], start=1):
        name = f"#{entry['sequence']} {entry['receipt']}"
        document = {key: entry[key] for key in ENTRY_FIELDS}
        document.update(format=ledger["format"], consultation=ledger["consultation"])
        if entry["sequence"] != number:
            problems.append(f"{name}: sequence")
        if entry["previous_hash"] != previous:
            problems.append(f"{name}: previous_hash")
        if sha256(canonical(document)) != entry["entry_hash"]:
            problems.append(f"{name}: entry_hash")
        if (
            entry["rationale"] is not None
            and sha256(entry["rationale"]) != (entry["rationale_sha256"])
        ):
            problems.append(f"{name}: rationale")
        previous = entry["entry_hash"]
    if previous != ledger["head"]:
        problems.append("head")
    return problems


def download(client, consultation) -> dict:
    response = client.get(f"/api/v1/consultations/{consultation.slug}/ledger.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(b"".join(response.streaming_content))


# -- set-up through the services -----------------------------------------------


def comment_on(consultation, author, body: str, **kwargs) -> Comment:
    return comment_services.comment_create(
        actor=author, consultation=consultation, section_key="1-purpose-2", body=body, **kwargs
    )


def decide(secretariat, comment, status, rationale="", **kwargs) -> DispositionEntry:
    return services.disposition_record(
        actor=secretariat,
        comment=comment,
        status=status,
        rationale=rationale,
        publish=True,
        **kwargs,
    )


def run_verify(*args) -> tuple[str, str]:
    """``manage.py verify_ledger *args``: (stdout, stderr); raises CommandError on failure."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_ledger", *args, stdout=out, stderr=err)
    except CommandError as exc:
        exc.stderr = err.getvalue()  # type: ignore[attr-defined]
        raise
    return out.getvalue(), err.getvalue()


@pytest.fixture
def three(consultation, secretariat, stakeholder, other_stakeholder):
    """Three comments with one published decision each: entries #1, #2 and #3."""
    comments = [
        comment_on(consultation, stakeholder, "Name the licence."),
        comment_on(consultation, other_stakeholder, "Cover regulators too."),
        comment_on(consultation, stakeholder, "Publish every quarter."),
    ]
    decide(secretariat, comments[0], Status.ACCEPTED)
    decide(secretariat, comments[1], Status.NOT_ACCEPTED, rationale="Already covered in §2.")
    decide(secretariat, comments[2], Status.NOTED)
    return comments


@contextmanager
def behind_the_application():
    """A cursor writing the ledger as a DBA could, past every application guard.

    On PostgreSQL the session first takes the replication role, under which
    ordinary triggers (the append-only one included) do not fire; ``SET LOCAL``
    keeps that inside the test's transaction.
    """
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgresql:
            cursor.execute("SET LOCAL session_replication_role = replica")
        try:
            yield cursor
        finally:
            if postgresql:
                cursor.execute("SET LOCAL session_replication_role = origin")


def entry_pk(consultation, sequence: int) -> int:
    return DispositionEntry.objects.get(consultation=consultation, sequence=sequence).pk


# -- ledger.json: the recipe works from the JSON alone --------------------------


def test_anyone_can_recompute_the_chain_from_ledger_json(
    consultation, secretariat, stakeholder, other_stakeholder, client
):
    section = consultation.versions.get().sections.get(key="3-licensing-1")
    public = comment_on(consultation, stakeholder, "Name the licence.")
    private = comment_on(
        consultation, other_stakeholder, "Only for the secretariat.", visibility="private"
    )
    hidden = comment_on(consultation, other_stakeholder, "Off topic.")
    copy = comment_on(consultation, other_stakeholder, "Name the licence!")
    awaiting = comment_on(consultation, stakeholder, "Nobody answered me yet.")

    decide(secretariat, public, Status.ACCEPTED, target_section=section)
    decide(secretariat, private, Status.NOT_ACCEPTED, rationale="Raison privée — « non ».")
    decide(secretariat, hidden, Status.OUT_OF_SCOPE, rationale="Not about open data.")
    decide(secretariat, copy, Status.DUPLICATE, rationale="Same as above.", duplicate_of=public)
    first = DispositionEntry.objects.get(comment=public)
    appeal = Appeal.objects.create(
        comment=public,
        entry=first,
        appellant=stakeholder,
        reason="Accepted, but the licence is still not named.",
        created_at=first.published_at,
        answer_due_at=first.published_at + timedelta(days=14),
    )
    decide(
        secretariat,
        public,
        Status.PARTLY_ACCEPTED,
        rationale="Nous nommerons une famille de licences.",
        appeal=appeal,
    )
    services.disposition_draft_save(
        actor=secretariat, comment=awaiting, status=Status.NOTED
    )  # a draft: not in the ledger
    Comment.objects.filter(pk=hidden.pk).update(moderation=Comment.Moderation.HIDDEN)

    ledger = download(client, consultation)

    assert list(ledger) == [
        "consultation",
        "format",
        "hash_algorithm",
        "comments",
        "entries",
        "events",
        "head",
        "events_head",
        "anchored_head",
    ]
    assert (ledger["consultation"], ledger["format"], ledger["hash_algorithm"]) == (
        consultation.slug,
        "plenary-ledger-v1",
        "sha256",
    )
    assert len(ledger["comments"]) == 5
    entries = ledger["entries"]
    assert [(e["sequence"], e["receipt"], e["status"]) for e in entries] == [
        (1, public.receipt, "accepted"),
        (2, private.receipt, "not_accepted"),
        (3, hidden.receipt, "out_of_scope"),
        (4, copy.receipt, "duplicate"),
        (5, public.receipt, "partly_accepted"),
    ]
    assert outsider_problems(ledger) == []
    assert entries[0]["previous_hash"] == GENESIS
    # The head the last publication anchored: the last entry's (issue 21).
    anchored = ledger["anchored_head"]
    assert (anchored["hash"], anchored["entries"]) == (entries[-1]["entry_hash"], 5)
    assert anchored["anchored_at"] == entries[-1]["published_at"]
    assert (
        ledger["head"]
        == entries[-1]["entry_hash"]
        == selectors.ledger_head(consultation=consultation)
    )
    # Every field an entry's hash covers is in the export.
    assert entries[0]["target_section"] == "3-licensing-1"
    assert entries[3]["duplicate_of"] == public.receipt
    assert entries[4]["appeal"] == appeal.pk
    assert entries[4]["rationale"] == "Nous nommerons une famille de licences."
    # Private and hidden comments: the text stays unpublished, its digest is in the chain.
    assert entries[1]["rationale"] is None
    assert entries[1]["rationale_sha256"] == sha256("Raison privée — « non ».")
    assert entries[2]["rationale"] is None
    assert entries[2]["rationale_sha256"] == sha256("Not about open data.")
    assert "Raison privée" not in json.dumps(ledger, ensure_ascii=False)


def test_the_readme_script_verifies_a_downloaded_ledger(three, consultation, client, tmp_path):
    """The "Verifying the ledger" script in README.md, run as written on a real download."""
    readme = README.read_text(encoding="utf-8")
    section = readme.split("## Verifying the ledger", 1)[1]
    script = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    path = tmp_path / "ledger.json"
    ledger = download(client, consultation)
    path.write_text(json.dumps(ledger, ensure_ascii=False), encoding="utf-8")

    ran = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == f"OK: 3 entries, head {ledger['head']}; 0 events"

    # An event (issue 25) verifies too, and one rewritten in the download does not.
    services.ledger_event_record(
        consultation=consultation, kind="dispute", comment=three[0], payload={"status": "upheld"}
    )
    ledger = download(client, consultation)
    path.write_text(json.dumps(ledger, ensure_ascii=False), encoding="utf-8")
    ran = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=False
    )
    assert ran.stdout.strip() == f"OK: 3 entries, head {ledger['head']}; 1 events", ran.stderr
    ledger["events"][0]["payload"]["status"] = "rejected"
    path.write_text(json.dumps(ledger, ensure_ascii=False), encoding="utf-8")
    ran = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=False
    )
    assert ran.returncode == 1
    assert f"event #1 (dispute, receipt {three[0].receipt}) does not verify" in ran.stderr
    ledger["events"][0]["payload"]["status"] = "upheld"

    ledger["entries"][1]["status"] = "accepted"  # a rewritten decision
    path.write_text(json.dumps(ledger, ensure_ascii=False), encoding="utf-8")
    ran = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=False
    )
    assert ran.returncode == 1
    assert f"entry #2 (receipt {three[1].receipt}) does not verify" in ran.stderr


def test_an_empty_ledger_json_has_the_genesis_head(consultation, client):
    ledger = download(client, consultation)
    assert ledger["entries"] == [] and ledger["comments"] == []
    assert ledger["head"] == GENESIS
    assert ledger["anchored_head"] is None
    assert outsider_problems(ledger) == []


# -- tampering behind the application's back is named ---------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("rationale", "Accepted after all."),
        ("status", "accepted"),
        ("published_at", datetime(2020, 1, 1, tzinfo=UTC)),
    ],
)
def test_verify_ledger_names_an_entry_rewritten_in_the_database(
    three, consultation, client, column, value
):
    with behind_the_application() as cursor:
        cursor.execute(
            f"UPDATE feedback_dispositionentry SET {column} = %s WHERE id = %s",  # noqa: S608
            [value, entry_pk(consultation, 2)],
        )

    with pytest.raises(CommandError, match="does not verify") as exc:
        run_verify(consultation.slug)

    problems = exc.value.stderr.strip().splitlines()
    assert problems == [
        f"entry #2 (receipt {three[1].receipt}): content does not match its hash (rewritten)"
    ]
    # An outsider holding only ledger.json finds the same entry, and only it.
    assert outsider_problems(download(client, consultation)) == [
        f"#2 {three[1].receipt}: entry_hash"
    ]
    if connection.vendor == "postgresql":  # the bypass ended with the block
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                "UPDATE feedback_dispositionentry SET rationale = '' WHERE id = %s",
                [entry_pk(consultation, 2)],
            )


def test_verify_ledger_names_a_decision_moved_to_another_comment(three, consultation):
    with behind_the_application() as cursor:
        cursor.execute(
            "UPDATE feedback_dispositionentry SET comment_id = %s WHERE id = %s",
            [three[2].pk, entry_pk(consultation, 2)],
        )
    with pytest.raises(CommandError) as exc:
        run_verify(consultation.slug)
    assert exc.value.stderr.strip().splitlines() == [
        f"entry #2 (receipt {three[2].receipt}): content does not match its hash (rewritten)"
    ]


def test_verify_ledger_names_the_entry_after_a_deleted_one(three, consultation):
    with behind_the_application() as cursor:
        cursor.execute(
            "DELETE FROM feedback_dispositionentry WHERE id = %s", [entry_pk(consultation, 2)]
        )
    with pytest.raises(CommandError) as exc:
        run_verify(consultation.slug)
    err = exc.value.stderr
    assert f"entry #3 (receipt {three[2].receipt}): sequence 3 where 2 was expected" in err
    assert f"entry #3 (receipt {three[2].receipt}): previous_hash does not match" in err
    assert "entry #1" not in err


def test_a_head_noted_earlier_catches_entries_removed_from_the_end(three, consultation):
    noted = run_verify(consultation.slug)[0].split("head ")[1].strip()
    assert noted == selectors.ledger_head(consultation=consultation)
    run_verify(consultation.slug, "--head", noted)

    with behind_the_application() as cursor:
        cursor.execute(
            "DELETE FROM feedback_dispositionentry WHERE id = %s", [entry_pk(consultation, 3)]
        )
    # What is left is a valid chain of two: the noted head shows the loss...
    with pytest.raises(CommandError) as exc:
        run_verify(consultation.slug, "--head", noted)
    assert f"head {noted} is no longer in the chain" in exc.value.stderr
    # ...and so does the anchored one, with no head noted by hand (issue 21, finding 11).
    with pytest.raises(CommandError, match="does not verify") as exc:
        run_verify(consultation.slug)
    assert exc.value.stderr.strip().splitlines() == [
        f"the anchored head {noted} (3 entries, published {anchored_at(consultation)}) is not "
        "where the chain should hold it: entries were removed or rewritten (2 entries found)"
    ]


def anchored_at(consultation) -> str:
    return (
        LedgerHead.objects.filter(consultation=consultation)
        .order_by("-entry_count")
        .first()
        .anchored_at.isoformat()
    )


def test_each_publication_anchors_the_head_it_leaves(three, consultation, secretariat):
    heads = list(
        LedgerHead.objects.filter(consultation=consultation)
        .order_by("entry_count")
        .values_list("entry_count", "head_hash", "batch_id")
    )
    entries = list(
        DispositionEntry.objects.filter(consultation=consultation)
        .order_by("sequence")
        .values_list("sequence", "entry_hash", "batch_id")
    )
    assert heads == entries  # one batch per decision here: each left its own head
    with pytest.raises(TypeError, match="append-only"):
        LedgerHead.objects.filter(consultation=consultation).delete()


@pytest.mark.parametrize("removed", ["the last", "every"])
def test_verify_ledger_fails_on_a_shortened_or_emptied_ledger_without_a_noted_head(
    three, consultation, removed
):
    """Finding 11: a database owner removes entries with the triggers disabled;
    verify_ledger used to answer "OK: 0 entries"."""
    head = selectors.ledger_head(consultation=consultation)
    with behind_the_application() as cursor:
        if removed == "every":
            cursor.execute(
                "DELETE FROM feedback_dispositionentry WHERE consultation_id = %s",
                [consultation.pk],
            )
        else:
            cursor.execute(
                "DELETE FROM feedback_dispositionentry WHERE id = %s", [entry_pk(consultation, 3)]
            )
    left = 0 if removed == "every" else 2
    with pytest.raises(CommandError, match="does not verify") as exc:
        run_verify(consultation.slug)
    assert f"the anchored head {head} (3 entries" in exc.value.stderr
    assert f"({left} entries found)" in exc.value.stderr
    with pytest.raises(CommandError, match="does not verify"):
        run_verify("--all")


def test_verify_ledger_names_entries_no_publication_anchored(three, consultation):
    """An entry appended behind the application's back, correctly chained, has no head."""
    last = DispositionEntry.objects.get(consultation=consultation, sequence=3)
    forged = DispositionEntry(
        consultation=consultation,
        sequence=4,
        comment=three[0],
        status=Status.NOT_ACCEPTED,
        rationale="Rejected after all.",
        decided_by_id=last.decided_by_id,
        decided_at=last.decided_at,
        published_at=last.published_at,
        previous_hash=last.entry_hash,
    )
    forged.entry_hash = chain.digest(chain.document_for(forged, previous_hash=last.entry_hash))
    forged.save()
    with pytest.raises(CommandError) as exc:
        run_verify(consultation.slug)
    assert exc.value.stderr.startswith(f"1 entry after the anchored head {last.entry_hash} ")


def test_verify_ledger_names_the_entries_after_a_forged_insertion(three, consultation):
    """Even a forger who knows the hash format cannot slip an entry in unseen:
    the entries after it no longer match their hashes."""
    first = DispositionEntry.objects.get(consultation=consultation, sequence=1)
    with behind_the_application() as cursor:
        # Make room at #2 (in two steps: the unique sequence is checked row by row).
        for shift in (100, -99):
            cursor.execute(
                "UPDATE feedback_dispositionentry SET sequence = sequence + %s "
                "WHERE consultation_id = %s AND sequence >= 2",
                [shift, consultation.pk],
            )
    forged = DispositionEntry(
        consultation=consultation,
        sequence=2,
        comment=three[2],
        status=Status.ACCEPTED,
        rationale="",
        decided_by_id=first.decided_by_id,
        decided_at=first.decided_at,
        published_at=first.published_at,
        previous_hash=first.entry_hash,
    )
    forged.entry_hash = chain.digest(chain.document_for(forged, previous_hash=first.entry_hash))
    forged.save()

    with pytest.raises(CommandError) as exc:
        run_verify(consultation.slug)
    err = exc.value.stderr
    assert "entry #1 " not in err and "entry #2 " not in err
    assert f"entry #3 (receipt {three[1].receipt}): previous_hash does not match" in err
    assert f"entry #3 (receipt {three[1].receipt}): content does not match" in err
    assert f"entry #4 (receipt {three[2].receipt}): content does not match" in err


def test_verify_ledger_names_reordered_entries(three, consultation):
    with behind_the_application() as cursor:
        for old, new in ((2, 100), (3, 2), (100, 3)):
            cursor.execute(
                "UPDATE feedback_dispositionentry SET sequence = %s "
                "WHERE consultation_id = %s AND sequence = %s",
                [new, consultation.pk, old],
            )
    with pytest.raises(CommandError) as exc:
        run_verify(consultation.slug)
    named = set(re.findall(r"entry #(\d) \(receipt (\S+)\)", exc.value.stderr))
    assert named == {("2", three[2].receipt), ("3", three[1].receipt)}


# -- verify_ledger on sound ledgers, and its input ------------------------------


def test_verify_ledger_passes_on_an_empty_ledger(consultation):
    out, err = run_verify(consultation.slug)
    assert out == f"OK: 0 entries, head {GENESIS}\n"
    assert err == ""


def test_verify_ledger_passes_over_many_batches_in_constant_queries(
    consultation, secretariat, stakeholder, client
):
    def grow(batches: int) -> None:
        for batch in range(batches):
            comments = [
                comment_on(consultation, stakeholder, f"Point {batch}.{n}") for n in range(3)
            ]
            for n, comment in enumerate(comments):
                services.disposition_draft_save(
                    actor=secretariat, comment=comment, status=Status.NOTED, rationale=f"n{n}"
                )
            services.disposition_publish_drafts(actor=secretariat, consultation=consultation)
            # A revision of the batch's first decision, published on its own.
            decide(secretariat, comments[0], Status.NOT_ACCEPTED, rationale="On reflection.")

    def measure() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            out, _err = run_verify(consultation.slug)
        return len(ctx.captured_queries), out

    grow(2)
    small, out = measure()
    assert out.startswith("OK: 8 entries, head ")
    grow(6)
    large, out = measure()
    head = selectors.ledger_head(consultation=consultation)
    assert out == f"OK: 32 entries, head {head}\n"
    # The consultation, its anchored head, the chain in one streamed query, then
    # the event chain (issue 25) in one more.
    assert small == large <= 4
    assert download(client, consultation)["head"] == head


def test_verify_ledger_all_names_only_the_consultation_that_fails(three, consultation, secretariat):
    other = open_consultation(secretariat=secretariat, title="Another consultation")
    out, _err = run_verify("--all")
    assert f"{consultation.slug}: OK: 3 entries" in out
    assert f"{other.slug}: OK: 0 entries" in out

    with behind_the_application() as cursor:
        cursor.execute(
            "UPDATE feedback_dispositionentry SET rationale = 'x' WHERE id = %s",
            [entry_pk(consultation, 1)],
        )
    with pytest.raises(CommandError, match=f"The ledger of {consultation.slug} does not") as exc:
        run_verify("--all")
    assert f"{consultation.slug}: entry #1 (receipt {three[0].receipt})" in exc.value.stderr
    assert other.slug not in exc.value.stderr


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-consultation"], "No consultation has the slug “no-such-consultation”"),
        ([], "Give one consultation slug, or --all"),
        (["--all", "--head", GENESIS], "--head checks one consultation"),
    ],
)
def test_verify_ledger_refuses_bad_input_clearly(args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        run_verify(*args)


# -- the hashed format never changes silently -----------------------------------


def test_the_canonical_document_and_its_digest_are_stable():
    """Pinned values: if this fails, the chain format changed, and every published
    hash with it.  Change the format only with a new FORMAT version."""
    rationale = "Nous nommerons une famille de licences — « ouverte »."
    document = chain.entry_document(
        consultation="open-data-policy",
        sequence=7,
        receipt="7KQ2M-X9D4P",
        status="partly_accepted",
        rationale_sha256=chain.sha256_text(rationale),
        target_section="3-licensing-1",
        duplicate_of=None,
        appeal=3,
        decided_at="2025-03-01T09:30:00.123456+00:00",
        published_at="2025-03-02T10:00:00+00:00",
        previous_hash="ab" * 32,
    )
    expected = "4f0dc0fe1bd985236fc67d2c962dae5a197efa109b37bef912822ecccf3a7777"
    assert chain.GENESIS == GENESIS
    assert chain.sha256_text(rationale) == (
        "fcfcc19bde6fd8bcb3f098d77e43cce57b1f375fed6696ed3ae0d919e31c042e"
    )
    assert chain.digest(document) == expected
    assert sha256(canonical(document)) == expected  # the outsider's recipe agrees


def test_ledger_page_shows_the_chain_head(client, consultation, secretariat, stakeholder):
    comment = comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="1-purpose-2", body="Head?"
    )
    entry = services.disposition_record(
        actor=secretariat, comment=comment, status="noted", rationale="", publish=True
    )
    page = client.get(f"/c/{consultation.slug}/ledger/").content.decode()
    assert entry.entry_hash in page


def test_ledger_json_gives_the_event_chain_for_anyone_to_check(
    consultation, secretariat, stakeholder, client
):
    """Issue 25: disputes and redactions are a second chain in ledger.json, checked from
    64 zeros the way the entries are, ending at ``events_head``."""
    assert download(client, consultation)["events"] == []
    comment = comment_on(consultation, stakeholder, "A view.")
    for n in range(3):
        services.ledger_event_record(
            consultation=consultation,
            kind="dispute",
            comment=comment,
            payload={"dispute": n, "status": "confirmed"},
            actor=secretariat,
        )
    ledger = download(client, consultation)
    previous = chain.GENESIS
    for n, event in enumerate(ledger["events"], start=1):
        assert event["sequence"] == n and event["previous_hash"] == previous
        document = {k: v for k, v in event.items() if k != "event_hash"}
        document["consultation"] = ledger["consultation"]
        canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert hashlib.sha256(canonical.encode()).hexdigest() == event["event_hash"]
        previous = event["event_hash"]
    assert ledger["events_head"] == previous != chain.GENESIS
    assert [e["receipt"] for e in ledger["events"]] == [comment.receipt] * 3
