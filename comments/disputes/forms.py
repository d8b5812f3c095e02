from django import forms
from django.utils.translation import gettext_lazy

from comments.disputes import services


class DisputeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why do you say it was not you?"),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": services.REASON_MAX_CHARS}),
        required=False,  # the service says "say why" beside the field
        help_text=gettext_lazy(
            "Required. Only the consultation's secretariat reads it; the public record "
            "never shows it or your name."
        ),
    )


class DisputeAnswerForm(forms.Form):
    """The named person's answer: which of the page's two buttons was pressed."""

    answer = forms.ChoiceField(
        choices=[
            (services.NOT_MINE, gettext_lazy("Yes, I did not submit this")),
            (services.MINE, gettext_lazy("I did submit it")),
        ]
    )
