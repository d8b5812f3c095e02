"""Audit events that come from signals rather than from a service.

Sign-in, failed sign-in and sign-out, from django.contrib.auth's signals, and
a wrong second-factor code from allauth.mfa's: allauth signs users in through
``django.contrib.auth.login`` and reports failed attempts through
``authenticate``; the API token view sends the same signals
(stakeholders.accounts.services), so these cover the web forms, the admin and
the API alike.

Changes to what an account may do: its ``is_staff``, ``is_superuser`` and
``is_active`` flags (``pre_save``/``post_save``), its groups and permissions
and a group's permissions (``m2m_changed``, and a group's deletion).  These
are signals, not a service, because the admin, allauth, ``createsuperuser``
and the shell all write them; the request being served, if any, names who did
it (``plenary.audit.middleware``).  Not seen: ``QuerySet.update()`` and raw
SQL, which send no signal.
"""

from typing import Any

from allauth.mfa import signals as mfa_signals
from django.contrib.auth import get_user_model
from django.contrib.auth import signals as auth_signals
from django.contrib.auth.models import Group, Permission
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_save, pre_delete, pre_save

from plenary.audit.middleware import current_request
from plenary.audit.models import Event
from plenary.audit.services import audit_record

FLAGS = ("is_staff", "is_superuser", "is_active")
# What a new account's flags are "changed from": an account created as staff or
# superuser (createsuperuser, the admin) is recorded, an ordinary sign-up is not.
NEW_ACCOUNT_FLAGS = {"is_staff": False, "is_superuser": False, "is_active": True}
# Set by pre_save on the instance being saved, read (and removed) by post_save.
FLAGS_BEFORE = "audit_flags_before"


def on_logged_in(sender, request, user, **kwargs) -> None:
    audit_record(event=Event.SIGN_IN, actor=user, target=user.email, request=request)


def on_logged_out(sender, request, user, **kwargs) -> None:
    if user is None:  # signing out while not signed in
        return
    audit_record(event=Event.SIGN_OUT, actor=user, target=user.email, request=request)


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django already masks the password in ``credentials``; keep only the address.
    attempted = str(credentials.get("email") or credentials.get("username") or "").strip()
    audit_record(
        event=Event.SIGN_IN_FAILED,
        actor_email=attempted.lower(),
        target=attempted.lower()[:254],
        request=request,
    )


def record(*, event: str, account: Model, target: str, **detail: Any) -> None:
    """One event, naming the signed-in user of the request being served, if any.

    Nothing for an erased account: erasure drops its flags, groups and permissions
    after redacting the log, records ``account_erased`` itself, and an event here
    would write the address back in (``request.user`` still carries it).
    """
    if getattr(account, "erased_at", None) is not None:
        return
    request = current_request()
    user = getattr(request, "user", None)
    audit_record(event=event, actor=user, target=target, request=request, **detail)


