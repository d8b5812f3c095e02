from feedback.agreement import services as agreement
from feedback.clusters import services as cluster_services
from feedback.evaluation import services as evaluation
from feedback.ledger import services
from feedback.report import services as report
from feedback.themes import services as themes
from plenary.outbox.tasks import MAIL_TIME_LIMITS, REPORT_TIME_LIMITS, retrying_task


@retrying_task("feedback.tasks.notify_batch")
def notify_batch(batch_id: int) -> int:
    return services.batch_notify(batch_id=batch_id)


@retrying_task("feedback.tasks.remind_overdue_comments", max_retries=5)
def remind_overdue_comments() -> int:
    """Daily (beat): tell each secretariat how many comments wait past the target."""
    return services.overdue_comments_remind()


@retrying_task("feedback.tasks.notify_appeal_filed", **MAIL_TIME_LIMITS)
def notify_appeal_filed(appeal_id: int) -> int:
    return services.appeal_notify_filed(appeal_id=appeal_id)


@retrying_task("feedback.tasks.remind_appeal_deadlines", max_retries=5)
def remind_appeal_deadlines() -> int:
    """Beat: remind each secretariat of appeals due soon or overdue (once per appeal and kind)."""
    return services.appeal_reminders_send()


@retrying_task("feedback.tasks.cluster_comments", max_retries=3)
def cluster_comments(consultation_id: int) -> int:
    """Group a consultation's duplicate comments into campaign clusters
    (feedback.clusters.clustering)."""
    return cluster_services.clusters_rebuild(consultation_id=consultation_id)


@retrying_task("feedback.tasks.recluster_changed", max_retries=3)
def recluster_changed() -> int:
    """Beat: enqueue ``cluster_comments`` for each consultation whose comments changed."""
    return cluster_services.clusters_refresh_changed()


@retrying_task("feedback.tasks.suggest_themes", max_retries=3)
def suggest_themes(consultation_id: int) -> int:
    """Replace the consultation's pending theme suggestions (feedback.themes.suggest); tags
    nothing."""
    return themes.theme_suggestions_compute(consultation_id=consultation_id)


@retrying_task("feedback.tasks.build_report", max_retries=2, **REPORT_TIME_LIMITS)
def build_report(report_id: int) -> str:
    """Render an outcome report (PDF or DOCX); failures are recorded on the report."""
    return report.report_build(report_id=report_id)


@retrying_task("feedback.tasks.invite_evaluations", max_retries=5)
def invite_evaluations() -> int:
    """Hourly (beat): once a consultation's last round closed, invite its participants once."""
    return evaluation.evaluation_invite_due()


@retrying_task("feedback.tasks.send_evaluation_invite", **MAIL_TIME_LIMITS)
def send_evaluation_invite(consultation_id: int, user_id: int) -> bool:
    return evaluation.evaluation_invite_send(consultation_id=consultation_id, user_id=user_id)


@retrying_task("feedback.tasks.code_sample", max_retries=3)
def code_sample(sample_id: int) -> int:
    """Let the suggester code a double-coding sample (feedback.agreement.services)."""
    return agreement.coding_suggest(sample_id=sample_id)
