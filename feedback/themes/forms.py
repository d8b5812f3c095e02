"""Forms of the theme pages (feedback/themes/views.py).  Validation of substance
(unique names, which comments) lives in feedback/themes/services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from comments.models import Comment
from consult.models import Consultation
from feedback import permissions
from feedback.ledger.forms import ReceiptListField
from feedback.models import Theme
from feedback.themes import selectors
from feedback.themes import services as themes
from plenary.forms import NOT_DONE, submit


class ThemeForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=Theme._meta.get_field("name").max_length,
        help_text=_("Short and plain, e.g. “Encryption” or “Data retention”."),
    )
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Optional: what belongs under this theme, for whoever tags comments."),
    )


class ThemeDeleteForm(forms.Form):
    untag = forms.BooleanField(
        label=_("Yes, remove this theme from its comments too"),
        required=False,
        help_text=_("The comments, their decisions and the ledger do not change."),
    )


class ThemeChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("empty_label", _("— choose —"))
        super().__init__(queryset=Theme.objects.none(), **kwargs)


class TriageTagForm(forms.Form):
    """The triage list's "tag / untag the selected comments" part.  The button pressed
    is ``theme_action``; the ticked rows are the same ``comments`` checkboxes as the
    bulk decision form's."""

    TAG, UNTAG = "tag", "untag"

    theme_action = forms.ChoiceField(choices=[(TAG, TAG), (UNTAG, UNTAG)], widget=forms.HiddenInput)
    comments = ReceiptListField(required=False)
    theme = ThemeChoiceField(label=_("Theme"))

    def __init__(self, *args, themes, **kwargs):
        # Its own ids: the page's filter and bulk forms have fields of their own.
        kwargs.setdefault("auto_id", "tag_%s")
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = themes

    def clean(self):
        data = super().clean()
        if not data.get("comments") and "comments" not in self.errors:
            self.add_error("comments", _("Select at least one comment in the list."))
        return data


class UntagForm(forms.Form):
    """The theme page's "remove the selected comments from this theme"."""

    comments = ReceiptListField(required=False)

    def clean_comments(self):
        comments = self.cleaned_data["comments"]
        if not comments:
            raise forms.ValidationError(_("Select at least one comment in the list."))
        return comments


class CommentThemesForm(forms.Form):
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes of this comment"),
        queryset=Theme.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, themes, **kwargs):
        kwargs.setdefault("auto_id", "themes_%s")
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = themes


class SuggestionDecisionForm(forms.Form):
    """Accept a suggestion (a new theme, or merged into one) with the comments kept
    ticked, or reject it.  The button pressed is ``decision``."""

    ACCEPT, REJECT = "accept", "reject"

    decision = forms.ChoiceField(
        choices=[(ACCEPT, ACCEPT), (REJECT, REJECT)], widget=forms.HiddenInput
    )
    comments = forms.ModelMultipleChoiceField(
        label=_("Comments to tag"),
        queryset=Comment.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Untick a comment that does not belong; it stays untagged."),
    )
    theme = ThemeChoiceField(
        label=_("Add to an existing theme"),
        required=False,
        help_text=_("Leave empty to create a new theme with the name below."),
    )
    name = forms.CharField(
        label=_("Name of the new theme"),
        max_length=Theme._meta.get_field("name").max_length,
        required=False,
        help_text=_("Defaults to the suggested label."),
    )
    description = forms.CharField(
        label=_("Description of the new theme"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def __init__(self, *args, comments, themes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comments"].queryset = comments
        self.fields["comments"].label_from_instance = _comment_choice_label
        self.fields["theme"].queryset = themes
        if not themes.exists():
            del self.fields["theme"]

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.ACCEPT and not data.get("comments"):
            if "comments" not in self.errors:
                self.add_error("comments", _("Keep at least one comment ticked, or reject."))
        return data


def _comment_choice_label(comment) -> str:
    body = " ".join(comment.body.split())
    return f"{comment.receipt} — {body[:160]}{'…' if len(body) > 160 else ''}"


def triage_tagging(request, consultation: Consultation):
    """The triage page's "tag / untag the selected comments" form.

    Returns ``(form, outcome)``: the form is None for whoever may not manage
    themes; the outcome is the message to show after a successful POST, else
    ``NOT_DONE`` (errors are then on the form, beside their fields).
    """
    if not permissions.can_manage_themes(request.user, consultation):
        return None, NOT_DONE
    bound = request.method == "POST" and "theme_action" in request.POST
    form = TriageTagForm(
        request.POST if bound else None, themes=selectors.themes_of(consultation=consultation)
    )

    def tag(data):
        theme, comments = data["theme"], data["comments"]
        if data["theme_action"] == TriageTagForm.UNTAG:
            n = themes.theme_untag(actor=request.user, theme=theme, comments=comments)
            return ngettext(
                "%(n)d comment removed from “%(theme)s”.",
                "%(n)d comments removed from “%(theme)s”.",
                n,
            ) % {"n": n, "theme": theme.name}
        n = themes.theme_tag(actor=request.user, theme=theme, comments=comments)
        message = ngettext(
            "%(n)d comment tagged “%(theme)s”.", "%(n)d comments tagged “%(theme)s”.", n
        ) % {"n": n, "theme": theme.name}
        if len(comments) > n:
            message += " " + ngettext(
                "%(n)d already carried it.", "%(n)d already carried it.", len(comments) - n
            ) % {"n": len(comments) - n}
        return message

    return form, submit(request, form, tag) if bound else NOT_DONE