def on_user_pre_save(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    if raw or (update_fields is not None and not set(update_fields) & set(FLAGS)):
        return  # fixtures, and saves that cannot touch the flags (last_login on sign-in)
    before = sender.objects.filter(pk=instance.pk).values(*FLAGS).first() if instance.pk else None
    setattr(instance, FLAGS_BEFORE, before or NEW_ACCOUNT_FLAGS)


def on_user_post_save(sender, instance, raw=False, **kwargs) -> None:
    before = getattr(instance, FLAGS_BEFORE, None)
    if raw or before is None:
        return
    delattr(instance, FLAGS_BEFORE)
    changes = {
        flag: {"from": before[flag], "to": getattr(instance, flag)}
        for flag in FLAGS
        if before[flag] != getattr(instance, flag)
    }
    if changes:
        record(
            event=Event.ACCOUNT_FLAGS_CHANGED,
            account=instance,
            target=instance.email,
            changes=changes,
        )


def label(obj: Model) -> str:
    if isinstance(obj, Permission):
        return f"{obj.content_type.app_label}.{obj.codename}"
    return str(obj)


def on_m2m_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    """An account's groups or permissions, or a group's permissions, from either side.

    Recorded inside the related manager's transaction: additions after the
    INSERT (``pk_set`` then holds only what was new), removals and clears
    before the DELETE (while what goes is still there to name).
    """
    if action not in ("post_add", "pre_remove", "pre_clear"):
        return
    event, owner_model, field = THROUGH[sender]
    if action == "pre_clear":
        # Forward: all of the owner's related rows; reverse: every owner of this row.
        pk_set = set(
            getattr(instance, field).values_list("pk", flat=True)
            if not reverse
            else owner_model.objects.filter(**{field: instance}).values_list("pk", flat=True)
        )
    elif action == "pre_remove":
        # Only what is there: remove() of a row that is not related deletes nothing.
        present = (
            getattr(instance, field).filter(pk__in=pk_set)
            if not reverse
            else owner_model.objects.filter(pk__in=pk_set, **{field: instance})
        )
        pk_set = set(present.values_list("pk", flat=True))
    if not pk_set:
        return
    key = "added" if action == "post_add" else "removed"
    rows = model.objects.filter(pk__in=pk_set).order_by("pk")
    others = list(rows.select_related("content_type") if model is Permission else rows)
    owners, changed = ([instance], others) if not reverse else (others, [instance])
    for owner in owners:
        target = owner.email if not isinstance(owner, Group) else owner.name
        changes = {key: sorted(label(obj) for obj in changed)}
        record(event=event, account=owner, target=target, **changes)


def on_group_pre_delete(sender, instance, **kwargs) -> None:
    """A deleted group's members lose it without an m2m signal: record it per member."""
    for user in get_user_model().objects.filter(groups=instance).order_by("pk"):
        record(
            event=Event.ACCOUNT_GROUPS_CHANGED,
            account=user,
            target=user.email,
            removed=[instance.name],
        )


THROUGH: dict[type[Model], tuple[str, Any, str]] = {}


def on_second_factor_failed(sender, request, user, authenticator, **kwargs) -> None:
    """A wrong TOTP or recovery code after the right password (page or API)."""
    audit_record(
        event=Event.SIGN_IN_FAILED,
        actor_email=user.email.lower(),
        target=user.email.lower()[:254],
        request=request,
        factor=str(authenticator.type),
        reauthentication=bool(kwargs.get("reauthentication")),
    )


def connect() -> None:
    auth_signals.user_logged_in.connect(on_logged_in, dispatch_uid="audit_logged_in")
    auth_signals.user_logged_out.connect(on_logged_out, dispatch_uid="audit_logged_out")
    auth_signals.user_login_failed.connect(on_login_failed, dispatch_uid="audit_login_failed")
    mfa_signals.authentication_failed.connect(
        on_second_factor_failed, dispatch_uid="audit_second_factor_failed"
    )

    user_model = get_user_model()
    pre_save.connect(on_user_pre_save, sender=user_model, dispatch_uid="audit_user_pre_save")
    post_save.connect(on_user_post_save, sender=user_model, dispatch_uid="audit_user_post_save")
    # through model → (event, the owning side's model, the owning side's field name)
    THROUGH.update(
        {
            user_model.groups.through: (Event.ACCOUNT_GROUPS_CHANGED, user_model, "groups"),
            user_model.user_permissions.through: (
                Event.ACCOUNT_PERMISSIONS_CHANGED,
                user_model,
                "user_permissions",
            ),
            Group.permissions.through: (Event.GROUP_PERMISSIONS_CHANGED, Group, "permissions"),
        }
    )
    for through in THROUGH:
        m2m_changed.connect(
            on_m2m_changed, sender=through, dispatch_uid=f"audit_m2m_{THROUGH[through][0]}"
        )
    pre_delete.connect(on_group_pre_delete, sender=Group, dispatch_uid="audit_group_pre_delete")
