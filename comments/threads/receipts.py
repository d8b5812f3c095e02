"""Receipt numbers: short, unguessable, easy to read aloud or copy from paper.

Crockford's base32 alphabet (no I, L, O, U), 10 symbols in two groups:
``7K3M-Q9XD2T`` style, 50 bits of randomness.
"""

import functools
import re
import secrets

from django.db import IntegrityError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$")


def new_receipt() -> str:
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(10))
    return f"{symbols[:5]}-{symbols[5:]}"


# What the database says when a receipt is taken: PostgreSQL names the unique
# constraint (comments_comment_receipt_key), SQLite the column.
_COLLISION_MARKS = ("comments_comment_receipt", "comments_comment.receipt")
ATTEMPTS = 3


def is_collision(exc: IntegrityError) -> bool:
    """Whether ``exc`` is the unique constraint on ``Comment.receipt``."""
    return any(mark in str(exc) for mark in _COLLISION_MARKS)


def retry_on_collision(service):
    """Run ``service`` again (up to ATTEMPTS times) when a new receipt was taken.

    Wraps a service that writes comments in its own ``transaction.atomic``
    (put this decorator outside it): the collision rolls back everything the
    call wrote, savepoint or transaction, so the next attempt starts clean
    with a fresh receipt.  No comment asks the database "is this receipt
    free?" first: with 50 random bits a collision is about one in 10**9 at a
    million comments, and the unique constraint answers it anyway (one query
    less on every comment POST: docs/QUALITY.md).
    """

    @functools.wraps(service)
    def attempt(*args, **kwargs):
        for tries_left in range(ATTEMPTS - 1, -1, -1):
            try:
                return service(*args, **kwargs)
            except IntegrityError as exc:
                if not tries_left or not is_collision(exc):
                    raise

    return attempt


def normalise(receipt: str) -> str:
    """Accept what people type: lower case, spaces, O for 0, I/L for 1."""
    cleaned = receipt.strip().upper().replace(" ", "").replace("O", "0")
    cleaned = cleaned.replace("I", "1").replace("L", "1")
    if len(cleaned) == 10 and "-" not in cleaned:
        cleaned = f"{cleaned[:5]}-{cleaned[5:]}"
    return cleaned
