from celery import Task, shared_task
from django.conf import settings

from plenary.outbox import services


class OutboxTask(Task):
    """A task the outbox delivers: when it returns, its outbox row is done.

    The relay names each delivery ``outbox-<row>-<attempt>`` (the Celery task
    id), so the worker finds the row without another header.  Runs after the
    task succeeded, not after a retry; a task called otherwise (beat, by hand)
    has another id and marks nothing.  The inline mode marks its rows itself
    (``services._run_inline``).
    """

    abstract = True

    def on_success(self, retval, task_id, args, kwargs):
        services.message_done(task_id=task_id)

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        services.message_failed(task_id=task_id, error=exc)


def retrying_task(name: str, *, max_retries: int = 8, **options):
    """A Celery task that retries with exponential backoff on any error.

    Safe because every Plenary task takes ids and is idempotent (mail goes
    through ``services.send_mail_once``); acks_late comes from settings.
    The outbox marks its row done when the task returned (``OutboxTask``).
    ``options`` go to Celery as they are (e.g. ``soft_time_limit``, ``time_limit``).
    """
    return shared_task(
        name=name,
        base=OutboxTask,
        ignore_result=True,
        autoretry_for=(Exception,),
        retry_backoff=True,
        max_retries=max_retries,
        **options,
    )


# Time limits by kind of task, from settings (env overrides).  A task that sends one
# mail: past the soft limit the exchange is abandoned (send_mail_once keeps the
# claim: at most once) and the task retried; tasks that mail many people are not
# limited, as each retry resumes where the last stopped.  A report: past the soft
# limit report_build records it failed; past the hard one the process is replaced.
MAIL_TIME_LIMITS = {
    "soft_time_limit": settings.PLENARY_MAIL_SOFT_TIME_LIMIT,
    "time_limit": settings.PLENARY_MAIL_TIME_LIMIT,
}
REPORT_TIME_LIMITS = {
    "soft_time_limit": settings.PLENARY_REPORT_SOFT_TIME_LIMIT,
    "time_limit": settings.PLENARY_REPORT_TIME_LIMIT,
}


@shared_task(name="plenary.outbox.tasks.relay", ignore_result=True)
def relay() -> int:
    return services.relay()


@shared_task(name="plenary.outbox.tasks.prune", ignore_result=True)
def prune() -> int:
    """Daily (beat): delete outbox rows done more than PLENARY_OUTBOX_KEEP_DAYS ago."""
    return services.prune()
