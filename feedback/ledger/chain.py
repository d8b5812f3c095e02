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
"""

import hashlib
import json
from dataclasses import dataclass

FORMAT = "plenary-ledger-v1"
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
) -> dict:
    """The document an entry's hash is computed over (all values public)."""
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
