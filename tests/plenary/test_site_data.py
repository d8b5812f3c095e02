"""Site data in the reader's language (issue 22): stakeholder groups, answer options
and language names, translated by the secretariat, shown with a fallback to the original."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from comments.threads import services as comment_services
from consult.meetings import services as meetings
from consult.models import QuestionChoice
from consult.questions import services as questions
from plenary import site_data
from stakeholders.defaults import (
    DEFAULT_TRANSLATIONS,
    translate_default_groups,
    untranslate_default_groups,
)
from stakeholders.models import StakeholderGroup, User
from tests.stakeholders.factories import ParticipantFactory

FR, ES = "fr-FR,fr;q=0.9", "es-ES,es;q=0.9"


@pytest.fixture
def commented(consultation, stakeholder):
    """A public comment on the first paragraph by a civil-society participant."""
    stakeholder.participant.group = StakeholderGroup.objects.get(slug="civil-society")
    stakeholder.participant.save()
    comment = comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        body="Name cooperatives among the owners of a network.",
        section_key="1-purpose-1",
    )
    return consultation, comment


def test_french_reader_sees_the_group_in_french_on_participation_and_bylines(client, commented):
    consultation, _comment = commented
    participation = client.get(
        reverse("participation", args=[consultation.slug]), HTTP_ACCEPT_LANGUAGE=FR
    ).content.decode()
    assert "Société civile" in participation and "Civil society" not in participation
    thread = client.get(
        reverse("section", args=[consultation.slug, "1-purpose-1"]), HTTP_ACCEPT_LANGUAGE=FR
    ).content.decode()
    assert "(Société civile)" in thread
    # English readers, and a language with no translation, get the original.
    english = client.get(reverse("section", args=[consultation.slug, "1-purpose-1"]))
    assert "(Civil society)" in english.content.decode()


def test_an_untranslated_group_falls_back_to_its_original_name(commented):
    group = StakeholderGroup.objects.get(slug="civil-society")
    group.translations = {"fr": {"name": "  "}}
    assert site_data.translated(group, "name", "fr") == "Civil society"
    assert site_data.translated(group, "name", "pt") == "Civil society"


@pytest.fixture
def question(consultation, secretariat):
    return questions.question_create(
        actor=secretariat,
        round_=consultation.rounds.get(),
        text="Should the policy cover municipal networks?",
        kind="single",
        choices=["Yes", "No", "Not sure"],
        choice_translations={
            "es": ["Sí", "No", "No estoy seguro"],
            "fr": ["Oui", "", "Ne sait pas"],
        },
    )


def test_a_translated_answer_option_shows_in_spanish(client, consultation, question):
    url = reverse("round_questions", args=[consultation.slug, 1])
    spanish = client.get(url, HTTP_ACCEPT_LANGUAGE=ES).content.decode()
    assert "No estoy seguro" in spanish and "Not sure" not in spanish
    # The consultation page's tallies too.
    page = client.get(reverse("consultation", args=[consultation.slug]), HTTP_ACCEPT_LANGUAGE=ES)
    assert "No estoy seguro" in page.content.decode()
    # A blank line leaves that choice in the original.
    french = client.get(url, HTTP_ACCEPT_LANGUAGE=FR).content.decode()
    assert "Oui" in french and "Ne sait pas" in french
    labels = {c.label: c.translations for c in QuestionChoice.objects.filter(question=question)}
    assert labels["No"] == {"es": {"label": "No"}}


def test_choice_translations_with_the_wrong_number_of_lines_change_nothing(
    consultation, secretariat, question
):
    before = list(QuestionChoice.objects.values_list("label", "translations"))
    with pytest.raises(ValidationError) as caught:
        questions.question_update(
            actor=secretariat,
            question=question,
            text=question.text,
            kind="single",
            choices=["Yes", "No"],
            choice_translations={"pt": ["Sim", "Não", "Talvez"]},
        )
    assert "choices_pt" in caught.value.message_dict
    assert list(QuestionChoice.objects.values_list("label", "translations")) == before


def test_the_question_page_lets_the_secretariat_translate_the_choices(
    client, consultation, secretariat, question
):
    client.force_login(secretariat)
    url = reverse("staff_question_edit", args=[consultation.slug, 1, question.ordinal])
    form = client.get(url).content.decode()
    assert 'name="choices_pt"' in form and "No estoy seguro" in form
    response = client.post(
        url,
        {
            "text": question.text,
            "kind": "single",
            "choices": "Yes\nNo\nNot sure",
            "choices_pt": "Sim\nNão\nNão sei",
            "choices_es": "",
            "choices_fr": "",
            "scale_min": 1,
            "scale_max": 5,
        },
    )
    assert response.status_code == 302
    assert QuestionChoice.objects.get(label="Not sure").translations == {"pt": {"label": "Não sei"}}


def test_the_meeting_language_is_shown_as_a_language_name(client, consultation, secretariat):
    starts = timezone.now() + timedelta(days=3)
    meeting = meetings.meeting_create(
        actor=secretariat,
        consultation=consultation,
        title="Regional meeting",
        kind="online",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        timezone="UTC",
        link="https://meet.example.org/x",
        language="en",
        groups=[StakeholderGroup.objects.get(slug="civil-society")],
    )
    url = reverse("meeting", args=[consultation.slug, meeting.pk])
    english = client.get(url).content.decode()
    assert "<dd>English</dd>" in english
    french = client.get(url, HTTP_ACCEPT_LANGUAGE=FR).content.decode()
    assert "<dd>anglais</dd>" in french and "Société civile" in french
    listing = client.get(
        reverse("consultation", args=[consultation.slug]), HTTP_ACCEPT_LANGUAGE=FR
    ).content.decode()
    assert "· anglais" in listing


@pytest.fixture
def verifier(db):
    user = ParticipantFactory(display_name="Registry desk", user__email="desk@example.org").user
    user.user_permissions.add(Permission.objects.get(codename="verify_organisation"))
    return User.objects.get(pk=user.pk)


def test_the_registry_group_page_saves_the_translations(client, verifier):
    group = StakeholderGroup.objects.get(slug="users")
    url = reverse("registry_group", args=[group.slug])
    client.force_login(verifier)
    page = client.get(url).content.decode()
    assert 'name="name_fr"' in page and "Utilisateurs" in page
    data = {
        "form": "group",
        "name": "Users",
        "description": "Individual users.",
        "ordinal": 6,
        "name_fr": "Internautes",
        "description_fr": "",
        "name_es": "Usuarios",
        "description_es": "Usuarios individuales.",
        "name_pt": "",
        "description_pt": "",
    }
    assert client.post(url, data).status_code == 302
    group.refresh_from_db()
    assert group.translations == {
        "fr": {"name": "Internautes"},
        "es": {"name": "Usuarios", "description": "Usuarios individuales."},
    }
    # Too long: a message beside the field, nothing saved.
    response = client.post(url, {**data, "name_pt": "x" * 101})
    assert response.status_code == 200 and 'id="id_name_pt"' in response.content.decode()
    group.refresh_from_db()
    assert "pt" not in group.translations


def test_the_default_groups_are_seeded_in_three_languages_and_reversibly(db):
    civil = StakeholderGroup.objects.get(slug="civil-society")
    assert civil.translations["fr"]["name"] == "Société civile"
    assert {g.slug for g in StakeholderGroup.objects.exclude(translations={})} == set(
        DEFAULT_TRANSLATIONS
    )
    untranslate_default_groups(StakeholderGroup)
    assert not StakeholderGroup.objects.exclude(translations={}).exists()
    # A renamed group is left alone when seeding again.
    StakeholderGroup.objects.filter(slug="users").update(name="Individuals")
    assert translate_default_groups(StakeholderGroup) == len(DEFAULT_TRANSLATIONS) - 1
    assert StakeholderGroup.objects.get(slug="users").translations == {}
