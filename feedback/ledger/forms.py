from django import forms
from django.utils.translation import gettext_lazy as _

from comments.models import Comment
from comments.threads.forms import comment_from_receipt
from comments.threads.receipts import normalise
from consult.models import Section
from feedback.models import APPEAL_REASON_MAX_CHARS, Appeal, RationaleSnippet, Status

SNIPPET_HELP = _(
    "Used only when the rationale field is left empty; a rationale you type always wins."
)


class SnippetChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Use a saved rationale"))
        kwargs.setdefault("help_text", SNIPPET_HELP)
        super().__init__(
            queryset=RationaleSnippet.objects.none(),
            required=False,
            empty_label=_("— none —"),
            **kwargs,
        )


def _later_section_label(section: Section) -> str:
    label = _("Version %(n)d, §%(ordinal)d") % {
        "n": section.version.number,
        "ordinal": section.ordinal,
    }
    return f"{label} {section.heading} ({section.key})" if section.heading else label


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
    # The two fields below are shown only when there is something to choose
    # (see __init__): saved rationales, and sections of a later version.
    snippet = SnippetChoiceField()
    target_section = forms.ModelChoiceField(
        label=_("Section of a later version this input changed"),
        queryset=Section.objects.none(),
        required=False,
        empty_label=_("— none —"),
        help_text=_("Optional. The commenter can then follow their input into the new text."),
    )
    duplicate_of = forms.CharField(
        label=_("Duplicate of (receipt number)"), required=False, max_length=20
    )
    # Shown only on an amendment (``amendment=`` given): prefilled with its proposal.
    adopted_text = forms.CharField(
        label=_("Wording adopted"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        strip=False,
        help_text=_(
            "For an amendment. “Accepted” adopts the proposed wording as it is; "
            "“partly accepted” needs the wording actually adopted. Ignored for other "
            "decisions."
        ),
    )

    def __init__(self, *args, snippets=None, target_sections=None, amendment=None, **kwargs):
        super().__init__(*args, **kwargs)
        if amendment is None:
            del self.fields["adopted_text"]
        elif not self.initial.get("adopted_text"):
            self.initial["adopted_text"] = amendment.replacement
        if snippets is not None and snippets.exists():
            self.fields["snippet"].queryset = snippets
        else:
            del self.fields["snippet"]
        if target_sections is not None and target_sections.exists():
            self.fields["target_section"].queryset = target_sections
            self.fields["target_section"].label_from_instance = _later_section_label
        else:
            del self.fields["target_section"]

    # The appeal this decision answers (from ?appeal= or the comment's open appeal).
    appeal = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        # The page's box stays filled whatever the decision: only an accepting one
        # adopts wording (the API, which sends what it means, is held to the rule).
        if "adopted_text" in self.fields and data.get("status") not in (
            Status.ACCEPTED,
            Status.PARTLY_ACCEPTED,
        ):
            data["adopted_text"] = ""
        return data

    def clean_duplicate_of(self):
        """The duplicated comment (the cleaned value is the comment, or None)."""
        return comment_from_receipt(
            self.cleaned_data["duplicate_of"], _("No comment has this receipt number.")
        )

    def clean_appeal(self):
        """The appeal answered (the cleaned value is the Appeal, or None)."""
        appeal_id = self.cleaned_data["appeal"]
        if appeal_id is None:
            return None
        appeal = Appeal.objects.filter(pk=appeal_id).first()
        if appeal is None:
            raise forms.ValidationError(_("No appeal has this number."))
        return appeal


class LedgerFilterForm(forms.Form):
    """The public ledger's filters (GET).  Choices come from the view: the
    consultation's section keys and the stakeholder groups."""

    section = forms.ChoiceField(label=_("Paragraph"), required=False)
    group = forms.ChoiceField(label=_("Stakeholder group"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, sections, groups, status_counts: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [
            ("", _("all paragraphs")),
            *(
                (s.key, f"{s.ordinal} · {s.heading}" if s.heading else f"{s.ordinal} · {s.key}")
                for s in sections
            ),
        ]
        self.fields["group"].choices = [
            ("", _("all groups")),
            *((g.slug, g.name) for g in groups),
        ]
        self.fields["status"].choices = [
            (value, f"{label} ({status_counts.get(value or 'total', 0)})")
            for value, label in [
                ("", _("all")),
                ("awaiting", _("awaiting response")),
                *Status.choices,
            ]
        ]

    def chosen(self) -> dict[str, str]:
        """The valid filters, ignoring any invalid one (which shows its error)."""
        self.is_valid()
        return {
            name: self.cleaned_data[name] for name in self.fields if self.cleaned_data.get(name)
        }


class ReceiptListField(forms.Field):
    """Receipt numbers ticked in the triage list (one checkbox per row, drawn by the
    template); cleans to the list of comments, naming any receipt that is unknown."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[str]:
        return [normalise(receipt) for receipt in value or [] if receipt and receipt.strip()]

    def clean(self, value) -> list[Comment]:
        receipts = list(dict.fromkeys(self.to_python(value)))
        comments = {c.receipt: c for c in Comment.objects.filter(receipt__in=receipts)}
        unknown = [receipt for receipt in receipts if receipt not in comments]
        if unknown:
            raise forms.ValidationError(
                _("No comment has this receipt number: %(receipts)s.")
                % {"receipts": ", ".join(unknown)}
            )
        return [comments[receipt] for receipt in receipts]


class BulkDecisionForm(forms.Form):
    """The triage list's bulk form: draft one decision on the ticked comments, publish
    their drafts, or publish every draft.  The button pressed is ``action``."""

    DRAFT, PUBLISH, PUBLISH_ALL = "draft", "publish", "publish_all"

    action = forms.ChoiceField(
        choices=[(DRAFT, DRAFT), (PUBLISH, PUBLISH), (PUBLISH_ALL, PUBLISH_ALL)],
        widget=forms.HiddenInput,
    )
    comments = ReceiptListField(required=False)
    status = forms.ChoiceField(
        label=_("Decision for the selected comments"),
        choices=[("", _("— choose —")), *Status.choices],
        required=False,
    )
    rationale = forms.CharField(
        label=_("Rationale"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_(
            "Required unless the decision is accepted or noted. Each selected commenter reads it."
        ),
    )
    snippet = SnippetChoiceField()
    duplicate_of = forms.CharField(
        label=_("Duplicate of (receipt number)"),
        required=False,
        max_length=20,
        help_text=_("Only for a “duplicate” decision."),
    )

    def __init__(self, *args, snippets=None, **kwargs):
        # Its own ids: the triage page also has the filter form, with a "status" of its own.
        kwargs.setdefault("auto_id", "bulk_%s")
        super().__init__(*args, **kwargs)
        if snippets is not None:
            self.fields["snippet"].queryset = snippets

    def clean_duplicate_of(self):
        return comment_from_receipt(
            self.cleaned_data["duplicate_of"], _("No comment has this receipt number.")
        )

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action in (self.DRAFT, self.PUBLISH) and not data.get("comments"):
            if "comments" not in self.errors:
                self.add_error("comments", _("Select at least one comment in the list."))
        if action == self.DRAFT and not data.get("status"):
            self.add_error("status", _("Choose the decision to draft on the selected comments."))
        return data


class AppealForm(forms.Form):
    # Kept as written (strip=False); the service checks it is not blank.
    reason = forms.CharField(
        label=_("Why should the decision be reconsidered?"),
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": APPEAL_REASON_MAX_CHARS}),
        strip=False,
        required=False,
        help_text=_("The secretariat reads it and must answer with a published reason."),
    )


class SnippetForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=120,
        help_text=_("How you will find it in the list, e.g. “Outside the mandate”."),
    )
    text = forms.CharField(
        label=_("Rationale text"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the commenter will read. Edit it per decision if needed."),
    )
