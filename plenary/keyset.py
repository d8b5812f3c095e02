"""Keyset ("seek") pagination on ``(created_at, pk)``, with opaque cursors.

OFFSET pagination makes the database read and throw away every row before the
page, so page 400 of a long thread costs 400 times page 1, and a comment
posted while someone reads shifts every later page by one (a row is shown
twice or skipped).  A keyset page instead asks for "the next ``size`` rows
after this (created_at, pk)", which an index on ``created_at`` answers
directly, and which neither skips nor repeats a row when rows are added.

The cursor is the position of a row the reader was shown, as URL-safe base64
(``after=`` for the rows after it, ``before=`` for the rows before it), signed
so that a truncated or edited cursor is refused rather than read as another
position.  It carries no permission: the queryset passed in is already
filtered to what the viewer may read, so even a valid cursor only moves the
reader within that.
"""

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core import signing
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

_SIGNER = signing.Signer(salt="plenary.keyset")


class InvalidCursor(ValueError):
    """A cursor that this module did not make (truncated, edited, or from elsewhere)."""


def cursor_for(row: Any) -> str:
    """The opaque cursor for ``row``'s position."""
    raw = f"{row.created_at.isoformat()}|{row.pk}".encode()
    return _SIGNER.sign(base64.urlsafe_b64encode(raw).decode().rstrip("="))


def cursor_position(cursor: str) -> tuple[datetime, int]:
    """``(created_at, pk)`` from a cursor; raises InvalidCursor for anything else."""
    try:
        encoded = _SIGNER.unsign(cursor)
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
        created_at, pk = raw.split("|")
        position = datetime.fromisoformat(created_at), int(pk)
    except (signing.BadSignature, binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidCursor(cursor) from exc
    if position[0].tzinfo is None or position[1] < 1:
        raise InvalidCursor(cursor)
    return position


@dataclass(frozen=True)
class KeysetPage:
    """One page: its rows, oldest first, and the cursors to the pages either side (or None)."""

    items: list
    next_cursor: str | None
    previous_cursor: str | None
    # True when the page was reached through a cursor (so "back to the start" makes sense).
    is_first: bool

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous or not self.is_first

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def _after(created_at: datetime, pk: int) -> Q:
    # Written as ">= t AND (> t OR pk > p)" rather than "> t OR (= t AND pk > p)" so that
    # the database sees a plain range on created_at and can seek the index to it.
    return Q(created_at__gte=created_at) & (Q(created_at__gt=created_at) | Q(pk__gt=pk))


def _before(created_at: datetime, pk: int) -> Q:
    return Q(created_at__lte=created_at) & (Q(created_at__lt=created_at) | Q(pk__lt=pk))


def keyset_page(
    queryset: QuerySet, *, size: int, after: str | None = None, before: str | None = None
) -> KeysetPage:
    """The page of ``queryset`` (oldest first) after or before a cursor, or the first page.

    One query (plus whatever ``prefetch_related`` the queryset carries): it
    fetches ``size + 1`` rows to learn whether another page follows.
    Raises InvalidCursor for a malformed cursor or for both directions at once.
    """
    if after and before:
        raise InvalidCursor(before)
    if before:
        rows = list(
            queryset.filter(_before(*cursor_position(before))).order_by("-created_at", "-pk")[
                : size + 1
            ]
        )
        more = len(rows) > size
        rows = rows[:size][::-1]
        return KeysetPage(
            items=rows,
            previous_cursor=cursor_for(rows[0]) if more else None,
            # The rows from the cursor on are still there (or were, when it was made).
            next_cursor=cursor_for(rows[-1]) if rows else None,
            is_first=not more,
        )
    if after:
        queryset = queryset.filter(_after(*cursor_position(after)))
    rows = list(queryset.order_by("created_at", "pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        items=rows,
        next_cursor=cursor_for(rows[-1]) if more else None,
        previous_cursor=cursor_for(rows[0]) if after and rows else None,
        is_first=not after,
    )


def page_from_query(query, fetch: Callable[..., KeysetPage]) -> tuple[KeysetPage, str]:
    """``fetch(after=..., before=...)`` with the cursors of a query string (``request.GET``).

    A cursor we did not make (edited or cut short) gets the first page and a
    message to show above the list; pages answer it with status 400.
    """
    try:
        return fetch(after=query.get("after"), before=query.get("before")), ""
    except InvalidCursor:
        error = _("This link to a page of comments is not valid. Here are the first ones.")
        return fetch(), error
