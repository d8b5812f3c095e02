from django import forms
from django.utils.translation import gettext_lazy as _

from comments.forms import comment_from_receipt

from .models import Status


class DispositionForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Decision"), choices=Status.choices, widget=forms.RadioSelect
    )
    rationale = forms.CharField(
        label=_("Rationale"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_(
            "Required unless the comment is accepted or noted. The commenter and the public "
            "read it."
        ),
    )
    duplicate_of = forms.CharField(
        label=_("Duplicate of (receipt number)"), required=False, max_length=20
    )

    def clean_duplicate_of(self):
        """The duplicated comment (the cleaned value is the comment, or None)."""
        return comment_from_receipt(
            self.cleaned_data["duplicate_of"], _("No comment has this receipt number.")
        )
