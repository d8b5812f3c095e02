from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consult.consultations.policies import POLICIES
from consult.models import Role
from stakeholders.accounts.timezone import ZonedForm


class ConsultationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the consultation is about, in a few sentences. Markdown allowed."),
    )
    goals = forms.CharField(
        label=_("Goals"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("What the secretariat wants to learn, and how input will be used."),
    )
    ground_rules = forms.CharField(
        label=_("Ground rules"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("How participants are expected to take part."),
    )
    code_of_conduct = forms.CharField(
        label=_("Code of conduct"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text=_(
            "What moderators hide or act on. Shown on the consultation page and linked "
            "from the comment and report forms. Markdown allowed."
        ),
    )
    decision_process = forms.CharField(
        label=_("How decisions will be made"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_(
            "Who decides what happens to the input, how, and when the outcome is published. "
            "Shown on the charter page. Markdown allowed."
        ),
    )
    premoderate_first = forms.IntegerField(
        label=_("Pre-moderate each participant's first comments"),
        min_value=0,
        max_value=100,
        initial=0,
        required=False,
        help_text=_(
            "A participant's comments wait for a moderator's approval until this many of "
            "them were approved. 0 turns pre-moderation off."
        ),
    )


class ConsultationSettingsForm(ConsultationForm):
    """The settings page's form: the consultation's text, and its written integrity
    policies (consult.consultations.policies: blank shows the default)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field, heading, default in POLICIES:
            self.fields[field] = forms.CharField(
                label=heading,
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
                # Asked per form, in the request's language.
                help_text=gettext(
                    "Shown on the consultation's integrity statement and in the report. "
                    "Leave blank to show the default text: %(default)s"
                )
                % {"default": default},
            )


class DraftImportForm(forms.Form):
    source = forms.CharField(
        label=_("Draft in Markdown"),
        widget=forms.Textarea(attrs={"rows": 20, "spellcheck": "true"}),
        help_text=_(
            "Paste the draft. Each paragraph, list or quote becomes a section that "
            "participants can comment on; headings (#, ##) group them."
        ),
    )
    changelog = forms.CharField(
        label=_("What changed (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )


class RoundForm(ZonedForm):
    """Schedule a round; dates are read in the zone chosen in ``tz``
    (stakeholders.accounts.timezone)."""

    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    opens_at = forms.DateTimeField(
        label=_("Opens at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty to open now."),
    )
    closes_at = forms.DateTimeField(
        label=_("Closes at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    background = forms.CharField(
        label=_("Background paper"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text=_("What participants should read before they comment. Markdown allowed."),
    )
    short_window_reason = forms.CharField(
        label=_("Why the window is shorter than the minimum"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_(
            "Needed only when the round is open for fewer days than the site's minimum. "
            "Shown publicly beside the round."
        ),
    )


class RoleGrantForm(forms.Form):
    email = forms.EmailField(label=_("Email of an existing account"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def clean_email(self):
        """The account with this email (the cleaned value is the user)."""
        user = get_user_model().objects.filter(email__iexact=self.cleaned_data["email"]).first()
        if user is None:
            raise forms.ValidationError(_("No account uses this email address."))
        return user
