"""Forms of the round pages (consult/rounds/views.py); the services own the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from consult.consultations.forms import RoundForm
from stakeholders.accounts.timezone import ZonedForm


class RoundEditForm(RoundForm):
    """Edit a scheduled round before it opens: the opening date is needed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opens_at"].required = True
        self.fields["opens_at"].help_text = ""


class RoundExtendForm(ZonedForm):
    new_closes_at = forms.DateTimeField(
        label=_("New closing date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(
        label=_("Reason for the extension"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,  # the service says why it is needed
        help_text=_("Announced on the consultation page and mailed to its followers."),
    )


class CharterAcceptForm(forms.Form):
    accept_code_of_conduct = forms.BooleanField(
        label=_("I accept the code of conduct"), required=False
    )
