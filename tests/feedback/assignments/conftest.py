import pytest

from consult.consultations import services as consult_services
from consult.models import Role
from tests.stakeholders.factories import ParticipantFactory

__all__ = ["analyst", "drafter"]


@pytest.fixture
def drafter(consultation, secretariat):
    user = ParticipantFactory(display_name="Drafter", user__email="drafter@example.org").user
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=user, role=Role.DRAFTER
    )
    return user


@pytest.fixture
def analyst(consultation, secretariat):
    user = ParticipantFactory(display_name="Analyst", user__email="analyst@example.org").user
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=user, role=Role.ANALYST
    )
    return user
