from plenary.outbox.tasks import MAIL_TIME_LIMITS, retrying_task
from stakeholders.registry import services


@retrying_task("stakeholders.tasks.send_affiliation_decision", **MAIL_TIME_LIMITS)
def send_affiliation_decision(affiliation_id: int, decided_at: str) -> bool:
    return services.affiliation_decision_send(affiliation_id=affiliation_id, decided_at=decided_at)
