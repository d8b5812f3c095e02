"""The compose page's form: one button, and an optional changelog."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ComposeForm(forms.Form):
    changelog = forms.CharField(
        label=_("What changed (optional)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5000,
        help_text=_("Left empty, it says which version was composed with how many amendments."),
    )
