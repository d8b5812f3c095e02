from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _consultation_changed(sender, instance, **kwargs):
    from .selectors import forget_consultation

    forget_consultation(slug=instance.slug)


def _part_changed(sender, instance, **kwargs):
    """A round or a draft: what ``consultation_with_rounds`` keeps with its consultation."""
    from .selectors import forget_consultation

    forget_consultation(consultation_id=instance.consultation_id)


def _section_changed(sender, instance, **kwargs):
    """A section: kept by ``section_in_version`` under its draft's generation."""
    from plenary.readcache import forget

    from .selectors import version_scope

    forget(version_scope(instance.version_id))


def _acceptance_changed(sender, instance, **kwargs):
    """A code of conduct accepted: part of the person's kept standing."""
    from plenary.readcache import forget, standing_scope

    forget(standing_scope(instance.user_id))


class ConsultConfig(AppConfig):
    name = "consult"
    verbose_name = "Consultations"

    def ready(self):
        # The read cache (plenary/readcache.py): every save or delete, the
        # services', the admin's and the demo seed's, bumps the consultation's.
        from .models import CharterAcceptance, Consultation, DocumentVersion, Round, Section

        for signal in (post_save, post_delete):
            signal.connect(_consultation_changed, sender=Consultation, dispatch_uid="readcache")
            for model in (Round, DocumentVersion):
                signal.connect(_part_changed, sender=model, dispatch_uid=f"readcache-{model}")
            signal.connect(_acceptance_changed, sender=CharterAcceptance, dispatch_uid="readcache")
            signal.connect(_section_changed, sender=Section, dispatch_uid="readcache")
