"""Names that cannot impersonate (finding 5): bidi controls, invisible and filler
characters, words mixing scripts and the reserved words are refused, in the
profile page and the API, for display names; organisation names get the same
character and script rules and may not imitate one in the registry."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from rest_framework.test import APIClient

from stakeholders.models import Organisation, Participant, StakeholderGroup, User
from stakeholders.names import name_key, name_problem, skeleton
from stakeholders.registry import services
from tests.stakeholders.factories import UserFactory

pytestmark = pytest.mark.django_db

CYRILLIC_A = "\u0410"
REFUSED = {
    # U+202E: the letters typed backwards show as "Amina Wekesa".
    "bidi-override": ("\u202easeskeW animA", "direction"),
    "bidi-isolate": ("Amina \u2067Wekesa\u2069", "direction"),
    "right-to-left-mark": ("Amina\u200f Wekesa", "direction"),
    "cyrillic-a-in-latin": (f"{CYRILLIC_A}mina Wekesa", "alphabets"),
    "greek-omicron-in-latin": ("Secretari\u03bft", "alphabets"),
    "hangul-filler": ("Amina\u3164Wekesa", "invisible"),
    "hangul-filler-alone": ("\u3164", "invisible"),
    "choseong-filler": ("\u115fAmina", "invisible"),
    "braille-blank": ("Amina\u2800", "invisible"),
    "zero-width-space": ("Ami\u200bna", "invisible"),
    "zero-width-joiner": ("Ami\u200dna", "invisible"),
    "soft-hyphen": ("Ami\u00adna", "invisible"),
    "variation-selector": ("Amina\ufe0f", "invisible"),
    "tag-character": ("Amina\U000e0041", "invisible"),
    "secretariat": ("Secretariat", "keeps for its own team"),
    "secretariat-lowercase": ("secretariat", "keeps for its own team"),
    "secretariat-in-a-name": ("The Plenary-Secretariat Desk", "keeps for its own team"),
    "secretariat-spaced": ("S e c r e t a r i a t", "keeps for its own team"),
    "secretariat-digits": ("S3cretar1at", "keeps for its own team"),
    "secretariat-full-width": (
        "\uff33\uff45\uff43\uff52\uff45\uff54\uff41\uff52\uff49\uff41\uff54",
        "keeps for its own team",
    ),
    "moderator-word": ("Moderator Jane", "keeps for its own team"),
    "admin": ("admin", "keeps for its own team"),
    "administrator": ("Site Administrator", "keeps for its own team"),
    "plenary": ("Plenary", "keeps for its own team"),
    "analyst": ("Analyst", "keeps for its own team"),
}
ACCEPTED = [
    "José Müller",
    "Zoë O'Brien-Smith",
    "Ольга Петрова",
    "東京タワー",
    "김민준",
    "Ahmed محمد",
    "Badminton Club",
    "Mod Squad",
    "Analysts Anonymous",
]


def _profile_form(name: str) -> dict:
    group = StakeholderGroup.objects.get(slug="users")
    return {"display_name": name, "group": group.pk, "country": "KE"}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_the_profile_page_refuses_an_impersonating_name(client, case):
    name, message = REFUSED[case]
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("profile"), _profile_form(name))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Participant.objects.filter(user=user).exists()


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_the_api_refuses_an_impersonating_name_with_400_naming_the_field(case):
    name, message = REFUSED[case]
    user = UserFactory()
    client = APIClient()
    client.force_login(user)
    response = client.put(
        reverse("api-my-profile"),
        {"display_name": name, "group": "users", "country": "KE"},
        format="json",
    )
    assert response.status_code == 400
    assert message in response.json()["display_name"][0]
    assert not Participant.objects.filter(user=user).exists()


@pytest.mark.parametrize("name", ACCEPTED)
def test_real_names_in_any_one_script_are_accepted(client, name):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("profile"), _profile_form(name))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Participant.objects.get(user=user).display_name == name


def test_a_whole_word_look_alike_in_another_script_imitates_the_participant(client):
    """Each word in one script passes the mixed-script rule; the skeleton still
    reads it as the Latin name it imitates."""
    first = UserFactory()
    client.force_login(first)
    assert client.post(reverse("profile"), _profile_form("Sasha Kopa")).status_code == 302
    # Cyrillic U+0405 U+0430 U+0455 U+04BB U+0430, U+041A U+043E U+0440 U+0430:
    # every letter a look-alike of the Latin one.
    look_alike = "\u0405\u0430\u0455\u04bb\u0430 \u041a\u043e\u0440\u0430"
    assert name_key(look_alike) == name_key("Sasha Kopa")
    second = UserFactory()
    client.force_login(second)
    response = client.post(reverse("profile"), _profile_form(look_alike))
    assert "another participant (“Sasha Kopa”)" in response.content.decode()
    assert not Participant.objects.filter(user=second).exists()


def test_the_reserved_words_are_a_setting_matched_on_the_skeleton(settings):
    settings.PLENARY_RESERVED_NAMES = ["Convenor", "Kopa"]
    assert name_problem("Secretariat") is None
    assert "Convenor" in name_problem("C0nvenor")
    # All Cyrillic (one script: no mixing), read as the reserved "Kopa" by its skeleton.
    assert "Kopa" in name_problem("\u041a\u043e\u0440\u0430")


def test_the_skeleton_reads_prototypes():
    assert skeleton(f"{CYRILLIC_A}dmin") == skeleton("Admin")
    assert name_key("\u0391\u0392") == name_key("AB")  # Greek capitals


@pytest.fixture
def desk(db):
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="verify_organisation"))
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize(
    "name",
    ["\u202eyneK ataD nepO", "Open\u3164Data Kenya", f"Open D{CYRILLIC_A}TA Kenya"],
)
def test_organisation_names_refuse_bidi_fillers_and_mixed_scripts(desk, name):
    with pytest.raises(Exception, match=r"direction|invisible|alphabets") as refused:
        services.organisation_create(
            actor=desk, name=name, group=StakeholderGroup.objects.get(slug="users")
        )
    assert "name" in refused.value.message_dict
    assert not Organisation.objects.exists()


def test_an_organisation_look_alike_of_one_in_the_registry_is_refused(client, desk):
    group = StakeholderGroup.objects.get(slug="users")
    services.organisation_create(actor=desk, name="Open Data Kenya", group=group)
    with pytest.raises(Exception, match="already in the registry"):
        services.organisation_create(actor=desk, name="0pen-Data Kenya", group=group)
    assert Organisation.objects.count() == 1
