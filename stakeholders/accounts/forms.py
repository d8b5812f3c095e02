from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from plenary.honeypot import HoneypotForm
from stakeholders.models import InterestTag, Organisation, Participant, StakeholderGroup, User

SECRETARIAT_ONLY = _("Only the secretariat sees this, for participation balance statistics.")


class ProfileForm(forms.Form):
    """The profile: what is public says so, and so does what only the secretariat sees.

    ``optional`` names the optional fields this site asks for
    (PLENARY_PROFILE_OPTIONAL_FIELDS); the others are not on the form.
    """

    display_name = forms.CharField(
        label=_("Display name or pseudonym"),
        max_length=80,
        help_text=_(
            "Shown publicly next to your comments. A pseudonym is welcome; the name of a "
            "verified organisation or of another participant is not."
        ),
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
    interests = forms.ModelMultipleChoiceField(
        label=_("Interests within your group (optional)"),
        queryset=InterestTag.objects.select_related("group").order_by(
            "group__ordinal", "group__name", "name"
        ),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=SECRETARIAT_ONLY,
    )
    gender = forms.CharField(
        label=_("Gender (optional, in your own words)"),
        max_length=60,
        required=False,
        help_text=SECRETARIAT_ONLY,
    )
    age_range = forms.ChoiceField(
        label=_("Age range (optional)"),
        choices=[("", _("I prefer not to say")), *Participant._meta.get_field("age_range").choices],
        required=False,
        help_text=SECRETARIAT_ONLY,
    )
    mail_outreach = forms.BooleanField(
        label=User._meta.get_field("mail_outreach").verbose_name,
        required=False,
        help_text=_(
            "Off unless you tick it. Every such mail has a one-click unsubscribe link. "
            "Nobody else sees this setting."
        ),
    )

    def __init__(self, *args, optional: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        # The groups with their descriptions (editable per site: /staff/registry/groups/).
        self.fields["group"].label_from_instance = lambda group: (
            f"{group.reader_name}: {group.reader_description}"
            if group.description
            else group.reader_name
        )
        self.fields["interests"].label_from_instance = lambda tag: (
            f"{tag.group.reader_name}: {tag.name}"
        )
        if not self.fields["interests"].queryset.exists():
            del self.fields["interests"]
        for name in ("gender", "age_range"):
            if name not in optional:
                del self.fields[name]


class AffiliationRequestForm(forms.Form):
    # Any organisation is accepted, so that one merged away gets the service's
    # message naming the one it was merged into; only live ones are offered.
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.all(),
        help_text=_(
            "The secretariat checks that you belong to it. Once it confirms, you may comment "
            "on its behalf."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        live = Organisation.objects.filter(merged_into__isnull=True).order_by("name")
        self.fields["organisation"].widget.choices = [
            ("", "---------"),
            *live.values_list("pk", "name"),
        ]


class EraseForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    phrase = forms.CharField(label=_("Type the phrase shown above"), required=False)

    def __init__(self, *args, has_password: bool, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["phrase" if has_password else "password"]


class SignupForm(HoneypotForm, AllauthSignupForm):
    """allauth's sign-up form with the honeypot (ACCOUNT_FORMS in settings)."""
