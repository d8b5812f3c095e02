from django import forms
from django.utils.translation import gettext_lazy as _

from comments.models import Redaction


class RedactionForm(forms.Form):
    """The passage to redact and why (the service owns the rules)."""

    passage = forms.CharField(
        label=_("Passage to redact"),
        widget=forms.Textarea(attrs={"rows": 3}),
        strip=False,  # matched exactly against the comment's text
        required=False,  # the service says "give the passage" more clearly
        help_text=_(
            "Copy the passage exactly as it appears in the text above; it must occur once."
        ),
    )
    reason = forms.ChoiceField(
        label=_("Reason"), choices=Redaction.Reason.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note for the author"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_(
            "Shown to the author and the team beside the redacted passage, never to the public."
        ),
    )
