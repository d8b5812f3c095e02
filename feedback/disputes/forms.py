from django import forms
from django.utils.translation import gettext_lazy

from comments.disputes.services import REASON_MAX_CHARS
from comments.models import Dispute


class DisputeDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            (Dispute.Status.UPHELD, gettext_lazy("Uphold: it was not made by the named person")),
            (Dispute.Status.REJECTED, gettext_lazy("Reject: the mark goes")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": REASON_MAX_CHARS}),
        required=False,  # the service says "say why" beside the field
        help_text=gettext_lazy("Required. Its SHA-256 goes on the public record."),
    )


class DisputeFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("all")), *Dispute.Status.choices],
        required=False,
    )
