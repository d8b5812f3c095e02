"""The profile: impersonation and unknown countries refused; optional fields, who sees them."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from stakeholders.models import InterestTag, Participant, StakeholderGroup, User
from stakeholders.names import name_key
from stakeholders.registry import services
from tests.stakeholders.factories import OrganisationFactory, ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def verified_org(db):
    desk = UserFactory()
    desk.user_permissions.add(Permission.objects.get(codename="verify_organisation"))
    desk = User.objects.get(pk=desk.pk)
    return services.organisation_verify(
        actor=desk, organisation=OrganisationFactory(name="Open Data Kenya"), note="Reg. 42"
    )


def _form(**extra):
    group = StakeholderGroup.objects.get(slug="users")
    return {"display_name": "Amani", "group": group.pk, "country": "KE", **extra}


def _post(client, user, **extra):
    client.force_login(user)
    return client.post(reverse("profile"), _form(**extra))


@pytest.mark.parametrize(
    "name",
    [
        "Open Data Kenya",
        "open data kenya",
        "OpenDataKenya",
        "Open-Data Kenya!",
        "0pen Data Keny4",
        "OPEN DATA KENYA",  # full-width letters (NFKC)
        "Opén Dàta Kenya",
    ],
)
def test_a_name_imitating_a_verified_organisation_is_refused(client, verified_org, name):
    user = UserFactory()
    response = _post(client, user, display_name=name)
    assert response.status_code == 200
    assert "verified organisation “Open Data Kenya”" in response.content.decode()
    assert not Participant.objects.filter(user=user).exists()


@pytest.mark.parametrize("name", ["Wanjiru", "WANJ1RU", "wan jiru", "Wanjiru.", "Wanj|ru"])
def test_a_name_imitating_another_participant_is_refused(client, stakeholder, name):
    user = UserFactory()
    response = _post(client, user, display_name=name)
    assert "another participant (“Wanjiru”)" in response.content.decode()
    assert not Participant.objects.filter(user=user).exists()


def test_the_placeholder_of_erased_accounts_cannot_be_taken(client):
    user = UserFactory()
    response = _post(client, user, display_name="Withdrawn Participant 12ab")
    assert "kept for withdrawn participants" in response.content.decode()
    assert not Participant.objects.filter(user=user).exists()


def test_the_name_of_an_unverified_organisation_is_free(client, db):
    OrganisationFactory(name="Open Data Kenya")
    user = UserFactory()
    assert _post(client, user, display_name="Open Data Kenya").status_code == 302
    assert user.participant.display_name == "Open Data Kenya"


def test_a_participant_may_keep_their_own_name(client, stakeholder):
    assert _post(client, stakeholder, display_name="wanjiru").status_code == 302
    assert Participant.objects.get(user=stakeholder).display_name == "wanjiru"


def test_name_keys_tell_real_differences_apart():
    assert name_key("Ann") != name_key("Anna")
    assert name_key("M0zilla") == name_key("mozilla")
    assert name_key("rnozilla") == name_key("mozilla")


def test_unknown_country_is_refused_and_nothing_stored(client):
    user = UserFactory()
    response = _post(client, user, country="XX")
    assert response.status_code == 200
    assert "XX" in response.content.decode()
    assert not Participant.objects.filter(user=user).exists()
    with pytest.raises(Exception, match="not a country on our list"):
        services.participant_save_profile(
            user=user,
            display_name="Amani",
            group=StakeholderGroup.objects.get(slug="users"),
            country="ZZ",
        )
    assert not Participant.objects.filter(user=user).exists()


def test_each_private_field_says_who_sees_it(client):
    client.force_login(UserFactory())
    page = client.get(reverse("profile")).content.decode()
    assert "Gender" in page and "Age range" in page
    assert page.count("Only the secretariat sees this, for participation balance statistics.") >= 2
    assert "Shown publicly" in page


def test_the_site_setting_controls_the_optional_fields(client, settings):
    settings.PLENARY_PROFILE_OPTIONAL_FIELDS = ["age_range"]
    user = UserFactory()
    client.force_login(user)
    page = client.get(reverse("profile")).content.decode()
    assert 'name="age_range"' in page and 'name="gender"' not in page
    _post(client, user, gender="woman", age_range="30-44")
    participant = Participant.objects.get(user=user)
    assert (participant.gender, participant.age_range) == ("", "30-44")


def test_interests_must_belong_to_the_chosen_group(client):
    users = StakeholderGroup.objects.get(slug="users")
    business = StakeholderGroup.objects.get(slug="private-sector")
    mine = InterestTag.objects.create(group=users, slug="privacy", name="Privacy")
    theirs = InterestTag.objects.create(group=business, slug="smes", name="SMEs")
    user = UserFactory()
    response = _post(client, user, interests=[mine.pk, theirs.pk])
    assert "Not interests of the group “Users”: SMEs." in response.content.decode()
    assert not Participant.objects.filter(user=user).exists()
    assert _post(client, user, interests=[mine.pk]).status_code == 302
    assert list(user.participant.interests.all()) == [mine]


def test_outreach_is_opt_in_and_saved_from_the_profile(client):
    user = UserFactory()
    _post(client, user)
    user.refresh_from_db()
    assert user.mail_outreach is False
    _post(client, user, mail_outreach="on")
    user.refresh_from_db()
    assert user.mail_outreach is True


def test_age_range_outside_the_choices_is_refused(client):
    user = UserFactory()
    response = _post(client, user, age_range="ancient")
    assert response.status_code == 200
    assert not Participant.objects.filter(user=user).exists()


def test_factory_participants_still_save(db):
    """The factories bypass the service; the service still accepts what they make."""
    participant = ParticipantFactory()
    services.participant_save_profile(
        user=participant.user,
        display_name=participant.display_name,
        group=participant.group,
        country="KE",
    )


# --- the API ----------------------------------------------------------------------


def test_api_refuses_an_unknown_country_naming_the_field(client_for):
    user = UserFactory()
    response = client_for(user).put(
        reverse("api-my-profile"),
        {"display_name": "Amani", "group": "users", "country": "XX"},
        format="json",
    )
    assert response.status_code == 400
    assert "not a country on our list" in response.json()["country"][0]
    assert not Participant.objects.filter(user=user).exists()


def test_api_refuses_a_name_imitating_a_verified_organisation(client_for, verified_org):
    user = UserFactory()
    response = client_for(user).put(
        reverse("api-my-profile"),
        {"display_name": "open-data-kenya", "group": "users", "country": "KE"},
        format="json",
    )
    assert response.status_code == 400 and "display_name" in response.json()
    assert not Participant.objects.filter(user=user).exists()


def test_participant_can_save_and_read_their_profile_through_the_api(client_for):
    user = UserFactory()
    api = client_for(user)
    assert api.get(reverse("api-my-profile")).status_code == 404
    response = api.put(
        reverse("api-my-profile"),
        {"display_name": "Amani", "group": "users", "country": "ke", "age_range": "18-29"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "display_name": "Amani",
        "group": "users",
        "country": "KE",
        "gender": "",
        "age_range": "18-29",
        "interests": [],
    }
    assert api.get(reverse("api-my-profile")).json()["display_name"] == "Amani"
