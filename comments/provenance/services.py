"""Writes of submission provenance: the network hash beside a new comment, and its deletion
after the retention period."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from comments.models import Comment, SubmissionNetwork
from comments.provenance.network import network_hash


def submission_network_record(*, comment: Comment, address: str | None) -> SubmissionNetwork | None:
    """Store the keyed hash of the network ``address`` belongs to; nothing if it is unreadable.

    Not a door: ``comment_create`` calls it in its transaction, with the address the
    entry point read (``plenary.ratelimit.client_ip``).  The address itself is not kept.
    """
    hashed = network_hash(address)
    if hashed is None:
        return None
    return SubmissionNetwork.objects.create(
        comment=comment, network_hash=hashed, created_at=comment.created_at
    )


def submission_networks_prune(*, now=None) -> int:
    """Delete network hashes older than ``PLENARY_NETWORK_RETENTION_DAYS``; return how many.

    Run daily by beat (``comments.tasks.prune_submission_networks``).  Older
    submissions then take part in account bursts and campaign clusters only.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.PLENARY_NETWORK_RETENTION_DAYS)
    deleted, _by_model = SubmissionNetwork.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def submission_networks_forget(*, user) -> int:
    """Delete the network hashes of everything ``user`` sent; return how many.

    Not a door: called by account erasure (``feedback.privacy.services.account_erase``)
    in its transaction.  The comments themselves follow the erasure policy.
    """
    deleted, _by_model = SubmissionNetwork.objects.filter(comment__author=user).delete()
    return deleted
