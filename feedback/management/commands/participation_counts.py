"""Check the participation counters against a direct count, or rebuild them.

The participation figures (the balance dashboard, the public summary, its CSV and
API, the report and the consultation page's counts) read
``comments.models.ParticipationTally``, which the writers keep in their transaction.
``--check`` compares it with the comments themselves and exits with an error naming
each consultation that differs; ``--rebuild`` recounts them.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from comments.participation.selectors import participation_tally_counted, participation_tally_held
from comments.participation.services import participation_tally_rebuild
from consult.models import Consultation


class Command(BaseCommand):
    help = "Check (--check) or rebuild (--rebuild) the participation counters."

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
                participation_tally_rebuild(consultation=consultation)
                continue
            counted = participation_tally_counted(consultation=consultation)
            held = participation_tally_held(consultation=consultation)
            if counted != held:
                wrong.append(consultation.slug)
                self.stdout.write(
                    _(
                        "%(slug)s: the counters hold %(held)d comments (%(held_public)d public), "
                        "there are %(n)d (%(public)d public)."
                    )
                    % {
                        "slug": consultation.slug,
                        "held": sum(n for n, _public in held.values()),
                        "held_public": sum(public for _n, public in held.values()),
                        "n": sum(n for n, _public in counted.values()),
                        "public": sum(public for _n, public in counted.values()),
                    }
                )
        if wrong:
            raise CommandError(
                _("Counters differ for %(slugs)s: run participation_counts --rebuild.")
                % {"slugs": ", ".join(wrong)}
            )
        self.stdout.write(_("Rebuilt.") if rebuild else _("The counters agree."))
