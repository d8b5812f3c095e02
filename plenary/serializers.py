"""What the API's serializers share."""

import copy
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from rest_framework.serializers import ModelSerializer

    # Mixed into ModelSerializer subclasses: type-check it as one.
    _Base = ModelSerializer
else:
    _Base = object


class FieldsBuiltOnce(_Base):
    """A ModelSerializer that reads its model's fields once per class, not per instance.

    DRF builds a ModelSerializer's fields from the model's for every
    instance (``ModelSerializer.get_fields``): 0.8-1.0 ms for
    ``CommentSerializer``, on every comment POST.  This keeps the first set
    built for the class and hands each instance a deep copy (0.5 ms in all),
    as DRF does with declared fields,
    so no two serializers share a bound field.  Only for serializers whose
    fields do not depend on the instance, the context or the request.  A
    subclass keeps its own set.
    """

    _fields_built_once: ClassVar[dict[str, Any]]

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_built_once")
        if built is None:  # two threads may both build it: the same set
            built = super().get_fields()
            cls._fields_built_once = built
        return copy.deepcopy(built)
