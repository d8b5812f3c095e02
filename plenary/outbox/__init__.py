"""Transactional outbox: background work recorded in the same transaction as the write.

The request path never talks to the broker.  A service calls
:func:`plenary.outbox.services.enqueue` inside its transaction; the row becomes
visible only if the transaction commits.  Then either

* inline mode (no ``REDIS_URL``, the embedded default): the task runs in-process
  right after the commit, or
* broker mode: the relay (a beat task every few seconds, or
  ``manage.py relay_outbox --loop``) publishes pending rows to Celery.

A Redis outage therefore delays work but never loses it or fails a request.
"""
