"""The ledger's hash chain: how an entry's SHA-256 is computed, and how to check it.

Each DispositionEntry stores ``entry_hash`` = SHA-256 of a canonical JSON
document (sorted keys, no spaces, UTF-8) holding its content and the
``previous_hash`` of the consultation's chain, the hash of the entry before
it (64 zeros for the first).  Rewriting any published field of any entry,
deleting an entry or inserting one changes every hash after it.

The rationale enters the document as its own SHA-256, so the chain of a
consultation whose private comments' rationales are not public can still be
checked by anyone from ``ledger.json``: the export gives the rationale digest
of every entry, and the text wherever it is public.

A decision on one point of a comment (issue 23) is an entry like any other
in the same chain; its ``receipt`` is the point's sub-receipt
``<receipt>-<n>`` (``ABCDE-FGHIJ-3``).  The document, its fields and their
canonical form are unchanged, and no comment receipt has a third group, so
the value names a point unambiguously: no new format version was needed, and
every entry written before points existed hashes as it always did.

This format is versioned (``FORMAT``); change it only with a new version and
a migration that re-chains, never in place.

**v2 (issue 24).** An entry that adopts wording for an amendment
(``adopted_text`` not blank) hashes as ``plenary-ledger-v2``: the v1 document
plus ``adopted_text_sha256``.  Every other entry hashes as v1, exactly as
before, so no entry written earlier changes and no re-chaining was needed; the
format an entry uses follows from its content (``format_of``).

**The event chain (issue 25).** Disputes decided and passages redacted are
``LedgerEvent`` rows in a second chain per consultation (``EVENT_FORMAT``),
so that no query for "a comment's current decision" ever meets them.
``verify_events`` checks it as ``verify`` checks the decisions.
"""

import hashlib
import json
from dataclasses import dataclass

FORMAT = "plenary-ledger-v1"
FORMAT_V2 = "plenary-ledger-v2"
EVENT_FORMAT = "plenary-events-v1"
GENESIS = "0" * 64


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entry_document(
    *,
    consultation: str,
    sequence: int,
    receipt: str,
    status: str,
    rationale_sha256: str,
    target_section: str | None,
    duplicate_of: str | None,
    appeal: int | None,
    decided_at: str,
    published_at: str,
    previous_hash: str,
    adopted_text_sha256: str | None = None,
) -> dict:
    """The document an entry's hash is computed over (all values public).

    With ``adopted_text_sha256`` (an amendment's adopted wording) it is a v2
    document; without, the v1 document, unchanged."""
    if adopted_text_sha256 is not None:
        return {
            **entry_document(
                consultation=consultation,
                sequence=sequence,
                receipt=receipt,
                status=status,
                rationale_sha256=rationale_sha256,
                target_section=target_section,
                duplicate_of=duplicate_of,
                appeal=appeal,
                decided_at=decided_at,
                published_at=published_at,
                previous_hash=previous_hash,
            ),
            "format": FORMAT_V2,
            "adopted_text_sha256": adopted_text_sha256,
        }
    return {
        "format": FORMAT,
        "consultation": consultation,
        "sequence": sequence,
        "receipt": receipt,
        "status": status,
        "rationale_sha256": rationale_sha256,
        "target_section": target_section,
        "duplicate_of": duplicate_of,
        "appeal": appeal,
        "decided_at": decided_at,
        "published_at": published_at,
        "previous_hash": previous_hash,
    }


def digest(document: dict) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return sha256_text(canonical)


def document_for(entry, *, previous_hash: str) -> dict:
    """The hashed document of a DispositionEntry (with comment or point, sections,
    consultation loaded)."""
    return entry_document(
        consultation=entry.consultation.slug,
        sequence=entry.sequence,
        receipt=entry.receipt,
        status=entry.status,
        rationale_sha256=sha256_text(entry.rationale),
        target_section=entry.target_section.key if entry.target_section_id else None,
        duplicate_of=entry.duplicate_of.receipt if entry.duplicate_of_id else None,
        appeal=entry.appeal_id,
        decided_at=entry.decided_at.isoformat(),
        published_at=entry.published_at.isoformat(),
        previous_hash=previous_hash,
        adopted_text_sha256=sha256_text(entry.adopted_text) if entry.adopted_text else None,
    )


