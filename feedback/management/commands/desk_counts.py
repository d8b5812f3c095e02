"""Check the secretariat's desk counters against a direct count, or rebuild them.

The desk (feedback/desk/) reads "awaiting" and "overdue" off
``comments.models.UndecidedTally`` less the team's rows of ``UndecidedAuthorTally``,
and "drafted" off ``feedback.models.DraftTally``, which the writers keep in their
transaction.  ``--check`` compares the three with the comments and drafts themselves
and exits with an error naming each consultation that differs; ``--rebuild``
recounts them.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

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


class Command(BaseCommand):
    help = (
        "Check (--check) or rebuild (--rebuild) the desk's counters (undecided comments, drafts)."
    )

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--check", action="store_true", help="Compare, change nothing.")
        action.add_argument("--rebuild", action="store_true", help="Recount from the comments.")
        parser.add_argument("slugs", nargs="*", help="Consultations (default: all).")

    def handle(self, *args, slugs: list[str], check: bool, rebuild: bool, **options):
        consultations = Consultation.objects.order_by("pk")
        if slugs:
            consultations = consultations.filter(slug__in=slugs)
            missing = set(slugs) - set(consultations.values_list("slug", flat=True))
            if missing:
                raise CommandError(
                    _("No consultation with the short name %(slugs)s.")
                    % {"slugs": ", ".join(sorted(missing))}
                )
        wrong = []
        for consultation in consultations:
            if rebuild:
                undecided_tally_rebuild(consultation=consultation)
                draft_tally_rebuild(consultation=consultation)
                continue
            counted = undecided_tally_counted(consultation=consultation)
            held = undecided_tally_held(consultation=consultation)
            if counted != held:
                wrong.append(consultation.slug)
                self.stdout.write(
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
                wrong.append(consultation.slug)
                self.stdout.write(
                    _(
                        "%(slug)s: the per-author counters differ for %(n)d people"
                        " (by author and day)."
                    )
                    % {
                        "slug": consultation.slug,
                        "n": len(
                            {
                                key[0]
                                for key in by_author.keys() | by_author_held.keys()
                                if by_author.get(key) != by_author_held.get(key)
                            }
                        ),
                    }
                )
            drafts, drafts_held = (
                draft_count_counted(consultation=consultation),
                draft_count(consultation=consultation),
            )
            if drafts != drafts_held:
                wrong.append(consultation.slug)
                self.stdout.write(
                    _("%(slug)s: the counters hold %(held)d drafts, there are %(n)d.")
                    % {"slug": consultation.slug, "held": drafts_held, "n": drafts}
                )
        if wrong:
            raise CommandError(
                _("Counters differ for %(slugs)s: run desk_counts --rebuild.")
                % {"slugs": ", ".join(dict.fromkeys(wrong))}
            )
        self.stdout.write(_("Rebuilt.") if rebuild else _("The counters agree."))
