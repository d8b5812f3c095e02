"""bench/integrity.py's functions on a tiny replayed attack: the shares it prints are
computed right (its timings are not asserted)."""

import pytest

from bench import integrity
from feedback.models import CampaignMember
from feedback.provenance.selectors import bursts_of


def test_shares_count_attack_surfaced_and_genuine_wrongly_surfaced():
    truth = {1: True, 2: True, 3: True, 4: False, 5: False}
    assert integrity.shares(truth, {1, 2, 5}) == (2 / 3, 1 / 2)
    assert integrity.shares(truth, set()) == (0.0, 0.0)
    assert integrity.shares(truth, {1, 2, 3}) == (1.0, 0.0)


def test_the_plan_has_the_sizes_asked_for_from_forty_accounts_and_five_networks():
    planned, _people = integrity.plan(400, 60, seed=3)
    attack = [item for item in planned if item.attack]
    assert len(attack) == 400
    assert len(planned) - len(attack) == 60
    assert {item.account for item in attack} == set(range(integrity.ATTACK_ACCOUNTS))
    assert len({item.address.rsplit(".", 1)[0] for item in attack}) == integrity.ATTACK_NETWORKS


@pytest.mark.django_db
def test_a_tiny_attack_is_surfaced_and_genuine_input_is_not(consultation):
    planned, people = integrity.plan(300, 80, seed=3)
    truth = integrity.build(consultation, planned, people, seed=3)

    surfaced, _timing, bursts = integrity.surface(consultation)
    attack_share, genuine_share = integrity.shares(truth, surfaced)

    assert bursts > 0
    assert attack_share == 1.0
    assert genuine_share == 0.0
    # The trickled copies (outside any burst) are surfaced by their campaign cluster.
    in_bursts = {m.key for burst in bursts_of(consultation=consultation) for m in burst.members}
    clustered = set(CampaignMember.objects.values_list("comment_id", flat=True))
    trickled = {pk for pk, is_attack in truth.items() if is_attack} - in_bursts
    assert trickled
    assert trickled <= clustered
