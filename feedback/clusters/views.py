"""The campaign cluster pages: the list (and "Recluster now"), and a cluster's page
(its members, the split form, the "answer this cluster once" form).

Thin: each POST is one call to ``feedback.clusters.services``.  Analysts see the
pages; only the secretariat gets the forms (the services refuse anyone else).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from comments.models import Comment
from comments.signatures.selectors import signature_counts, signature_counts_set
from consult.access import consultation_for
from feedback import permissions
from feedback.clusters import selectors as cluster_selectors
from feedback.clusters import services as cluster_services
from feedback.ledger import selectors
from feedback.ledger.forms import SnippetChoiceField
from feedback.models import CampaignCluster, Status
from plenary.forms import NOT_DONE, posted, submit

CLUSTERS_PER_PAGE = 50
MEMBERS_PER_PAGE = 100


class ReclusterForm(forms.Form):
    """No fields: the button is the whole form (CSRF-protected, POST only)."""


class SplitForm(forms.Form):
    SPLIT = "split"
    NEW_CLUSTER, SINGLETONS = "cluster", "singletons"

    comments = forms.MultipleChoiceField(
        label=gettext_lazy("Members to move out"), widget=forms.CheckboxSelectMultiple
    )
    into = forms.ChoiceField(
        label=gettext_lazy("Move them"),
        choices=[
            (NEW_CLUSTER, gettext_lazy("into a new cluster of their own")),
            (SINGLETONS, gettext_lazy("out of any cluster (each stands alone)")),
        ],
        initial=NEW_CLUSTER,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, members, **kwargs):
        kwargs.setdefault("auto_id", "split_%s")
        super().__init__(*args, **kwargs)
        self.fields["comments"].choices = [
            (str(member.comment_id), member.comment.receipt) for member in members
        ]

    def clean_comments(self) -> list[Comment]:
        return list(Comment.objects.filter(pk__in=self.cleaned_data["comments"]))


class SignaturesForm(forms.Form):
    """No fields: "Turn the copies into co-signatures" is the whole form."""

    ACTION = "signatures"


class ClusterAnswerForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Decision for every member"),
        choices=Status.choices,
        widget=forms.RadioSelect,
    )
    rationale = forms.CharField(
        label=gettext_lazy("Rationale"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        strip=False,
        help_text=gettext_lazy(
            "Required unless the decision is accepted or noted. Every member's author reads it."
        ),
    )
    snippet = SnippetChoiceField()

    def __init__(self, *args, snippets=None, **kwargs):
        kwargs.setdefault("auto_id", "answer_%s")
        super().__init__(*args, **kwargs)
        if snippets is not None and snippets.exists():
            self.fields["snippet"].queryset = snippets
        else:
            del self.fields["snippet"]


@login_required
def clusters(request, slug: str):
    """The consultation's campaign clusters, largest first."""
    consultation = consultation_for(request, slug, require=permissions.require_can_view_clusters)
    # The form has no fields, so an empty POST is still a submission.
    form = ReclusterForm(posted(request))
    done = submit(
        request,
        form,
        lambda _data: cluster_services.clusters_recluster_request(
            actor=request.user, consultation=consultation
        ),
    )
    if done is not NOT_DONE:
        messages.success(
            request, _("Reclustering has started; reload this page in a minute to see it.")
        )
        return redirect("staff_clusters", slug=consultation.slug)
    page = Paginator(
        cluster_selectors.clusters_of(consultation=consultation), CLUSTERS_PER_PAGE
    ).get_page(request.GET.get("page"))
    # "1 submission, N co-signatories" beside each representative: one query.
    signature_counts_set(cluster.representative for cluster in page.object_list)
    return render(
        request,
        "feedback/clusters.html",
        {
            "consultation": consultation,
            "page": page,
            "counts": cluster_selectors.submission_counts(consultation=consultation, public=False),
            "can_decide": permissions.can_decide(request.user, consultation),
            "form": form,
        },
    )


