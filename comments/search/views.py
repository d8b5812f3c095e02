"""The public search page of a consultation: /c/<slug>/search/?q=..."""

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from comments.attachments.selectors import attachment_lists_set
from comments.search.selectors import QUERY_MAX_CHARS, comment_search
from consult.access import consultation_for
from plenary.forms import add_service_errors


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search the comments"),
        required=False,  # the service says "type a word" more clearly
        strip=False,
        help_text=_(
            'Every word must appear; "quotes" for a phrase, -word to leave a word out. '
            "The text of attached files is searched too."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(
            {"maxlength": QUERY_MAX_CHARS, "type": "search", "autocomplete": "off"}
        )


def _page_number(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 500))
    except ValueError:
        return 1


def consultation_search(request, slug: str):
    """Search the comments (and their attachments' text) the viewer may read."""
    consultation = consultation_for(request, slug)
    form = SearchForm(request.GET if "q" in request.GET else None)
    results, status = None, 200
    if form.is_bound and form.is_valid():
        try:
            results = comment_search(
                consultation=consultation,
                query=form.cleaned_data["q"],
                viewer=request.user,
                page=_page_number(request),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            status = 400
        else:
            attachment_lists_set([hit.comment for hit in results.hits])
    return render(
        request,
        "comments/search.html",
        {"consultation": consultation, "form": form, "results": results},
        status=status,
    )
