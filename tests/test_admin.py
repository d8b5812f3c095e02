"""Staff find every domain object in the admin, and the admin is not a second door:
each model is read-only there or saves through its service, and changes to what an
account may do are audited."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory
from django.urls import reverse

from comments.threads import services as comment_services
from feedback.ledger import services as feedback_services
from plenary.audit.models import AuditEvent
from plenary.outbox.models import OutboxMessage
from stakeholders.models import InterestTag, StakeholderGroup, User
from tests.stakeholders.factories import UserFactory


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser(email="root@example.org", password="x-long-pass-1")


@pytest.mark.parametrize(
    "model",
    [
        "stakeholders/user",
        "stakeholders/stakeholdergroup",
        "stakeholders/organisation",
        "stakeholders/participant",
        "stakeholders/affiliation",
        "consult/consultation",
        "consult/documentversion",
        "consult/section",
        "comments/comment",
        "feedback/dispositionentry",
        "feedback/dispositiondraft",
        "outbox/outboxmessage",
    ],
)
def test_admin_lists_open(client, superuser, consultation, stakeholder, secretariat, model):
    comment = comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="1-purpose-2", body="Hi"
    )
    feedback_services.disposition_record(
        actor=secretariat, comment=comment, status="noted", publish=True
    )
    client.force_login(superuser)
    app, name = model.split("/")
    assert client.get(reverse(f"admin:{app}_{name}_changelist")).status_code == 200


def test_ledger_entry_cannot_be_changed_in_admin(
    client, superuser, consultation, stakeholder, secretariat
):
    comment = comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="1-purpose-2", body="Hi"
    )
    entry = feedback_services.disposition_record(
        actor=secretariat, comment=comment, status="noted", publish=True
    )
    client.force_login(superuser)
    url = reverse("admin:feedback_dispositionentry_change", args=[entry.pk])
    client.post(url, {"status": "accepted", "rationale": "rewritten"})
    entry.refresh_from_db()
    assert (entry.status, entry.rationale) == ("noted", "")
    delete = reverse("admin:feedback_dispositionentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403


# --- The admin is not a second door (issue 21) ------------------------------------

# Models whose admin may add, change or delete rows: which of the three, and why that
# is not a second door.  Every other registered model is read-only in the admin.
EDITABLE_IN_ADMIN = {
    # Site configuration: who is staff or superuser, active, in which groups, with
    # which permissions.  Every change to those, from the admin or anywhere else, is
    # an audit event (plenary/audit/signals.py).  No deletion (an account is erased,
    # through feedback.privacy); the address is read-only (allauth's flow).
    "stakeholders.User": (
        {"add", "change"},
        "account flags, groups and permissions: audited by signals",
    ),
    # Permission bundles: its permissions and members are audited, and a deleted
    # group's members each get an event (signals).
    "auth.Group": (
        {"add", "change", "delete"},
        "permission bundles: membership, permissions and deletion audited by signals",
    ),
    # ServiceAdmin: saves call stakeholders.registry.services, so the service's check
    # (require_can_verify), validation and normalisation run; a refusal is a message.
    "stakeholders.StakeholderGroup": ({"change"}, "registry.services.stakeholder_group_update"),
    "stakeholders.InterestTag": ({"add"}, "registry.services.interest_tag_create"),
}
# Actions a read-only admin may offer, each calling a service.
SERVICE_ACTIONS = {
    "outbox.OutboxMessage": {"requeue"},  # plenary.outbox.services.requeue
}


def _admin_request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _registered_models():
    return [model for model in apps.get_models() if admin.site.is_registered(model)]


def test_every_model_in_the_admin_is_read_only_or_allow_listed(superuser):
    """A model registered later cannot silently become a second door: it is read-only,
    or it is listed above with the reason its saves are safe."""
    request = _admin_request(superuser)
    registered = _registered_models()
    assert len(registered) > 20  # the walk sees the apps' and third parties' models
    doors = []
    for model in registered:
        label = model._meta.label
        model_admin = admin.site.get_model_admin(model)
        allowed, _reason = EDITABLE_IN_ADMIN.get(label, (set(), ""))
        writes = {
            "add": model_admin.has_add_permission(request),
            "change": model_admin.has_change_permission(request),
            "delete": model_admin.has_delete_permission(request),
        }
        extra = {write for write, granted in writes.items() if granted} - allowed
        actions = set(model_admin.get_actions(request)) - SERVICE_ACTIONS.get(label, set())
        if "delete" in allowed:
            actions.discard("delete_selected")
        if extra or actions:
            doors.append((label, sorted(extra), sorted(actions)))
        if allowed:  # an inline would be a way past the allow-listed save
            assert not model_admin.get_inline_instances(request), label
    assert doors == []
    assert set(EDITABLE_IN_ADMIN) <= {model._meta.label for model in registered}


def test_third_party_models_are_read_only_in_the_admin(client, superuser):
    from allauth.account.models import EmailAddress

    client.force_login(superuser)
    address = EmailAddress.objects.create(user=superuser, email=superuser.email, verified=False)
    url = reverse("admin:account_emailaddress_change", args=[address.pk])
    assert client.post(url, {"email": "x@example.org", "verified": "on"}).status_code == 403
    changelist = reverse("admin:account_emailaddress_changelist")
    client.post(changelist, {"action": "make_verified", "_selected_action": [address.pk]})
    address.refresh_from_db()
    assert (address.email, address.verified) == (superuser.email, False)


def test_authenticator_secret_is_not_shown_in_the_admin(client, superuser):
    from allauth.mfa.models import Authenticator

    authenticator = Authenticator.objects.create(
        user=superuser, type=Authenticator.Type.TOTP, data={"secret": "SEEKRIT-TOTP-SEED"}
    )
    client.force_login(superuser)
    page = client.get(reverse("admin:mfa_authenticator_change", args=[authenticator.pk]))
    assert page.status_code == 200
    assert b"SEEKRIT-TOTP-SEED" not in page.content


def test_consultation_cannot_be_changed_in_admin(client, superuser, consultation):
    client.force_login(superuser)
    url = reverse("admin:consult_consultation_change", args=[consultation.pk])
    answer = client.post(url, {"title": "Rewritten", "slug": consultation.slug})
    assert answer.status_code == 403
    consultation.refresh_from_db()
    assert consultation.title != "Rewritten"


def test_comment_cannot_be_changed_or_deleted_in_admin(
    client, superuser, consultation, stakeholder
):
    comment = comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="1-purpose-2", body="Hi"
    )
    client.force_login(superuser)
    change = reverse("admin:comments_comment_change", args=[comment.pk])
    assert client.post(change, {"body": "Rewritten"}).status_code == 403
    delete = reverse("admin:comments_comment_delete", args=[comment.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Hi"


def test_outbox_message_cannot_be_deleted_in_admin(client, superuser):
    message = OutboxMessage.objects.create(task_name="plenary.outbox.tasks.prune", kwargs={})
    client.force_login(superuser)
    delete = reverse("admin:outbox_outboxmessage_delete", args=[message.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert OutboxMessage.objects.filter(pk=message.pk).exists()


def test_account_cannot_be_deleted_in_admin(client, superuser):
    """An account is erased (feedback.privacy), never deleted: even one with no
    participant profile, whose deletion nothing else would hold back."""
    account = UserFactory(email="bare@example.org")
    client.force_login(superuser)
    delete = reverse("admin:stakeholders_user_delete", args=[account.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=account.pk).exists()


def _user_form(user, **changes):
    data = {
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "is_superuser": "on" if user.is_superuser else "",
        "groups": [group.pk for group in user.groups.all()],
        "user_permissions": [perm.pk for perm in user.user_permissions.all()],
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_superuser_making_someone_staff_in_admin_is_audited(client, superuser, stakeholder):
    client.force_login(superuser)
    url = reverse("admin:stakeholders_user_change", args=[stakeholder.pk])
    answer = client.post(url, _user_form(stakeholder, is_staff="on"))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    stakeholder.refresh_from_db()
    assert stakeholder.is_staff
    event = AuditEvent.objects.get(event="account_flags_changed", target=stakeholder.email)
    assert (event.actor, event.actor_email, event.target) == (
        superuser,
        superuser.email,
        stakeholder.email,
    )
    assert event.detail["changes"] == {"is_staff": {"from": False, "to": True}}
    assert event.ip == "127.0.0.1"


def test_adding_someone_to_a_group_in_admin_is_audited(client, superuser, stakeholder):
    reviewers = Group.objects.create(name="Reviewers")
    client.force_login(superuser)
    url = reverse("admin:stakeholders_user_change", args=[stakeholder.pk])
    answer = client.post(url, _user_form(stakeholder, groups=[reviewers.pk]))
    assert answer.status_code == 302
    event = AuditEvent.objects.get(event="account_groups_changed")
    assert (event.actor_email, event.target, event.detail) == (
        superuser.email,
        stakeholder.email,
        {"added": ["Reviewers"]},
    )
    # Saving the form again, unchanged, records nothing new.
    client.post(url, _user_form(stakeholder))
    assert AuditEvent.objects.filter(target=stakeholder.email).count() == 1


def test_address_of_an_account_is_read_only_in_admin(client, superuser, stakeholder):
    client.force_login(superuser)
    url = reverse("admin:stakeholders_user_change", args=[stakeholder.pk])
    joined = stakeholder.date_joined
    answer = client.post(
        url,
        _user_form(
            stakeholder,
            email="taken-over@example.org",
            # What a form with the address editable would also need.
            date_joined_0=joined.strftime("%Y-%m-%d"),
            date_joined_1=joined.strftime("%H:%M:%S"),
        ),
    )
    assert answer.status_code == 302
    stakeholder.refresh_from_db()
    assert stakeholder.email == "wanjiru@example.org"


def test_stakeholder_group_saves_through_the_service(client, superuser):
    group = StakeholderGroup.objects.order_by("pk").first()
    client.force_login(superuser)
    url = reverse("admin:stakeholders_stakeholdergroup_change", args=[group.pk])
    answer = client.post(
        url, {"name": "  Civil   society  ", "description": " Groups ", "ordinal": 3}
    )
    assert answer.status_code == 302
    group.refresh_from_db()
    # The service's normalisation, not the admin form's: one space between words.
    assert (group.name, group.description, group.ordinal) == ("Civil society", "Groups", 3)


def test_stakeholder_group_admin_refuses_what_the_service_refuses(client, stakeholder):
    """Staff with the model permission but not the registry's rule: the service says no,
    the admin shows its message and changes nothing."""
    group = StakeholderGroup.objects.order_by("pk").first()
    name = group.name
    stakeholder.is_staff = True
    stakeholder.save()
    stakeholder.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_stakeholdergroup", "change_stakeholdergroup"]
        )
    )
    client.force_login(stakeholder)
    url = reverse("admin:stakeholders_stakeholdergroup_change", args=[group.pk])
    answer = client.post(url, {"name": "Renamed", "description": "", "ordinal": 1}, follow=True)
    assert answer.status_code == 200
    assert "Only the site&#x27;s secretariat can verify organisations." in answer.content.decode()
    group.refresh_from_db()
    assert group.name == name
    assert not LogEntry.objects.exists()  # the admin's own change log rolled back too


def test_interest_tag_is_added_through_the_service(client, superuser):
    group = StakeholderGroup.objects.order_by("pk").first()
    client.force_login(superuser)
    add = reverse("admin:stakeholders_interesttag_add")
    answer = client.post(add, {"group": group.pk, "name": "Open  Data"})
    assert answer.status_code == 302
    tag = InterestTag.objects.get(group=group)
    assert (tag.name, tag.slug) == ("Open Data", "open-data")  # the service made the slug
    # A duplicate: the service's message, and nothing added.
    answer = client.post(add, {"group": group.pk, "name": "open data"}, follow=True)
    assert "already has this interest" in answer.content.decode()
    assert InterestTag.objects.filter(group=group).count() == 1
