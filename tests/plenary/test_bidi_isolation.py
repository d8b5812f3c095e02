"""Every name somebody chose is shown bidi-isolated (finding 5): ``<bdi>`` around it,
through the ``isolate`` filter (plenary/templatetags/plenary_text.py), so
right-to-left letters, or a bidi control left in data written before names
refused them, cannot reorder the text around the name.

Pages are read back for the thread, the ledger, the triage workbench and the
registry; and every template is scanned so that a new one cannot print a
display, author, submitter or organisation name without the filter.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.urls import reverse

from comments.threads import services as comment_services
from stakeholders.models import Participant, User
from stakeholders.registry import services as registry_services
from tests.stakeholders.factories import OrganisationFactory, ParticipantFactory, UserFactory

SECTION = "1-purpose-2"
# Right-to-left letters, and an override written before names refused it.
NAME = "\u0645\u062d\u0645\u062f \u202eAmina"
SHOWN = "<bdi>\u0645\u062d\u0645\u062f \u202eAmina</bdi>"
# What prints a name somebody chose, in a template variable or a blocktranslate argument.
NAMES = re.compile(
    r"display_name|author_name|submitter_name|submitter_organisation|organisation_name"
    r"|organisation\.name|on_behalf_of\.name|merged_into\.name|\bm\.name"
)
EXPRESSION = re.compile(r"\{\{(.*?)\}\}|\{%\s*blocktranslate(.*?)%\}", re.DOTALL)


def test_no_template_prints_a_chosen_name_without_isolation():
    unisolated = []
    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        source = template.read_text()
        # A <title> cannot hold markup: head_title blocks are plain text.
        source = re.sub(r"\{% block head_title %\}.*?\{% endblock %\}", "", source)
        for match in EXPRESSION.finditer(source):
            expression = match.group(1) or match.group(2)
            if NAMES.search(expression) and "isolate" not in expression:
                unisolated.append(f"{template.relative_to(settings.BASE_DIR)}: {match.group(0)}")
    assert not unisolated, "\n".join(unisolated)


@pytest.mark.django_db
def test_author_and_organisation_names_are_isolated_in_thread_ledger_and_triage(
    client, consultation, secretariat, stakeholder
):
    Participant.objects.filter(user=stakeholder).update(display_name=NAME)
    comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key=SECTION, body="A view."
    )
    thread = client.get(reverse("section", args=[consultation.slug, SECTION])).content.decode()
    assert SHOWN in thread
    ledger = client.get(reverse("ledger", args=[consultation.slug])).content.decode()
    assert SHOWN in ledger
    ParticipantFactory(user=secretariat, display_name="Convenor")
    client.force_login(secretariat)
    triage = client.get(reverse("staff_triage", args=[consultation.slug])).content.decode()
    assert SHOWN in triage


@pytest.mark.django_db
def test_organisation_names_are_isolated_in_the_registry(client):
    organisation = OrganisationFactory(name="\u0645\u0624\u0633\u0633\u0629 Open Data")
    desk = UserFactory()
    desk.user_permissions.add(Permission.objects.get(codename="verify_organisation"))
    desk = User.objects.get(pk=desk.pk)
    registry_services.organisation_verify(actor=desk, organisation=organisation, note="Reg.")
    client.force_login(desk)
    shown = f"<bdi>{organisation.name}</bdi>"
    listing = client.get(reverse("registry_organisations")).content.decode()
    assert shown in listing
    page = client.get(reverse("registry_organisation", args=[organisation.pk])).content.decode()
    assert shown in page
