"""Audit log of security-relevant events (sign-ins, role changes, publications, exports).

Rows are append-only.  Services call :func:`plenary.audit.services.audit_record`
inside their own transaction, so an event is recorded exactly when the action
commits; sign-in events come from Django's auth signals (``signals.py``).
"""
