"""Check a consultation's disposition ledger against its hash chain and its anchored head."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consult.models import Consultation
from feedback.ledger import chain, selectors
from feedback.models import DispositionEntry, LedgerHead


class _Walk:
    """Counts the entries streamed through it, remembers the last hash seen, and
    where the chain holds a head noted by hand (``--head``) and the anchored one."""

    def __init__(
        self,
        entries: Iterator[DispositionEntry],
        *,
        expected_head: str | None,
        anchor: LedgerHead | None,
    ):
        self.entries = entries
        self.count = 0
        self.head = chain.GENESIS
        self.expected_head = expected_head
        self.expected_head_seen = False
        self.anchor_hash = anchor.head_hash if anchor is not None else None
        self.anchor_sequence: int | None = None

    def __iter__(self) -> Iterator[DispositionEntry]:
        for entry in self.entries:
            self.count += 1
            self.head = entry.entry_hash
            if entry.entry_hash == self.expected_head:
                self.expected_head_seen = True
            if entry.entry_hash == self.anchor_hash:
                self.anchor_sequence = entry.sequence
            yield entry


@contextmanager
def _one_snapshot() -> Iterator[None]:
    """The anchored head and the chain read from one snapshot of the database.

    Read apart, a publication committing between the two reads would look
    like entries appended behind the application's back.  On PostgreSQL the
    outermost transaction is REPEATABLE READ; SQLite's transactions are
    snapshots already.  Inside a caller's transaction (tests), that one holds.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic(savepoint=False):
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def anchor_problems(walk: _Walk, anchor: LedgerHead | None) -> list[str]:
    """What the chain lacks, or has too much of, against the latest anchored head."""
    if anchor is None:
        if walk.count:
            return [
                _(
                    "%(count)d entries but no anchored head: every publication anchors one, "
                    "so these were written behind the application's back (or the head log "
                    "was emptied)"
                )
                % {"count": walk.count}
            ]
        return []
    anchored = {
        "hash": anchor.head_hash,
        "count": anchor.entry_count,
        "at": anchor.anchored_at.isoformat(),
        "found": walk.count,
    }
    if walk.anchor_sequence != anchor.entry_count:
        return [
            _(
                "the anchored head %(hash)s (%(count)d entries, published %(at)s) is not "
                "where the chain should hold it: entries were removed or rewritten "
                "(%(found)d entries found)"
            )
            % anchored
        ]
    extra = walk.count - anchor.entry_count
    if extra > 0:
        return [
            ngettext(
                "%(extra)d entry after the anchored head %(hash)s (%(count)d entries, "
                "published %(at)s): no publication anchored it",
                "%(extra)d entries after the anchored head %(hash)s (%(count)d entries, "
                "published %(at)s): no publication anchored them",
                extra,
            )
            % {**anchored, "extra": extra}
        ]
    return []


class Command(BaseCommand):
    help = (
        "Recompute the hash chain of a consultation's disposition ledger, check it against "
        "the head its latest publication anchored, and name every entry that was "
        "rewritten, removed or inserted behind the application's back."
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
                "a head noted earlier (from ledger.json, a decision mail or the ledger page): "
                "fail unless the chain still contains it"
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
        with _one_snapshot():
            anchor = selectors.anchored_head(consultation=consultation)
            walk = _Walk(
                selectors.ledger_chain(consultation=consultation).iterator(chunk_size=2000),
                expected_head=head,
                anchor=anchor,
            )
            problems = [str(problem) for problem in chain.verify(walk)]
            # The event chain (disputes, redactions: issue 25), from the same snapshot.
            events = selectors.event_chain(consultation=consultation)
            problems += [str(problem) for problem in chain.verify_events(events.iterator())]
        problems += anchor_problems(walk, anchor)
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
