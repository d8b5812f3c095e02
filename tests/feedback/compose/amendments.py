"""Amendments for the tests of decisions and composition (issue 24), proposed
through the real door: ``comment_create(amendment=...)``."""

from comments.models import Comment
from comments.threads import services as comment_services
from feedback.ledger import services as ledger_services
from feedback.models import DispositionEntry, Status

# A draft with inline markup, three sections under two headings.
MARKUP_DRAFT = """# Draft charter on public data

## 1. Purpose
Public bodies **must publish** the data they hold within *thirty days*.

Open data supports [accountability](https://example.org/acc) and useful services.

## 2. Scope
It applies to every ministry, agency and regulator.
"""


def amend(
    consultation, author, *, section: str, quote: str, replacement: str, body: str = "Clearer."
) -> Comment:
    return comment_services.comment_create(
        actor=author,
        consultation=consultation,
        section_key=section,
        body=body,
        amendment={"quote": quote, "replacement": replacement},
    )


def accept(
    secretariat, comment, status: str = Status.ACCEPTED, *, adopted_text: str = "", **kwargs
) -> DispositionEntry:
    """Publish a decision adopting the amendment (partly accepted needs a rationale)."""
    if status == Status.PARTLY_ACCEPTED:
        kwargs.setdefault("rationale", "Only in part.")
    return ledger_services.disposition_record(
        actor=secretariat,
        comment=comment,
        status=status,
        publish=True,
        adopted_text=adopted_text,
        **kwargs,
    )