def format_of(entry) -> str:
    """The format an entry hashes as: v2 when it carries adopted wording."""
    return FORMAT_V2 if entry.adopted_text else FORMAT


def event_document(
    *,
    consultation: str,
    sequence: int,
    kind: str,
    receipt: str,
    payload: dict,
    recorded_at: str,
    previous_hash: str,
) -> dict:
    """The document a LedgerEvent's hash is computed over (all values public)."""
    return {
        "format": EVENT_FORMAT,
        "consultation": consultation,
        "sequence": sequence,
        "kind": kind,
        "receipt": receipt,
        "payload": payload,
        "recorded_at": recorded_at,
        "previous_hash": previous_hash,
    }


def event_document_for(event, *, previous_hash: str) -> dict:
    """The hashed document of a LedgerEvent (with comment and consultation loaded)."""
    return event_document(
        consultation=event.consultation.slug,
        sequence=event.sequence,
        kind=event.kind,
        receipt=event.comment.receipt,
        payload=event.payload,
        recorded_at=event.recorded_at.isoformat(),
        previous_hash=previous_hash,
    )


@dataclass(frozen=True)
class Problem:
    sequence: int
    receipt: str
    reason: str

    def __str__(self) -> str:
        return f"entry #{self.sequence} (receipt {self.receipt}): {self.reason}"


def verify(entries) -> list[Problem]:
    """Check a consultation's entries, in sequence order; return every problem found.

    ``entries`` is an iterable of DispositionEntry with ``comment``,
    ``point__comment``, ``consultation``, ``target_section`` and
    ``duplicate_of`` selected.
    """
    problems: list[Problem] = []
    previous = GENESIS
    expected_sequence = 1
    for entry in entries:
        receipt = entry.receipt
        if entry.sequence != expected_sequence:
            problems.append(
                Problem(
                    entry.sequence,
                    receipt,
                    f"sequence {entry.sequence} where {expected_sequence} was expected "
                    "(an entry is missing or was inserted)",
                )
            )
        if entry.previous_hash != previous:
            problems.append(
                Problem(entry.sequence, receipt, "previous_hash does not match the entry before it")
            )
        recomputed = digest(document_for(entry, previous_hash=entry.previous_hash))
        if recomputed != entry.entry_hash:
            problems.append(
                Problem(entry.sequence, receipt, "content does not match its hash (rewritten)")
            )
        previous = entry.entry_hash
        expected_sequence = entry.sequence + 1
    return problems


def verify_events(events) -> list[Problem]:
    """Check a consultation's LedgerEvents, in sequence order, as ``verify`` does
    the decisions (``comment`` and ``consultation`` selected)."""
    problems: list[Problem] = []
    previous = GENESIS
    expected_sequence = 1
    for event in events:
        receipt = f"{event.comment.receipt} ({event.kind})"
        if event.sequence != expected_sequence:
            problems.append(
                Problem(
                    event.sequence,
                    receipt,
                    f"event sequence {event.sequence} where {expected_sequence} was expected "
                    "(an event is missing or was inserted)",
                )
            )
        if event.previous_hash != previous:
            problems.append(
                Problem(
                    event.sequence, receipt, "event previous_hash does not match the one before it"
                )
            )
        recomputed = digest(event_document_for(event, previous_hash=event.previous_hash))
        if recomputed != event.event_hash:
            problems.append(
                Problem(
                    event.sequence, receipt, "event content does not match its hash (rewritten)"
                )
            )
        previous = event.event_hash
        expected_sequence = event.sequence + 1
    return problems
