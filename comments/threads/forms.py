from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from comments.amendments.quote import QUOTE_MAX_CHARS, REPLACEMENT_MAX_CHARS
from comments.attachments.forms import AttachmentsField
from comments.models import Comment
from comments.threads.publication import Publication, publication_resolve
from comments.threads.receipts import normalise
from consult.translations.languages import active_language, comment_language_choices
from plenary.honeypot import HoneypotForm
from stakeholders.models import Organisation


def comment_from_receipt(receipt: str, missing_message: str) -> Comment | None:
    """Resolve a typed receipt number to its comment; blank gives None."""
    if not receipt or not receipt.strip():
        return None
    comment = Comment.objects.filter(receipt=normalise(receipt)).first()
    if comment is None:
        raise forms.ValidationError(missing_message)
    return comment


class CommentForm(HoneypotForm):
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
    # Consent to publish (comments.threads.publication): named, anonymous or private.
    publication = forms.ChoiceField(
        label=_("Publication"),
        choices=Publication.choices,
        initial=Publication.NAMED,
        required=False,
        widget=forms.RadioSelect,
    )
    # What a reply's form sends (always public); the comment form leaves it blank.
    visibility = forms.ChoiceField(
        choices=[("", ""), *Comment.Visibility.choices], required=False, widget=forms.HiddenInput
    )
    # Position papers and images (comments/attachments/services.py checks them).
    attachments = AttachmentsField()
    # Shown only before a participant's first comment in a consultation with a
    # code of conduct (consult/charter/services.py); removed from the form otherwise.
    accept_code_of_conduct = forms.BooleanField(
        label=_("I have read and accept the code of conduct"), required=False
    )
    # The language the comment is written in; defaults to the interface's
    # (consult/translations/languages.py).
    language = forms.ChoiceField(label=_("Language of this comment"), required=False)

    def __init__(self, *args, organisations=(), charter_needed=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = comment_language_choices()
        self.fields["language"].initial = active_language()
        if not charter_needed:
            del self.fields["accept_code_of_conduct"]
        self.fields["body"].widget.attrs["maxlength"] = settings.PLENARY_COMMENT_MAX_CHARS
        choices = [("", _("Myself"))] + [(org.pk, org.name) for org in organisations]
        self.fields["on_behalf_of"].choices = choices
        if len(choices) == 1:
            self.fields["on_behalf_of"].widget = forms.HiddenInput()

    def clean(self) -> dict:
        """``publication`` (and a reply's ``visibility``) as the service's ``visibility``
        and ``anonymous``."""
        data = super().clean()
        try:
            data["visibility"], data["anonymous"] = publication_resolve(
                publication=data.pop("publication", None) or None,
                visibility=data.get("visibility") or None,
            )
        except ValidationError as refusal:
            self.add_error("publication", refusal.message_dict["publication"])
        return data

    def clean_parent(self) -> Comment | None:
        """The comment replied to (the cleaned value is the comment, or None)."""
        return comment_from_receipt(
            self.cleaned_data["parent"], _("The comment you reply to was not found.")
        )

    def clean_on_behalf_of(self) -> Organisation | None:
        """The organisation (whether the author may speak for it is the service's rule)."""
        pk = self.cleaned_data["on_behalf_of"]
        return Organisation.objects.filter(pk=pk).first() if pk else None


class ReceiptLookupForm(forms.Form):
    receipt = forms.CharField(label=_("Receipt number"), max_length=40)


class CommentEditForm(forms.Form):
    """The new text of one's own comment (the service owns the rules)."""

    body = forms.CharField(
        label=_("Your comment"),
        widget=forms.Textarea(attrs={"rows": 8}),
        strip=False,  # store exactly what the participant wrote
        required=False,  # the service says "write your comment" more clearly
        help_text=_(
            "Markdown is allowed: *emphasis*, **strong**, lists, links. "
            "Every earlier version stays readable on the comment's history page."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].widget.attrs["maxlength"] = settings.PLENARY_COMMENT_MAX_CHARS


# --- issue 24, part 24a: "Propose new wording" --------------------------------------


class AmendmentForm(CommentForm):
    """A comment that proposes new wording: the passage to replace (pasted, or filled
    by static/js/amend.js from a selection), the wording proposed, and why.  A
    top-level comment on the paragraph: no parent.  The rules are the service's
    (``comments.amendments.services.amendment_check``).

    The passage's field is named ``amendment``, as the service names the whole
    proposed change in its refusals: they show beside "Text to replace".
    """

    amendment = forms.CharField(
        label=_("Text to replace"),
        widget=forms.Textarea(attrs={"rows": 3}),
        strip=False,  # kept as sent; whitespace is folded when it is compared
        required=False,  # the service says what is missing
        help_text=_(
            "Paste the passage exactly as it reads in the paragraph above; it must occur "
            "only once there."
        ),
    )
    replacement = forms.CharField(
        label=_("Proposed wording"),
        widget=forms.Textarea(attrs={"rows": 3}),
        strip=False,
        required=False,  # empty: delete the passage
        help_text=_(
            "The words you propose instead. Leave it empty to propose deleting the passage."
        ),
    )
    field_order = ["amendment", "replacement", "body"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["parent"]
        self.fields["body"].label = _("Why")
        self.fields["body"].help_text = _(
            "Why the change is needed. Markdown is allowed: *emphasis*, **strong**, lists, links."
        )
        self.fields["amendment"].widget.attrs["maxlength"] = QUOTE_MAX_CHARS
        self.fields["replacement"].widget.attrs["maxlength"] = REPLACEMENT_MAX_CHARS


def amendment_of_form(data: dict) -> dict:
    """The service's ``amendment`` argument, taken out of a valid form's data."""
    return {"quote": data.pop("amendment"), "replacement": data.pop("replacement")}


class AmendmentEditForm(CommentEditForm):
    """An amendment's edit: its passage and wording with the reason."""

    amendment = AmendmentForm.base_fields["amendment"]
    replacement = AmendmentForm.base_fields["replacement"]
    field_order = ["amendment", "replacement", "body"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].label = _("Why")
