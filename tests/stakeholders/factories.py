import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Permission

from stakeholders.defaults import ensure_default_groups, translate_default_groups
from stakeholders.models import ApiToken, Organisation, Participant, StakeholderGroup, User

PASSWORD = "a-long-test-passphrase-42"


def restore_default_groups(slug: str | None = None) -> None:
    """Create the default groups again if they are gone (``slug``: if that one is).

    Transactional tests flush the database, data migrations' rows included.
    """
    groups = StakeholderGroup.objects.all()
    if not (groups.filter(slug=slug) if slug else groups).exists():
        ensure_default_groups(StakeholderGroup)
        translate_default_groups(StakeholderGroup)


def group(slug: str = "civil-society") -> StakeholderGroup:
    restore_default_groups(slug)
    return StakeholderGroup.objects.get(slug=slug)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        """A confirmed address (allauth), which commenting requires.
        ``verified_email=False`` gives an unconfirmed one, as right after sign-up."""
        if create and obj.email:
            EmailAddress.objects.create(
                user=obj, email=obj.email, primary=True, verified=extracted is not False
            )


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    user = factory.SubFactory(UserFactory)
    display_name = factory.Sequence(lambda n: f"Participant {n}")
    group = factory.LazyFunction(group)
    country = "KE"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    group = factory.LazyFunction(lambda: group("civil-society"))
    country = "BR"


def convenor(**kwargs) -> User:
    """A user allowed to create consultations (and so to become their secretariat)."""
    user = UserFactory(**kwargs)
    user.user_permissions.add(Permission.objects.get(codename="add_consultation"))
    return User.objects.get(pk=user.pk)  # fresh permission cache


def api_token_for(user) -> str:
    """A new API token's secret for ``user`` (stakeholders.ApiToken, as the token
    endpoint issues it, without its sign-in checks)."""
    return ApiToken.objects.create(user=user)[1]
