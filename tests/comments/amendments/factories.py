"""Amendments for the tests, written through the service (issue 24)."""

from comments.threads import services

DRAFT = """# Draft policy on open data

## 1. Purpose
Public bodies **must publish** the data they hold
within ninety days. The data is free.

The data is free to reuse, and the data is free to share.
"""
# Its plain text: "Public bodies must publish the data they hold within ninety days.
# The data is free."
SECTION = "1-purpose-1"
OTHER_SECTION = "1-purpose-2"
REASON = "Ninety days is too long for people who need the data."


def propose(consultation, actor, quote="ninety days", replacement="thirty days", **extra):
    """An amendment posted through the service (a top-level comment on SECTION)."""
    return services.comment_create(
        actor=actor,
        consultation=consultation,
        section_key=extra.pop("section_key", SECTION),
        body=extra.pop("body", REASON),
        amendment={"quote": quote, "replacement": replacement},
        accept_code_of_conduct=True,
        **extra,
    )
