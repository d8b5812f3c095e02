"""Counts that stop counting: triage's first page costs the same at 1,000 and 100,000
comments (bench/triage.py).

An exact ``COUNT(*)`` reads every matching comment; these read at most ``cap`` rows past
the page asked for, and say "more than" beyond.  The list keeps ``?page=`` links (its
filters and page survive every action in the query string), and "Next" always reaches
the next page while one exists.
"""

from dataclasses import dataclass
from functools import cached_property

from django.core.paginator import Paginator
from django.db.models import QuerySet

# How far past the page asked for a count reads before it says "more than".
CAP = 1000


@dataclass(frozen=True)
class CappedCount:
    n: int
    more: bool  # there are more than ``n``


def capped_count(queryset: QuerySet, *, cap: int = CAP, offset: int = 0) -> CappedCount:
    """How many rows ``queryset`` has, counting at most ``cap`` past ``offset``: one query."""
    # No ORDER BY: a count needs none, and it lets the database stop at the limit.
    seen = queryset.order_by()[offset : offset + cap + 1].count()
    return CappedCount(n=offset + min(seen, cap), more=seen > cap)


class CappedPaginator(Paginator):
    """A Paginator whose count reads at most ``cap`` rows past the page asked for."""

    def __init__(self, object_list, per_page, *, page_number, cap: int = CAP):
        super().__init__(object_list, per_page)
        try:
            number = max(int(page_number), 1)
        except (TypeError, ValueError):
            number = 1
        self.cap = cap
        self.offset = (number - 1) * per_page

    @cached_property
    def capped(self) -> CappedCount:
        return capped_count(self.object_list, cap=self.cap, offset=self.offset)

    @cached_property
    def count(self) -> int:
        # When there are more, a page's worth more: the page after is reachable.
        return self.capped.n + (self.per_page if self.capped.more else 0)
