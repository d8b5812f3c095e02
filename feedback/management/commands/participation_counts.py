"""Check the participation counters against a direct count, or rebuild them.

The participation figures (the balance dashboard, the public summary, its CSV and
API, the report and the consultation page's counts) read
``comments.models.ParticipationTally``, which the writers keep in their transaction.
``--check`` compares it with the comments themselves and exits with an error naming
each consultation that differs; ``--rebuild`` recounts them.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comments.participation.selectors import participation_tally_counted, participation_tally_held
from comments.participation.services import participation_tally_rebuild
from consult.models import Consultation
from feedback.management.counters import CountersCommand


class Command(CountersCommand):
    help = "Check (--check) or rebuild (--rebuild) the participation counters."
    differ = gettext_lazy("Counters differ for %(slugs)s: run participation_counts --rebuild.")

    def rebuild(self, consultation: Consultation) -> None:
        participation_tally_rebuild(consultation=consultation)

    def differences(self, consultation: Consultation) -> list[str]:
        counted = participation_tally_counted(consultation=consultation)
        held = participation_tally_held(consultation=consultation)
        if counted == held:
            return []
        return [
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
        ]
