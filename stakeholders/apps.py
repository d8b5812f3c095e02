from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _forget_users(*user_ids):
    from plenary.readcache import forget, user_scope

    forget(*(user_scope(pk) for pk in user_ids if pk is not None))


def _user_changed(sender, instance, **kwargs):
    """The account: kept with its token, and its address is part of its standing."""
    from plenary.readcache import forget, standing_scope, user_scope

    forget(user_scope(instance.pk), standing_scope(instance.pk))


def _address_changed(sender, instance, **kwargs):
    """An address added, confirmed or removed (allauth): part of the kept standing."""
    from plenary.readcache import forget, standing_scope

    forget(standing_scope(instance.user_id))


def _of_user_changed(sender, instance, **kwargs):
    """A profile or an API token: kept with the user by ``token_with_user``."""
    _forget_users(instance.user_id)


def _group_changed(sender, instance, **kwargs):
    """A renamed group: the API answers name it.  Rare (the secretariat's settings)."""
    from .models import Participant

    _forget_users(*Participant.objects.filter(group=instance).values_list("user_id", flat=True))


class StakeholdersConfig(AppConfig):
    name = "stakeholders"
    verbose_name = "Stakeholders"

    def ready(self):
        # The read cache (plenary/readcache.py, plenary/authentication.py): every
        # save or delete of what an API token's entry holds bumps its user's
        # generation, whoever writes it (services, allauth, the admin).
        from allauth.account.models import EmailAddress
        from django.contrib.auth import get_user_model
        from rest_framework.authtoken.models import Token

        from .models import Participant, StakeholderGroup

        for signal in (post_save, post_delete):
            signal.connect(_user_changed, sender=get_user_model(), dispatch_uid="readcache")
            signal.connect(_of_user_changed, sender=Participant, dispatch_uid="readcache-p")
            signal.connect(_of_user_changed, sender=Token, dispatch_uid="readcache-t")
            signal.connect(_group_changed, sender=StakeholderGroup, dispatch_uid="readcache-g")
            signal.connect(_address_changed, sender=EmailAddress, dispatch_uid="readcache-e")
