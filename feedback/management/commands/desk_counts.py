"""Check the secretariat's desk counters against a direct count, or rebuild them.

The desk (feedback/desk/) reads "awaiting" and "overdue" off
``comments.models.UndecidedTally`` less the team's rows of ``UndecidedAuthorTally``,
and "drafted" off ``feedback.models.DraftTally``, which the writers keep in their
transaction.  ``--check`` compares the three with the comments and drafts themselves
and exits with an error naming each consultation that differs; ``--rebuild``
recounts them.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comments.threads.selectors import (
    undecided_author_tally_counted,
    undecided_author_tally_held,
    undecided_tally_counted,
    undecided_tally_held,
)
from comments.threads.services import undecided_tally_rebuild
from consult.models import Consultation
from feedback.ledger.selectors import draft_count, draft_count_counted
from feedback.ledger.services import draft_tally_rebuild
from feedback.management.counters import CountersCommand


class Command(CountersCommand):
    help = (
        "Check (--check) or rebuild (--rebuild) the desk's counters (undecided comments, drafts)."
    )
    differ = gettext_lazy("Counters differ for %(slugs)s: run desk_counts --rebuild.")

    def rebuild(self, consultation: Consultation) -> None:
        undecided_tally_rebuild(consultation=consultation)
        draft_tally_rebuild(consultation=consultation)

    def differences(self, consultation: Consultation) -> list[str]:
        lines = []
        counted = undecided_tally_counted(consultation=consultation)
        held = undecided_tally_held(consultation=consultation)
        if counted != held:
            lines.append(
                _("%(slug)s: the counters hold %(held)d undecided comments, there are %(n)d.")
                % {
                    "slug": consultation.slug,
                    "held": sum(held.values()),
                    "n": sum(counted.values()),
                }
            )
        by_author = undecided_author_tally_counted(consultation=consultation)
        by_author_held = undecided_author_tally_held(consultation=consultation)
        if by_author != by_author_held:
            people = {
                key[0]
                for key in by_author.keys() | by_author_held.keys()
                if by_author.get(key) != by_author_held.get(key)
            }
            lines.append(
                _("%(slug)s: the per-author counters differ for %(n)d people (by author and day).")
                % {"slug": consultation.slug, "n": len(people)}
            )
        drafts = draft_count_counted(consultation=consultation)
        drafts_held = draft_count(consultation=consultation)
        if drafts != drafts_held:
            lines.append(
                _("%(slug)s: the counters hold %(held)d drafts, there are %(n)d.")
                % {"slug": consultation.slug, "held": drafts_held, "n": drafts}
            )
        return lines
