"""Plenary: project configuration (settings, URLs, Celery) and cross-app plumbing."""

from plenary.celery import app as celery_app

__all__ = ("celery_app",)
