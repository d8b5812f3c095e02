"""Pages for following consultations and for reminder settings.  Each write is one service call."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from consult.access import consultation_for
from consult.reminders import services as reminders
from consult.reminders.selectors import follows_of
from plenary.forms import NOT_DONE, posted, safe_next, submit
from stakeholders.models import User


class FollowForm(forms.Form):
    following = forms.BooleanField(required=False)


class ReminderSettingsForm(forms.Form):
    mail_round_closing = forms.BooleanField(
        required=False,
        label=User._meta.get_field("mail_round_closing").verbose_name,
        help_text=gettext_lazy(
            "A week before, and a day before, a round of a consultation you follow closes."
        ),
    )
    mail_reply_digest = forms.BooleanField(
        required=False,
        label=User._meta.get_field("mail_reply_digest").verbose_name,
        help_text=gettext_lazy("One mail a day, only on days someone replied to you."),
    )
    mail_staff_reminders = forms.BooleanField(
        required=False,
        label=User._meta.get_field("mail_staff_reminders").verbose_name,
        help_text=gettext_lazy("For the secretariat of a consultation."),
    )
    mail_evaluation = forms.BooleanField(
        required=False,
        label=User._meta.get_field("mail_evaluation").verbose_name,
        help_text=gettext_lazy(
            "Once per consultation you took part in, after its last round closes: three questions."
        ),
    )


@login_required
@require_POST
def follow(request, slug: str):
    """Follow (following=1) or unfollow (following absent or 0) a consultation."""
    consultation = consultation_for(request, slug)
    form = FollowForm(request.POST)
    following = submit(
        request,
        form,
        lambda data: reminders.follow_set(
            user=request.user, consultation=consultation, following=data["following"]
        ),
    )
    if following is True:
        messages.success(
            request, _("You follow this consultation: you will be reminded before rounds close.")
        )
    elif following is False:
        messages.success(request, _("You no longer follow “%(title)s”.") % {"title": consultation})
    return redirect(
        safe_next(
            request, request.POST.get("next"), reverse("consultation", args=[consultation.slug])
        )
    )


@login_required
def reminder_settings(request):
    user = request.user
    form = ReminderSettingsForm(
        posted(request),
        initial={
            "mail_round_closing": user.mail_round_closing,
            "mail_reply_digest": user.mail_reply_digest,
            "mail_staff_reminders": user.mail_staff_reminders,
            "mail_evaluation": user.mail_evaluation,
        },
    )
    saved = submit(request, form, lambda data: reminders.reminder_settings_save(actor=user, **data))
    if saved is not NOT_DONE:
        messages.success(request, _("Your reminder settings are saved."))
        return redirect("reminder_settings")
    return render(
        request,
        "reminders/settings.html",
        {"form": form, "follows": follows_of(user=user)},
    )
