from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from comments.models import Comment
from comments.threads.receipts import normalise


class ReceiptField(serializers.SlugRelatedField):
    """A comment named by its receipt, forgiving how people type it."""

    default_error_messages = {
        "does_not_exist": _("No comment has the receipt “{value}”."),
        "invalid": _("Give a receipt such as 7K3MQ-9XD2T."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Comment.objects.all())
        super().__init__(slug_field="receipt", **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(normalise(data))
