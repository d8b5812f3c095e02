"""The burst rules (feedback/provenance/bursts.py) at their thresholds: K-1 is not a burst, K is."""

from datetime import UTC, datetime, timedelta

import pytest

from feedback.provenance.bursts import (
    ACCOUNTS,
    NETWORK,
    Submission,
    Thresholds,
    account_bursts,
    find_bursts,
    network_bursts,
)

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
RULES = Thresholds(
    network_size=5,
    accounts=4,
    account_gap=timedelta(minutes=10),
    window=timedelta(minutes=10),
)
OLD = T0 - timedelta(days=400)


def from_network(n: int, *, network="net-a", every=timedelta(minutes=2), start=T0, first=0):
    """``n`` submissions from one network, ``every`` apart, each by an old account of its own."""
    return [
        Submission(
            key=f"{network}-{first + i}",
            at=start + every * i,
            account=f"{network}-person-{first + i}",
            account_created=OLD - timedelta(days=30 * (first + i)),
            network=network,
        )
        for i in range(n)
    ]


def from_new_accounts(n: int, *, made_every=timedelta(minutes=2), sent_every=timedelta(minutes=2)):
    """One submission from each of ``n`` accounts made ``made_every`` apart, each on its own
    network."""
    return [
        Submission(
            key=f"new-{i}",
            at=T0 + sent_every * i,
            account=f"new-account-{i}",
            account_created=T0 - timedelta(days=1) + made_every * i,
            network=f"own-{i}",
        )
        for i in range(n)
    ]


# --- network bursts -------------------------------------------------------------------


def test_k_minus_one_submissions_from_one_network_within_the_window_are_not_a_burst():
    # 4 submissions over 8 minutes: within 10, but one fewer than 5.
    assert network_bursts(from_network(4), RULES) == []


def test_k_submissions_from_one_network_within_the_window_are_a_burst():
    # 5 over 8 minutes.
    (burst,) = network_bursts(from_network(5), RULES)
    assert burst.kind == NETWORK
    assert burst.size == 5
    assert burst.network == "net-a"
    assert (burst.start, burst.end) == (T0, T0 + timedelta(minutes=8))


def test_k_submissions_spread_wider_than_the_window_are_not_a_burst():
    # 5 over 12 minutes (3 apart): no 10-minute span holds 5.
    assert network_bursts(from_network(5, every=timedelta(minutes=3)), RULES) == []


def test_exactly_the_window_counts():
    # 5 over exactly 10 minutes (2.5 apart).
    assert len(network_bursts(from_network(5, every=timedelta(seconds=150)), RULES)) == 1


def test_k_submissions_from_different_networks_are_not_a_network_burst():
    rows = [
        *from_network(3, network="net-a"),
        *from_network(2, network="net-b", first=3),
    ]
    assert network_bursts(rows, RULES) == []


def test_overlapping_windows_merge_into_one_burst_and_a_later_one_is_separate():
    early = from_network(8, every=timedelta(minutes=1))  # 8 in 7 minutes
    late = from_network(5, every=timedelta(minutes=1), start=T0 + timedelta(hours=2), first=8)
    quiet = from_network(1, start=T0 + timedelta(hours=1), first=20)  # alone: not in a burst
    bursts = network_bursts([*late, *quiet, *early], RULES)
    assert sorted(burst.size for burst in bursts) == [5, 8]
    assert all("net-a-20" not in {m.key for m in burst.members} for burst in bursts)


def test_a_burst_reaches_only_the_rows_in_a_full_window():
    # 5 close together, then a sixth 30 minutes later: only the five.
    rows = [*from_network(5), *from_network(1, start=T0 + timedelta(minutes=40), first=5)]
    (burst,) = network_bursts(rows, RULES)
    assert {member.key for member in burst.members} == {f"net-a-{i}" for i in range(5)}


def test_submissions_without_a_network_are_never_a_network_burst():
    rows = [Submission(key=i, at=T0, account=i, network=None) for i in range(10)]
    assert network_bursts(rows, RULES) == []


# --- account bursts ---------------------------------------------------------------------


def test_k_minus_one_accounts_made_together_are_not_a_burst():
    assert account_bursts(from_new_accounts(3), RULES) == []


def test_k_accounts_made_within_minutes_and_sending_within_the_window_are_a_burst():
    # 4 accounts made over 6 minutes, sending over 6 minutes.
    (burst,) = account_bursts(from_new_accounts(4), RULES)
    assert burst.kind == ACCOUNTS
    assert burst.size == 4
    assert burst.accounts == 4
    assert burst.network is None


def test_k_accounts_made_too_far_apart_are_not_a_burst():
    # Made 4 minutes apart: 12 minutes from first to fourth, no 10-minute span holds 4.
    assert account_bursts(from_new_accounts(4, made_every=timedelta(minutes=4)), RULES) == []


def test_k_accounts_made_together_but_sending_far_apart_are_not_a_burst():
    assert account_bursts(from_new_accounts(4, sent_every=timedelta(minutes=4)), RULES) == []


def test_many_submissions_from_fewer_than_k_new_accounts_are_not_an_account_burst():
    rows = [
        Submission(
            key=f"{account}-{i}",
            at=T0 + timedelta(seconds=i),
            account=account,
            account_created=T0 - timedelta(days=1, seconds=account),
            network=f"n{i}",
        )
        for account in range(3)
        for i in range(20)
    ]
    assert account_bursts(rows, RULES) == []


def test_an_account_burst_holds_every_submission_of_the_cohort_in_the_window():
    again = Submission(
        key="new-0-again",
        at=T0 + timedelta(minutes=1),
        account="new-account-0",
        account_created=T0 - timedelta(days=1),
        network="own-0",
    )
    rows = [*from_new_accounts(4), again]
    (burst,) = account_bursts(rows, RULES)
    assert burst.size == 5
    assert burst.accounts == 4


def test_input_typed_in_by_staff_has_no_account_and_is_no_account_burst():
    rows = [Submission(key=i, at=T0, account=None, account_created=None) for i in range(10)]
    assert account_bursts(rows, RULES) == []


# --- together --------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [5, 9])
def test_find_bursts_lists_both_kinds_largest_first(size):
    rows = [*from_network(size), *from_new_accounts(4)]
    bursts = find_bursts(rows, RULES)
    assert [(burst.kind, burst.size) for burst in bursts] == [(NETWORK, size), (ACCOUNTS, 4)]


def test_thresholds_come_from_settings(settings):
    settings.PLENARY_BURST_NETWORK_SIZE = 7
    settings.PLENARY_BURST_ACCOUNTS = 3
    settings.PLENARY_BURST_ACCOUNT_MINUTES = 4
    settings.PLENARY_BURST_WINDOW_MINUTES = 15
    assert Thresholds.from_settings() == Thresholds(
        network_size=7,
        accounts=3,
        account_gap=timedelta(minutes=4),
        window=timedelta(minutes=15),
    )
