"""When does a display name imitate another?  ``name_key`` says.

Two names imitate each other when their keys are equal.  The key is what a
reader would not tell apart at a glance:

- Unicode compatibility forms are folded (NFKC: full-width letters, ligatures,
  superscripts), then case (``casefold``: "ß" is "ss");
- accents are dropped ("Sociéte" is "Societe");
- digits and symbols that pass for letters are read as those letters
  ("W1k1med1a", "M0zilla", "$ave");
- spaces, punctuation and other separators are ignored ("I.S.O.C." is "isoc").

Mixed scripts (a Cyrillic letter in a Latin name) are not folded: the Unicode
confusables table is large and still misses cases.  What such an imitation
never carries is the secretariat's "verified" badge, shown wherever an
organisation's name appears (``{% org_name %}``).
"""

import re
import unicodedata

from django.db import models

# Anything but letters and digits (any script): \W, and the underscore it keeps.
_NOT_ALNUM = re.compile(r"[\W_]+")

# Characters read as the letter they imitate (after casefolding).
CONFUSABLE = str.maketrans(
    {
        "0": "o",
        "1": "l",
        "i": "l",
        "|": "l",
        "3": "e",
        "4": "a",
        "@": "a",
        "5": "s",
        "$": "s",
        "7": "t",
        "8": "b",
        "9": "g",
    }
)


def name_key(name: str) -> str:
    """The form of ``name`` two imitating names share (see the module docstring)."""
    if name.isascii():  # the common case, and no Unicode folding to do
        bare = name.lower()
    else:
        folded = unicodedata.normalize("NFKC", name).casefold()
        bare = "".join(
            c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c)
        )
    # "rn" passes for "m" in most fonts.
    bare = bare.translate(CONFUSABLE).replace("rn", "m")
    return _NOT_ALNUM.sub("", bare)


class NameKeyField(models.CharField):
    """``name_key`` of another field of the row, kept by the field itself.

    Computed in ``pre_save``, which Django calls for ``save()`` and for
    ``bulk_create`` alike, so no write path can leave it stale; a
    ``save(update_fields=[...])`` naming the source field must name this one
    too (the models' ``save`` add it).  Indexed: "is this name taken?" is one
    index lookup instead of a scan of every name.
    """

    def __init__(self, *args, source: str = "", **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = name_key(getattr(model_instance, self.source) or "")[: self.max_length]
        setattr(model_instance, self.attname, value)
        return value


def with_name_key(update_fields, source: str):
    """``update_fields`` plus ``name_key`` when it names ``source`` (for ``Model.save``)."""
    if update_fields is not None and source in update_fields:
        return {*update_fields, "name_key"}
    return update_fields
