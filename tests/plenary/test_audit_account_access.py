"""Changes to what an account may do are audited wherever they come from: the admin
(tests/test_admin.py), a page, ``createsuperuser`` or the shell (here, no request,
so no actor).  plenary/audit/signals.py."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plenary.audit.models import AuditEvent
from stakeholders.models import User
from tests.stakeholders.factories import UserFactory

pytestmark = pytest.mark.django_db


def _events(event, target):
    return list(AuditEvent.objects.filter(event=event, target=target).order_by("id"))


def test_flags_changed_from_the_shell_are_audited_without_an_actor():
    user = UserFactory(email="ada@example.org")
    user.is_superuser = True
    user.is_active = False
    user.save()
    [event] = _events("account_flags_changed", "ada@example.org")
    assert event.actor is None and event.actor_email == ""
    assert event.detail["changes"] == {
        "is_superuser": {"from": False, "to": True},
        "is_active": {"from": True, "to": False},
    }


def test_an_account_created_as_superuser_is_audited_an_ordinary_one_is_not():
    User.objects.create_superuser(email="root@example.org", password="x-long-pass-1")
    UserFactory(email="plain@example.org")
    [event] = _events("account_flags_changed", "root@example.org")
    assert event.detail["changes"] == {
        "is_staff": {"from": False, "to": True},
        "is_superuser": {"from": False, "to": True},
    }
    assert not AuditEvent.objects.filter(target="plain@example.org").exists()


def test_saving_unchanged_flags_records_nothing_and_sign_in_costs_no_extra_query(client):
    user = UserFactory(email="ada@example.org", password="x-long-pass-1")
    user.save()
    with CaptureQueriesContext(connection) as saves:
        user.save(update_fields=["last_login"])  # as django.contrib.auth.login does
    assert len(saves) == 1  # the UPDATE alone: the flags cannot have changed
    assert client.login(email="ada@example.org", password="x-long-pass-1")
    assert not AuditEvent.objects.filter(event="account_flags_changed").exists()


def test_group_membership_is_audited_from_both_sides():
    user = UserFactory(email="ada@example.org")
    reviewers = Group.objects.create(name="Reviewers")
    editors = Group.objects.create(name="Editors")
    user.groups.add(reviewers, editors)
    user.groups.add(reviewers)  # already there: nothing new
    reviewers.user_set.remove(user)
    editors.user_set.remove(UserFactory(email="other@example.org"))  # not a member
    user.groups.add(reviewers)
    user.groups.clear()
    details = [event.detail for event in _events("account_groups_changed", "ada@example.org")]
    assert details == [
        {"added": ["Editors", "Reviewers"]},
        {"removed": ["Reviewers"]},
        {"added": ["Reviewers"]},
        {"removed": ["Editors", "Reviewers"]},
    ]
    assert not AuditEvent.objects.filter(target="other@example.org").exists()


def test_deleting_a_group_is_audited_for_each_member():
    user = UserFactory(email="ada@example.org")
    reviewers = Group.objects.create(name="Reviewers")
    reviewers.user_set.add(user)
    reviewers.delete()
    assert [e.detail for e in _events("account_groups_changed", "ada@example.org")] == [
        {"added": ["Reviewers"]},
        {"removed": ["Reviewers"]},
    ]


def test_account_and_group_permissions_are_audited():
    user = UserFactory(email="ada@example.org")
    verify = Permission.objects.get(codename="verify_organisation")
    user.user_permissions.add(verify)
    user.user_permissions.remove(verify)
    reviewers = Group.objects.create(name="Reviewers")
    reviewers.permissions.add(verify)
    verify.group_set.clear()
    assert [e.detail for e in _events("account_permissions_changed", "ada@example.org")] == [
        {"added": ["stakeholders.verify_organisation"]},
        {"removed": ["stakeholders.verify_organisation"]},
    ]
    assert [e.detail for e in _events("group_permissions_changed", "Reviewers")] == [
        {"added": ["stakeholders.verify_organisation"]},
        {"removed": ["stakeholders.verify_organisation"]},
    ]
