"""What ``desk_counts`` and ``participation_counts`` share: the consultations named
(all by default; an unknown short name is an error), ``--check`` or ``--rebuild``,
and one error naming every consultation whose counters differ from a direct count."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from consult.models import Consultation


class CountersCommand(BaseCommand):
    """A subclass says how to rebuild one consultation's counters, what differs in
    them (one line each), and the closing error (``differ``, with ``%(slugs)s``)."""

    differ: str

    def rebuild(self, consultation: Consultation) -> None:
        raise NotImplementedError

    def differences(self, consultation: Consultation) -> list[str]:
        raise NotImplementedError

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
                self.rebuild(consultation)
                continue
            lines = self.differences(consultation)
            for line in lines:
                self.stdout.write(line)
            if lines:
                wrong.append(consultation.slug)
        if wrong:
            raise CommandError(str(self.differ) % {"slugs": ", ".join(wrong)})
        self.stdout.write(_("Rebuilt.") if rebuild else _("The counters agree."))
