"""The triage list's filters: a GET form that works without JavaScript.

``theme`` filters by a theme of the consultation (feedback/themes/services.py), or
"none" for comments no theme covers yet.
"""

import django_filters
from django.db.models import Exists, OuterRef, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from comments.models import Comment
from comments.search import selectors as search
from consult.consultations import selectors as consult_selectors
from consult.models import Consultation
from feedback.models import DispositionEntry, Status, Theme
from stakeholders.models import StakeholderGroup

AWAITING, DRAFTED, ALL = "awaiting", "drafted", "all"
NO_THEME = "none"


def status_choices() -> list[tuple[str, str]]:
    return [
        (AWAITING, _("Awaiting a published decision")),
        (DRAFTED, _("Drafted, not published")),
        *[
            (value, _("Published: %(status)s") % {"status": label})
            for value, label in Status.choices
        ],
        (ALL, _("All")),
    ]


class TriageFilter(django_filters.FilterSet):
    """Round (number), section (key), the commenter's stakeholder group and status;
    ``q``, words in the text or its attached files (comments/search/selectors.py).

    ``status`` defaults to "awaiting"; the older ``?show=`` tab parameter is
    still understood.  A value that is not a choice is reported beside its
    field and that filter is left out, so the list still shows.
    """

    round = django_filters.ChoiceFilter(
        label=_("Round"), field_name="round__number", empty_label=_("All rounds")
    )
    section = django_filters.ChoiceFilter(
        label=_("Section"), field_name="section__key", empty_label=_("All sections")
    )
    group = django_filters.ModelChoiceFilter(
        label=_("Stakeholder group"),
        field_name="author__participant__group",
        to_field_name="slug",
        queryset=StakeholderGroup.objects.order_by("ordinal", "name"),
        empty_label=_("All groups"),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), method="filter_status", empty_label=None, choices=status_choices
    )
    theme = django_filters.ChoiceFilter(
        label=_("Theme"), method="filter_theme", empty_label=_("Any theme or none")
    )
    # Full-text search (comments/search/selectors.py) over the text and the attached files' text.
    q = django_filters.CharFilter(
        label=_("Words in the comment or its files"), method="filter_q", max_length=200
    )

    class Meta:
        model = Comment
        fields: list[str] = []

    def __init__(self, data=None, *args, consultation: Consultation, **kwargs):
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if not data.get("status"):
            data["status"] = data.get("show") or AWAITING
        super().__init__(data, *args, **kwargs)
        self.consultation = consultation
        self.filters["round"].extra["choices"] = [
            (str(number), _("Round %(n)d") % {"n": number} + (f": {title}" if title else ""))
            for number, title in consultation.rounds.order_by("number").values_list(
                "number", "title"
            )
        ]
        version = consult_selectors.version_current(consultation=consultation)
        sections = consult_selectors.sections_of(version=version) if version else []
        self.filters["section"].extra["choices"] = [
            (
                section.key,
                f"§{section.ordinal} {section.heading}".strip()
                if section.heading
                else f"§{section.ordinal}",
            )
            for section in sections
        ]
        self.filters["theme"].extra["choices"] = [
            (NO_THEME, _("No theme yet")),
            *(
                (str(pk), name)
                for pk, name in Theme.objects.filter(consultation=consultation)
                .order_by("name", "pk")
                .values_list("pk", "name")
            ),
        ]

    @property
    def chosen_status(self) -> str:
        """The status shown (the default when the submitted one was not a choice)."""
        self.form.is_valid()
        return self.form.cleaned_data.get("status") or AWAITING

    def filter_status(self, queryset: QuerySet[Comment], name: str, value: str):
        if value == AWAITING:
            # No ledger entry at all: an anti-join, not the latest status per row.
            return queryset.filter(~Exists(DispositionEntry.objects.filter(comment=OuterRef("pk"))))
        if value == DRAFTED:
            return queryset.filter(draft__isnull=False)
        if value in Status.values:
            return queryset.filter(disposition_status=value)
        return queryset

    def filter_theme(self, queryset: QuerySet[Comment], name: str, value: str):
        if value == NO_THEME:
            return queryset.filter(theme_tags__isnull=True)
        # One tag per (theme, comment): the join repeats no row.
        return queryset.filter(theme_tags__theme_id=int(value))

    def filter_q(self, queryset: QuerySet[Comment], name: str, value: str):
        return search.matching(queryset, value) if value.strip() else queryset

    def filter_queryset(self, queryset):
        # An invalid status must not fall back to "everything": show the awaiting ones.
        if "status" in self.form.errors:
            queryset = queryset.filter(disposition_status__isnull=True)
        return super().filter_queryset(queryset)
