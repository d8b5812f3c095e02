"""Burst detection: many submissions from one network, or from accounts made together.

Pure functions over ``Submission`` rows, with no database, so the rules can be
tested at their thresholds and benchmarked on their own (``bench/integrity.py``);
``feedback.provenance.selectors`` feeds them a consultation's comments.

Two rules (thresholds in settings, ``Thresholds.from_settings``):

- **network burst**: at least ``network_size`` submissions from one network hash
  within ``window`` (any span of that length holding that many).
- **account burst**: submissions from at least ``accounts`` distinct accounts whose
  accounts were created within ``account_gap`` of each other (a *cohort*: sorted by
  creation, each account within ``account_gap`` of the next, and at least
  ``accounts`` of them within one ``account_gap``), made within ``window`` (any span
  of that length holding submissions from that many of the cohort's accounts).

Both are sliding windows over sorted times (two pointers, one pass each): a row is
in a burst when some window holding it reaches the threshold; overlapping windows
merge into one burst.  The cost is a sort, O(n log n), on 55,000 rows well under a
second.  Nothing is decided here: a burst is shown to a person, who decides.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings

NETWORK = "network"
ACCOUNTS = "accounts"


@dataclass(frozen=True)
class Thresholds:
    network_size: int
    accounts: int
    account_gap: timedelta
    window: timedelta

    @classmethod
    def from_settings(cls) -> Thresholds:
        return cls(
            network_size=settings.PLENARY_BURST_NETWORK_SIZE,
            accounts=settings.PLENARY_BURST_ACCOUNTS,
            account_gap=timedelta(minutes=settings.PLENARY_BURST_ACCOUNT_MINUTES),
            window=timedelta(minutes=settings.PLENARY_BURST_WINDOW_MINUTES),
        )


@dataclass(frozen=True)
class Submission:
    """One submission as the rules see it.  ``account`` is None for input staff typed in
    for someone else (its account is not the sender's); ``network`` None when unknown."""

    key: Hashable
    at: datetime
    account: Hashable | None = None
    account_created: datetime | None = None
    network: str | None = None


@dataclass
class Burst:
    kind: str  # NETWORK or ACCOUNTS
    members: list[Submission] = field(default_factory=list)  # in time order

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def start(self) -> datetime:
        return self.members[0].at

    @property
    def end(self) -> datetime:
        return self.members[-1].at

    @property
    def accounts(self) -> int:
        return len({member.account for member in self.members})

    @property
    def network(self) -> str | None:
        return self.members[0].network if self.kind == NETWORK else None


def _merged_runs(marked: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching index ranges [i, j] (inclusive, in increasing i) joined."""
    runs: list[tuple[int, int]] = []
    for start, end in marked:
        if runs and start <= runs[-1][1]:
            runs[-1] = (runs[-1][0], max(runs[-1][1], end))
        else:
            runs.append((start, end))
    return runs


def _dense_runs(
    times: Sequence[datetime], *, span: timedelta, at_least: int
) -> list[tuple[int, int]]:
    """Index ranges of ``times`` (sorted) where some window of length ``span`` holds
    ``at_least`` of them: each i opens a window [t_i, t_i + span]."""
    marked = []
    j = 0
    for i, start in enumerate(times):
        j = max(j, i)
        while j + 1 < len(times) and times[j + 1] - start <= span:
            j += 1
        if j - i + 1 >= at_least:
            marked.append((i, j))
    return _merged_runs(marked)


def network_bursts(rows: Iterable[Submission], thresholds: Thresholds) -> list[Burst]:
    by_network: dict[str, list[Submission]] = defaultdict(list)
    for row in rows:
        if row.network:
            by_network[row.network].append(row)
    bursts = []
    for members in by_network.values():
        if len(members) < thresholds.network_size:
            continue
        members.sort(key=lambda row: row.at)
        for start, end in _dense_runs(
            [row.at for row in members], span=thresholds.window, at_least=thresholds.network_size
        ):
            bursts.append(Burst(NETWORK, members[start : end + 1]))
    return bursts


def _cohorts(rows: Sequence[Submission], thresholds: Thresholds) -> list[set[Hashable]]:
    """Groups of at least ``accounts`` accounts created within ``account_gap`` of each other."""
    created: dict[Hashable, datetime] = {}
    for row in rows:
        if row.account is not None and row.account_created is not None:
            created[row.account] = row.account_created
    accounts = sorted(created, key=lambda account: created[account])  # type: ignore[arg-type]
    times = [created[account] for account in accounts]
    return [
        set(accounts[start : end + 1])
        for start, end in _dense_runs(
            times, span=thresholds.account_gap, at_least=thresholds.accounts
        )
    ]


def account_bursts(rows: Iterable[Submission], thresholds: Thresholds) -> list[Burst]:
    rows = [row for row in rows if row.account is not None and row.account_created is not None]
    cohort_of: dict[Hashable, int] = {}
    for number, cohort in enumerate(_cohorts(rows, thresholds)):
        for account in cohort:
            cohort_of[account] = number
    by_cohort: dict[int, list[Submission]] = defaultdict(list)
    for row in rows:
        if row.account in cohort_of:
            by_cohort[cohort_of[row.account]].append(row)
    bursts = []
    for members in by_cohort.values():
        members.sort(key=lambda row: row.at)
        # For each last row j, the widest window ending there; distinct accounts in it.
        marked = []
        seen: Counter[Hashable] = Counter()
        i = 0
        for j, row in enumerate(members):
            seen[row.account] += 1
            while row.at - members[i].at > thresholds.window:
                seen[members[i].account] -= 1
                if not seen[members[i].account]:
                    del seen[members[i].account]
                i += 1
            if len(seen) >= thresholds.accounts:
                marked.append((i, j))
        # Marked ranges end in increasing j but may start earlier than the last run's end.
        for start, end in _merged_runs(sorted(marked)):
            bursts.append(Burst(ACCOUNTS, members[start : end + 1]))
    return bursts


def find_bursts(rows: Iterable[Submission], thresholds: Thresholds) -> list[Burst]:
    """Every network and account burst, largest first (then earliest)."""
    rows = list(rows)
    found = network_bursts(rows, thresholds) + account_bursts(rows, thresholds)
    found.sort(key=lambda burst: (-burst.size, burst.start, burst.kind))
    return found
