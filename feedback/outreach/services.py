"""Outreach: the secretariat invites opted-in participants of under-represented groups.

* ``outreach_send`` (the service) checks that the actor runs the consultation,
  validates the groups, subject and message and the daily limit, writes one
  ``consult.OutreachInvitation`` with its recipient count and enqueues one
  outbox task per recipient (``consult.tasks.send_outreach_invitation``), all
  in one transaction: either the invitation and all its mails are recorded,
  or nothing is.
* ``outreach_recipients`` (``feedback.outreach.selectors``, with the counts the
  page shows): who gets it.  People whose participant profile is
  in one of the chosen groups, who opted in (``User.mail_outreach``, off by
  default), whose account is active and not erased and whose address is
  confirmed (allauth's ``EmailAddress.verified``, as commenting requires),
  and who have not commented in this consultation yet (they need no
  invitation).
* ``outreach_mail_send`` (the task's body) sends one mail through
  ``stakeholders.accounts.unsubscribe.send_reminder`` (kind ``outreach``): skipped if the
  person has opted out since, keyed ``outreach-<invitation>-to-<user>`` so a
  re-run sends nothing twice, with a one-click unsubscribe that turns
  ``mail_outreach`` off.

Limits: at most ``MAX_PER_DAY`` invitations per consultation in any 24
hours (the consultation's row is locked while counting, so two secretariat
members clicking at once cannot both pass the limit), subjects of at most
200 characters (the model's field), messages of at most ``MAX_MESSAGE``.
"""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consult import permissions as consult_permissions
from consult.models import Consultation, OutreachInvitation
from feedback.outreach import selectors
from plenary.audit.models import Event
from plenary.audit.services import audit_record
from plenary.outbox.services import enqueue
from stakeholders.accounts.unsubscribe import Kind, send_reminder
from stakeholders.models import StakeholderGroup, User

MAX_PER_DAY = 3
MAX_SUBJECT = cast(int, OutreachInvitation._meta.get_field("subject").max_length)  # CharField
MAX_MESSAGE = 5000
TASK = "consult.tasks.send_outreach_invitation"


@transaction.atomic
def outreach_send(
    *,
    actor,
    consultation: Consultation,
    groups: list[StakeholderGroup],
    subject: str,
    message: str,
) -> OutreachInvitation:
    """Record an invitation to ``groups`` and enqueue one mail per recipient.

    Refuses (ValidationError by field, nothing written): no group, an empty or
    too long subject or message, an unpublished consultation (the link would
    lead nowhere), and a fourth invitation within 24 hours.
    """
    consult_permissions.require_can_run(actor, consultation)
    groups = list(groups)
    subject, message = (subject or "").strip(), (message or "").strip()
    errors: dict[str, str] = {}
    if not groups:
        errors["groups"] = _("Choose at least one stakeholder group to invite.")
    if not subject:
        errors["subject"] = _("Write a subject.")
    elif len(subject) > MAX_SUBJECT:
        errors["subject"] = _("Keep the subject under %(n)d characters.") % {"n": MAX_SUBJECT + 1}
    if not message:
        errors["message"] = _("Write a message.")
    elif len(message) > MAX_MESSAGE:
        errors["message"] = _("Keep the message under %(n)d characters (it has %(has)d).") % {
            "n": MAX_MESSAGE + 1,
            "has": len(message),
        }
    # Serialise invitations of one consultation, so that the daily count is exact.
    Consultation.objects.select_for_update().filter(pk=consultation.pk).first()
    if consultation.status != Consultation.Status.PUBLISHED:
        errors["__all__"] = _("Publish the consultation before inviting people to it.")
    elif selectors.outreach_sent_recently(consultation=consultation) >= MAX_PER_DAY:
        errors["__all__"] = ngettext(
            "At most %(n)d invitation per consultation can be sent in 24 hours.",
            "At most %(n)d invitations per consultation can be sent in 24 hours.",
            MAX_PER_DAY,
        ) % {"n": MAX_PER_DAY}
    if errors:
        raise ValidationError(errors)
    recipients = list(
        selectors.outreach_recipients(consultation=consultation, groups=groups).values_list(
            "pk", flat=True
        )
    )
    invitation = OutreachInvitation.objects.create(
        consultation=consultation,
        subject=subject,
        message=message,
        recipients=len(recipients),
        sent_by=actor,
    )
    invitation.groups.set(groups)
    for user_id in recipients:
        enqueue(TASK, invitation_id=invitation.pk, user_id=user_id)
    audit_record(
        event=Event.OUTREACH_SENT,
        actor=actor,
        consultation=consultation,
        target=subject[:200],
        groups=[group.slug for group in groups],
        recipients=len(recipients),
    )
    return invitation


def outreach_mail_send(*, invitation_id: int, user_id: int) -> bool:
    """Send one invitation to one person, once; False if skipped (opted out since,
    erased, or already sent)."""
    invitation = (
        OutreachInvitation.objects.filter(pk=invitation_id).select_related("consultation").first()
    )
    user = User.objects.filter(pk=user_id, erased_at__isnull=True).first()
    if invitation is None or user is None:
        return False
    consultation = invitation.consultation
    text = render_to_string(
        "stakeholders/email/outreach.txt",
        {
            "invitation": invitation,
            "consultation": consultation,
            "link": settings.SITE_URL + reverse("consultation", args=[consultation.slug]),
        },
    )
    return send_reminder(
        key=f"outreach-{invitation.pk}-to-{user.pk}",
        user=user,
        kind=Kind.OUTREACH,
        subject=invitation.subject,
        text=text,
    )
