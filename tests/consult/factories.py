from datetime import timedelta

from django.utils import timezone

from consult.consultations import services
from consult.models import Consultation
from consult.versions import services as version_services

DRAFT = """# Draft policy on open data

## 1. Purpose
This policy sets out how public bodies publish the data they hold.

Open data supports accountability and lets people build useful services.

## 2. Scope
It applies to every ministry, agency and regulator.

## 3. Licensing
Data is published under an open licence that allows reuse.
"""


def open_consultation(
    *, secretariat, title: str = "Open data policy", draft: str = DRAFT, days: int = 30
) -> Consultation:
    """A published consultation with a draft and a round open now, built through services."""
    consultation = services.consultation_create(
        actor=secretariat,
        title=title,
        summary="A consultation on how public bodies publish data.",
        goals="Hear every stakeholder group on the draft.",
        ground_rules="Be civil. Stay on topic.",
    )
    version_services.draft_import(actor=secretariat, consultation=consultation, source=draft)
    services.round_open(
        actor=secretariat,
        consultation=consultation,
        closes_at=timezone.now() + timedelta(days=days),
        title="Draft review",
        # Shorter than PLENARY_MIN_ROUND_DAYS needs a public reason (consult/rounds/services.py).
        short_window_reason="A short round for the tests." if days < 21 else "",
    )
    consultation.refresh_from_db()
    return consultation


CODE_OF_CONDUCT = "No personal attacks. Declare conflicts of interest."


def with_code_of_conduct(
    consultation: Consultation, *, secretariat, code: str = CODE_OF_CONDUCT, **changes
) -> Consultation:
    """The consultation with a code of conduct (and any other ``changes``), by the service."""
    services.consultation_update(
        actor=secretariat,
        consultation=consultation,
        title=consultation.title,
        summary=consultation.summary,
        goals=consultation.goals,
        ground_rules=consultation.ground_rules,
        code_of_conduct=code,
        **changes,
    )
    consultation.refresh_from_db()
    return consultation
