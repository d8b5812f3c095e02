"""Check a consultation's disposition ledger against its hash chain."""

from collections.abc import Iterator

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from consult.models import Consultation
from feedback.ledger import chain, selectors
from feedback.models import DispositionEntry


class _Walk:
    """Counts the entries streamed through it and remembers the last hash seen."""

    def __init__(self, entries: Iterator[DispositionEntry], *, expected_head: str | None):
        self.entries = entries
        self.count = 0
        self.head = chain.GENESIS
        self.expected_head = expected_head
        self.expected_head_seen = False

    def __iter__(self) -> Iterator[DispositionEntry]:
        for entry in self.entries:
            self.count += 1
            self.head = entry.entry_hash
            if entry.entry_hash == self.expected_head:
                self.expected_head_seen = True
            yield entry


class Command(BaseCommand):
    help = (
        "Recompute the hash chain of a consultation's disposition ledger and name every "
        "entry that was rewritten, removed or inserted behind the application's back."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", nargs="?", help=_("the consultation's slug"))
        parser.add_argument(
            "--all", dest="every", action="store_true", help=_("verify every consultation")
        )
        parser.add_argument(
            "--head",
            metavar="HASH",
            help=_(
                "a head noted earlier (from ledger.json or the ledger page): fail unless the "
                "chain still contains it, which also catches entries removed from the end"
            ),
        )

    def handle(self, *args, slug: str | None, every: bool, head: str | None, **options):
        if every == bool(slug):
            raise CommandError(_("Give one consultation slug, or --all."))
        if head and every:
            raise CommandError(_("--head checks one consultation: give its slug, not --all."))
        if every:
            consultations = list(Consultation.objects.order_by("slug"))
        else:
            consultations = list(Consultation.objects.filter(slug=slug))
            if not consultations:
                raise CommandError(_("No consultation has the slug “%(slug)s”.") % {"slug": slug})
        failed = [c.slug for c in consultations if not self.verify(c, head=head, prefix=every)]
        if failed:
            raise CommandError(
                _("The ledger of %(slugs)s does not verify.") % {"slugs": ", ".join(failed)}
            )

    def verify(self, consultation: Consultation, *, head: str | None, prefix: bool) -> bool:
        walk = _Walk(
            selectors.ledger_chain(consultation=consultation).iterator(chunk_size=2000),
            expected_head=head,
        )
        problems = [str(problem) for problem in chain.verify(walk)]
        if head and not walk.expected_head_seen:
            problems.append(
                _("head %(head)s is no longer in the chain (entries removed or rewritten)")
                % {"head": head}
            )
        label = f"{consultation.slug}: " if prefix else ""
        for problem in problems:
            self.stderr.write(label + problem)
        if problems:
            return False
        self.stdout.write(
            label
            + _("OK: %(count)d entries, head %(head)s") % {"count": walk.count, "head": walk.head}
        )
        return True
