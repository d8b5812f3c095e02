"""Forms of the co-signature pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from comments.signatures.services import NAME_MAX_CHARS
from plenary.honeypot import HoneypotForm
from stakeholders.registry.selectors import stakeholder_groups


class SignForm(forms.Form):
    """The "Co-sign" / "Withdraw my co-signature" button (the action is the button)."""

    SIGN, WITHDRAW = "sign", "withdraw"
    action = forms.ChoiceField(choices=[(SIGN, SIGN), (WITHDRAW, WITHDRAW)])


class LinkForm(forms.Form):
    """Open a new signature link, or close one (``close``: its id)."""

    close = forms.IntegerField(required=False, widget=forms.HiddenInput)


class SignatoryForm(HoneypotForm):
    """The public form behind an organisation's signature link."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=NAME_MAX_CHARS,
        help_text=_("Only the consultation's team sees it; the public sees the count."),
    )
    email = forms.EmailField(
        label=_("Your email address"),
        help_text=_("We send a link there: your signature counts once you open it."),
    )
    group = forms.ModelChoiceField(
        label=_("Stakeholder group (optional)"),
        queryset=stakeholder_groups(),
        required=False,
        empty_label=_("I prefer not to say"),
    )


class ConfirmForm(forms.Form):
    """No fields: the button confirms (a mail scanner's GET confirms nothing)."""
