from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from plenary.honeypot import HoneypotForm

from .models import StakeholderGroup


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name or pseudonym"),
        max_length=80,
        help_text=_("Shown publicly next to your comments. A pseudonym is welcome."),
    )
    group = forms.ModelChoiceField(
        label=_("Stakeholder group"),
        queryset=StakeholderGroup.objects.all(),
        empty_label=None,
        widget=forms.RadioSelect,
        help_text=_("Shown publicly, so readers know which group is speaking."),
    )
    country = LazyTypedChoiceField(
        label=_("Country"),
        choices=[("", "---------"), *countries],
        help_text=_("Shown publicly."),
    )
    gender = forms.CharField(
        label=_("Gender (optional, in your own words)"),
        max_length=60,
        required=False,
        help_text=_("Seen only by the secretariat, for participation balance statistics."),
    )


class SignupForm(HoneypotForm, AllauthSignupForm):
    """allauth's sign-up form with the honeypot (ACCOUNT_FORMS in settings)."""
