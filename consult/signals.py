"""The read cache's invalidation (plenary/readcache.py) for what consult keeps.

Every save or delete of a consultation, its rounds, drafts and sections, and of
a code-of-conduct acceptance (the services', the admin's and the demo seed's)
bumps the generation of what is kept with it.  Receivers, not service calls,
because the admin and allauth write these rows too; the few writes through
``QuerySet.update()`` (which sends no signal) call ``readcache.forget``
themselves.  Imported by ``ConsultConfig.ready``, once the models are loaded.
"""

from django.db.models.signals import post_delete, post_save

from consult.consultations.selectors import forget_consultation, version_scope
from consult.models import CharterAcceptance, Consultation, DocumentVersion, Round, Section
from plenary.readcache import forget, standing_scope


def _consultation_changed(sender, instance, **kwargs):
    forget_consultation(slug=instance.slug)


def _part_changed(sender, instance, **kwargs):
    """A round or a draft: what ``consultation_with_rounds`` keeps with its consultation."""
    forget_consultation(consultation_id=instance.consultation_id)


def _section_changed(sender, instance, **kwargs):
    """A section: kept by ``section_in_version`` under its draft's generation."""
    forget(version_scope(instance.version_id))


def _acceptance_changed(sender, instance, **kwargs):
    """A code of conduct accepted: part of the person's kept standing."""
    forget(standing_scope(instance.user_id))


def connect() -> None:
    for signal in (post_save, post_delete):
        signal.connect(_consultation_changed, sender=Consultation, dispatch_uid="readcache")
        for model in (Round, DocumentVersion):
            signal.connect(_part_changed, sender=model, dispatch_uid=f"readcache-{model}")
        signal.connect(_acceptance_changed, sender=CharterAcceptance, dispatch_uid="readcache")
        signal.connect(_section_changed, sender=Section, dispatch_uid="readcache")