@login_required
def cluster_detail(request, slug: str, pk: int):
    """A cluster's members; for the secretariat, the split and answer-once forms."""
    consultation = consultation_for(request, slug, require=permissions.require_can_view_clusters)
    cluster = get_object_or_404(
        CampaignCluster.objects.select_related("representative", "split_from"),
        pk=pk,
        consultation=consultation,
    )
    cluster.consultation = consultation
    page = Paginator(cluster_selectors.cluster_members(cluster=cluster), MEMBERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    action = request.POST.get("action")
    split = SplitForm(request.POST if action == SplitForm.SPLIT else None, members=page.object_list)
    answer = ClusterAnswerForm(
        request.POST if action in ("draft", "publish") else None,
        snippets=selectors.snippets_of(consultation=consultation),
    )
    made = submit(
        request,
        split,
        lambda data: cluster_services.cluster_split(
            actor=request.user,
            cluster=cluster,
            comments=data["comments"],
            singletons=data["into"] == SplitForm.SINGLETONS,
        ),
    )
    if made is not NOT_DONE:
        messages.success(
            request,
            ngettext(
                "%(n)d member moved out. This cluster and the new one are locked.",
                "%(n)d members moved out. This cluster and the new ones are locked.",
                sum(new.size for new in made),
            )
            % {"n": sum(new.size for new in made)},
        )
        return redirect("staff_cluster", slug=consultation.slug, pk=cluster.pk)
    signatures_form = SignaturesForm(request.POST if action == SignaturesForm.ACTION else None)
    converted = submit(
        request,
        signatures_form,
        lambda _data: cluster_services.cluster_to_signatures(actor=request.user, cluster=cluster),
    )
    if converted is not NOT_DONE:
        messages.success(
            request,
            ngettext(
                "%(n)d copy now counts as a co-signature of %(r)s; its author is told.",
                "%(n)d copies now count as co-signatures of %(r)s; their authors are told.",
                len(converted.converted),
            )
            % {"n": len(converted.converted), "r": cluster.representative.receipt},
        )
        for receipt, why in converted.skipped:
            messages.warning(
                request,
                _("Not turned for %(receipt)s: %(why)s") % {"receipt": receipt, "why": why},
            )
        return redirect("staff_cluster", slug=consultation.slug, pk=cluster.pk)
    for error in signatures_form.non_field_errors():
        messages.error(request, error)
    result = submit(
        request,
        answer,
        lambda data: cluster_services.cluster_answer(
            actor=request.user, cluster=cluster, publish=action == "publish", **data
        ),
    )
    if result is not NOT_DONE:
        recorded = len(result.drafts)
        if result.batch is not None:
            message = ngettext(
                "Decision published for %(n)d member; each commenter gets one mail.",
                "Decision published for %(n)d members; each commenter gets one mail.",
                recorded,
            )
        else:
            message = ngettext(
                "Draft decision saved for %(n)d member. It is not public yet.",
                "Draft decisions saved for %(n)d members. They are not public yet.",
                recorded,
            )
        messages.success(request, message % {"n": recorded})
        for receipt, why in result.refused:
            messages.warning(
                request,
                _("Not recorded for %(receipt)s: %(why)s") % {"receipt": receipt, "why": why},
            )
        return redirect("staff_cluster", slug=consultation.slug, pk=cluster.pk)
    return render(
        request,
        "feedback/clusters_detail.html",
        {
            "consultation": consultation,
            "cluster": cluster,
            "page": page,
            "split": split,
            "answer": answer,
            "answers": cluster_selectors.cluster_answers(cluster=cluster),
            "can_decide": permissions.can_decide(request.user, consultation),
            "status_labels": dict(Status.choices),
            "signatures": signature_counts(comments=[cluster.representative_id]).get(
                cluster.representative_id
            ),
        },
    )
