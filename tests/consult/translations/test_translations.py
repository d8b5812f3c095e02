"""Languages: the interface chosen by the browser or the switcher, translated drafts, and
the language of each comment (consult/translations/languages.py,
consult/translations/services.py)."""

import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from comments.models import Comment
from comments.threads import services as comment_services
from consult.consultations.selectors import version_current
from consult.models import Section, SectionTranslation
from consult.translations import services as translations


@pytest.fixture(autouse=True)
def _interface_language_reset():
    """LocaleMiddleware leaves the last request's language active in this thread: reset it,
    so the tests that run next see English."""
    yield
    translation.deactivate()


def _sections(consultation):
    return list(
        Section.objects.filter(version=version_current(consultation=consultation)).order_by(
            "ordinal"
        )
    )


def _french(consultation, *, skip: str = "", swap: bool = False) -> str:
    """A French translation of every section, in the marker format of the staff page."""
    blocks = []
    for section in _sections(consultation):
        if section.key == skip:
            continue
        blocks.append(
            f"=== {section.key} ===\n# Titre {section.ordinal}\nTexte français {section.ordinal}."
        )
    if swap:
        blocks[0], blocks[1] = blocks[1], blocks[0]
    return "\n\n".join(blocks)


def _translate(client, consultation, secretariat, text, language="fr"):
    client.force_login(secretariat)
    version = version_current(consultation=consultation)
    url = reverse("staff_version_translation", args=[consultation.slug, version.number, language])
    return client.post(url, {"text": text})


# --- interface language ----------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_visitor_gets_the_browsers_language(client):
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5")
    page = response.content.decode()
    assert '<html lang="fr">' in page
    assert "Aller au contenu" in page  # the skip link, in French
    assert "Skip to content" not in page


@pytest.mark.django_db
def test_unknown_browser_language_falls_back_to_english(client):
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="en">' in page
    assert "Skip to content" in page


