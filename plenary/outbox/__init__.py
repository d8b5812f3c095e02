"""Transactional outbox: background work recorded in the same transaction as the write.

The request path never talks to the broker.  A service calls
:func:`plenary.outbox.services.enqueue` inside its transaction; the row becomes
visible only if the transaction commits.  Then either

* inline mode (no ``REDIS_URL``, the embedded default): the task runs in-process
  right after the commit, or
* broker mode: the relay (a beat task every few seconds, or
  ``manage.py relay_outbox --loop``) publishes pending rows to Celery.

A Redis outage therefore delays work but never loses it or fails a request.
The worker marks a row done when its task returned (``tasks.OutboxTask``); a
row published but not done for ``PLENARY_OUTBOX_REDELIVER_SECONDS`` (lost by
Redis, or its task failed) is published again, up to
``PLENARY_OUTBOX_MAX_DELIVERIES`` times, then left for an operator.
"""
