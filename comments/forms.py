from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Comment


class CommentForm(forms.Form):
    """Comment or reply.  Only shape is checked here; the service owns the rules."""

    body = forms.CharField(
        label=_("Your comment"),
        widget=forms.Textarea(attrs={"rows": 5}),
        strip=False,  # store exactly what the participant wrote
        required=False,  # the service says "write your comment" more clearly
        help_text=_("Markdown is allowed: *emphasis*, **strong**, lists, links."),
    )
    parent = forms.CharField(required=False, widget=forms.HiddenInput)
    on_behalf_of = forms.TypedChoiceField(
        label=_("Speaking for"), required=False, coerce=int, empty_value=None
    )
    visibility = forms.ChoiceField(
        label=_("Who can read it"),
        choices=Comment.Visibility.choices,
        initial=Comment.Visibility.PUBLIC,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].widget.attrs["maxlength"] = settings.PLENARY_COMMENT_MAX_CHARS
        choices = [("", _("Myself"))] + [(org.pk, org.name) for org in organisations]
        self.fields["on_behalf_of"].choices = choices
        if len(choices) == 1:
            self.fields["on_behalf_of"].widget = forms.HiddenInput()


class ReceiptLookupForm(forms.Form):
    receipt = forms.CharField(label=_("Receipt number"), max_length=40)