@pytest.mark.django_db
def test_switcher_changes_the_language_and_it_is_remembered(client):
    home = client.get(reverse("home")).content.decode()
    assert 'action="/i18n/setlang/"' in home
    assert '<label for="language-switcher-select">' in home

    response = client.post(reverse("set_language"), {"language": "es", "next": "/r/"})
    assert response.status_code == 302
    assert response.url == "/r/"
    assert response.cookies["django_language"].value == "es"

    # The cookie wins over the browser's language on the next pages.
    page = client.get(reverse("receipt_lookup"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="es">' in page
    assert "Ir al contenido" in page
    assert '<option value="es" lang="es" selected>' in page


@pytest.mark.django_db
def test_switcher_refuses_a_language_the_site_does_not_have(client):
    response = client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert "django_language" not in response.cookies


@pytest.mark.django_db
def test_dates_are_localised(client, consultation):
    page = client.get(
        reverse("consultation", args=[consultation.slug]), HTTP_ACCEPT_LANGUAGE="pt"
    ).content.decode()
    month = consultation.rounds.get().closes_at.month
    portuguese = [
        "janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho",
        "agosto", "setembro", "outubro", "novembro", "dezembro",
    ]  # fmt: skip
    assert portuguese[month - 1] in page.lower()


# --- translated drafts -----------------------------------------------------------------


def test_secretariat_can_translate_a_version(client, consultation, secretariat):
    version = version_current(consultation=consultation)
    url = reverse("staff_version_translation", args=[consultation.slug, version.number, "fr"])
    client.force_login(secretariat)
    form = client.get(url).content.decode()
    first = _sections(consultation)[0]
    # Pre-filled with the original in the marker format.
    assert f"=== {first.key} ===" in form
    assert 'lang="fr"' in form  # the text area, for spell-checking

    response = _translate(client, consultation, secretariat, _french(consultation))
    assert response.status_code == 302
    rows = SectionTranslation.objects.filter(section__version=version, language="fr")
    assert rows.count() == len(_sections(consultation))
    row = rows.get(section=first)
    assert row.heading == "Titre 1"
    assert row.body_html == "<p>Texte français 1.</p>\n"
    assert row.created_by == secretariat


def test_saving_again_replaces_the_translation(client, consultation, secretariat):
    _translate(client, consultation, secretariat, _french(consultation))
    _translate(client, consultation, secretariat, _french(consultation).replace("Texte", "Corps"))
    bodies = SectionTranslation.objects.filter(language="fr").values_list("body", flat=True)
    assert len(bodies) == len(_sections(consultation))
    assert all(body.startswith("Corps") for body in bodies)


def test_missing_section_is_refused_by_name_and_nothing_is_written(
    client, consultation, secretariat
):
    second = _sections(consultation)[1]
    text = _french(consultation, skip=second.key)
    response = _translate(client, consultation, secretariat, text)
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Section 2 (“{second.key}”) is missing." in page
    assert "Texte français 1." in page  # what was pasted is kept
    assert 'aria-describedby="id_text_helptext id_text_error"' in page
    assert not SectionTranslation.objects.exists()


def test_sections_out_of_order_are_refused(client, consultation, secretariat):
    response = _translate(client, consultation, secretariat, _french(consultation, swap=True))
    assert "is out of order" in response.content.decode()
    assert not SectionTranslation.objects.exists()


def test_unknown_section_and_text_before_the_first_marker_are_refused(consultation, secretariat):
    version = version_current(consultation=consultation)
    with pytest.raises(ValidationError, match="no section “nonsense”"):
        translations.version_translation_set(
            actor=secretariat,
            version=version,
            language="fr",
            text=_french(consultation) + "\n\n=== nonsense ===\nTexte.",
        )
    with pytest.raises(ValidationError, match="before the first section marker"):
        translations.version_translation_set(
            actor=secretariat,
            version=version,
            language="fr",
            text="Bonjour\n" + _french(consultation),
        )
    with pytest.raises(ValidationError, match="other than the original"):
        translations.version_translation_set(
            actor=secretariat, version=version, language="en", text=_french(consultation)
        )
    assert not SectionTranslation.objects.exists()


def test_stakeholder_cannot_translate_a_version(client, consultation, stakeholder):
    version = version_current(consultation=consultation)
    with pytest.raises(PermissionDenied):
        translations.version_translation_set(
            actor=stakeholder, version=version, language="fr", text=_french(consultation)
        )
    client.force_login(stakeholder)
    url = reverse("staff_version_translation", args=[consultation.slug, version.number, "fr"])
    assert client.post(url, {"text": _french(consultation)}).status_code == 403
    assert not SectionTranslation.objects.exists()


def test_french_reader_sees_the_translation_marked_fr_with_a_link_to_the_original(
    client, consultation, secretariat
):
    _translate(client, consultation, secretariat, _french(consultation))
    client.logout()
    url = reverse("consultation", args=[consultation.slug])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<div class="prose" lang="fr"><p>Texte français 1.</p>' in page
    assert '<h3 lang="fr">Titre 1</h3>' in page
    assert 'href="?original=1" hreflang="en">Original (anglais)</a>' in page

    original = client.get(url + "?original=1", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Texte français" not in original
    assert '<div class="prose" lang="en"><p>This policy sets out' in original

    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Texte français" not in english
    assert "Original (" not in english


def test_section_page_shows_the_translation(client, consultation, secretariat):
    _translate(client, consultation, secretariat, _french(consultation))
    first = _sections(consultation)[0]
    page = client.get(
        reverse("section", args=[consultation.slug, first.key]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert re.search(
        r'<blockquote class="section-text prose" lang="fr"[^>]*><p>Texte français 1.</p>', page
    )


@pytest.mark.parametrize("sections", [1, 12])
def test_translated_consultation_page_costs_constant_queries(
    client, secretariat, sections, django_assert_max_num_queries
):
    from tests.consult.factories import open_consultation

    draft = "# Policy\n\n" + "\n\n".join(f"Paragraph {n}." for n in range(sections))
    consultation = open_consultation(secretariat=secretariat, draft=draft)
    _translate(client, consultation, secretariat, _french(consultation))
    client.logout()
    url = reverse("consultation", args=[consultation.slug])
    client.get(url, HTTP_ACCEPT_LANGUAGE="fr")  # warm the page's caches
    with django_assert_max_num_queries(30) as queries:
        client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    translation_queries = [q for q in queries.captured_queries if "sectiontranslation" in q["sql"]]
    assert len(translation_queries) == 1


# --- the language of a comment ---------------------------------------------------------


def test_comment_form_defaults_to_the_interface_language(client, consultation, stakeholder):
    client.force_login(stakeholder)
    first = _sections(consultation)[0]
    page = client.get(
        reverse("section", args=[consultation.slug, first.key]), HTTP_ACCEPT_LANGUAGE="pt"
    ).content.decode()
    assert re.search(r'<label for="id_language">Idioma deste comentário', page)
    assert '<option value="pt" selected>Português</option>' in page


def test_stakeholder_comment_records_its_language_and_renders_it(client, consultation, stakeholder):
    client.force_login(stakeholder)
    first = _sections(consultation)[0]
    url = reverse("section", args=[consultation.slug, first.key])
    response = client.post(
        url, {"body": "Muy buena propuesta.", "visibility": "public", "language": "es"}
    )
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.language == "es"
    page = client.get(url).content.decode()
    assert '<div class="prose" lang="es"><p>Muy buena propuesta.</p>' in page
    receipt = client.get(reverse("receipt", args=[comment.receipt])).content.decode()
    assert 'lang="es"><p>Muy buena propuesta.</p>' in receipt


def test_receipt_mail_is_written_in_the_comments_language(
    consultation, stakeholder, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        comment_services.comment_create(
            actor=stakeholder, consultation=consultation, body="Merci.", language="fr"
        )
    assert "Votre commentaire a été reçu" in mail.outbox[-1].subject
    assert "Merci de votre participation" in mail.outbox[-1].body
    with django_capture_on_commit_callbacks(execute=True):
        comment_services.comment_create(
            actor=stakeholder, consultation=consultation, body="Thanks."
        )
    assert "Your comment was received" in mail.outbox[-1].subject


def test_malformed_comment_language_is_refused_and_nothing_is_written(consultation, stakeholder):
    with pytest.raises(ValidationError) as refused:
        comment_services.comment_create(
            actor=stakeholder, consultation=consultation, body="Hello", language="<script>"
        )
    assert "language" in refused.value.message_dict
    assert not Comment.objects.exists()


def test_api_comment_records_its_language_and_refuses_a_malformed_one(
    client, consultation, stakeholder
):
    client.force_login(stakeholder)
    url = f"/api/v1/consultations/{consultation.slug}/comments/"
    key = _sections(consultation)[0].key
    made = client.post(
        url,
        {"section": key, "body": "Boa proposta.", "language": "pt"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    assert made.json()["language"] == "pt"
    refused = client.post(
        url, {"section": key, "body": "Hello", "language": "12345"}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert "language" in refused.json()
    assert Comment.objects.count() == 1


def test_decision_mail_is_written_in_the_comments_language(
    consultation, secretariat, stakeholder, django_capture_on_commit_callbacks
):
    from feedback.ledger import services as feedback_services

    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_services.comment_create(
            actor=stakeholder, consultation=consultation, body="Obrigado.", language="pt"
        )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        feedback_services.disposition_record(
            actor=secretariat, comment=comment, status="noted", rationale="", publish=True
        )
    assert mail.outbox, "no decision mail"
    assert "Uma decisão sobre o seu comentário" in mail.outbox[-1].subject
