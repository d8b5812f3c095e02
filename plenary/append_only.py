"""Append-only records: the disposition ledger and the audit log.

A guard, not business logic: rows of these models are inserted and never
updated or deleted, through the model or its queryset.  (On PostgreSQL the
ledger also has a database trigger; see feedback/migrations/0003.)
"""

from django.db import models


def _refuse(model, verb: str) -> TypeError:
    return TypeError(
        f"{str(model._meta.verbose_name_plural).capitalize()} are append-only: "
        f"rows are never {verb}."
    )


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise _refuse(self.model, "updated")

    def delete(self):
        raise _refuse(self.model, "deleted")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise _refuse(type(self), "updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise _refuse(type(self), "deleted")
