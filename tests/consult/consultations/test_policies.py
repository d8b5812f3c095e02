"""The written integrity policies (issue 25; ACUS 2021-1): edited by the secretariat on
the consultation's settings page; a blank one shows the default text."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from consult.consultations import services
from consult.consultations.policies import POLICIES, POLICY_FIELDS, policies_of
from tests.stakeholders.factories import ParticipantFactory


def test_every_policy_has_a_default_when_blank(consultation):
    policies = policies_of(consultation)
    assert [p.key for p in policies] == [
        "signatures",
        "copies",
        "generated",
        "disputes",
        "redaction",
    ]
    for policy, (_field, heading, default) in zip(policies, POLICIES, strict=True):
        assert policy.is_default and policy.text == str(default) and policy.heading == str(heading)
        assert len(policy.text) > 40


def test_secretariat_writes_the_policies_on_the_settings_page(client, consultation, secretariat):
    ParticipantFactory(user=secretariat)
    client.force_login(secretariat)
    url = reverse("staff_consultation", args=[consultation.slug])
    page = client.get(url).content.decode()
    for field in POLICY_FIELDS:
        assert f'name="{field}"' in page
    assert "Leave blank to show the default text" in page
    response = client.post(
        url,
        {
            "title": consultation.title,
            "summary": consultation.summary,
            "premoderate_first": "0",
            "policy_signatures": "  Sign once; we count every confirmed signature.  ",
            "policy_redaction": "",
        },
    )
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.policy_signatures == "Sign once; we count every confirmed signature."
    by_key = {policy.key: policy for policy in policies_of(consultation)}
    assert by_key["signatures"].text == "Sign once; we count every confirmed signature."
    assert not by_key["signatures"].is_default and by_key["redaction"].is_default
    public = client.get(reverse("integrity", args=[consultation.slug])).content.decode()
    assert "Sign once; we count every confirmed signature." in public


def test_a_caller_that_does_not_edit_policies_leaves_them(consultation, secretariat):
    services.consultation_update(
        actor=secretariat,
        consultation=consultation,
        title="T",
        summary="S",
        goals="",
        ground_rules="",
        policy_generated="We flag bulk submissions.",
    )
    services.consultation_update(
        actor=secretariat,
        consultation=consultation,
        title="T2",
        summary="S",
        goals="",
        ground_rules="",
    )
    consultation.refresh_from_db()
    assert consultation.policy_generated == "We flag bulk submissions."


def test_only_the_secretariat_writes_the_policies(consultation, moderator):
    with pytest.raises(PermissionDenied):
        services.consultation_update(
            actor=moderator,
            consultation=consultation,
            title="T",
            summary="S",
            goals="",
            ground_rules="",
            policy_copies="Mine.",
        )
    consultation.refresh_from_db()
    assert consultation.policy_copies == ""
