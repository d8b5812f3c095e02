"""When does a name imitate another, or pretend to be what it is not?

``name_key``: two names imitate each other when their keys are equal.  The key
is what a reader would not tell apart at a glance:

- Unicode compatibility forms are folded (NFKC: full-width letters, ligatures,
  superscripts);
- each character is read as its prototype in the Unicode confusables table
  (the TR39 *skeleton*: Cyrillic U+0410 is Latin "A", Greek U+0399 is "l"), then
  case is folded (``casefold``: "ß" is "ss");
- accents are dropped ("Sociéte" is "Societe");
- digits and symbols that pass for letters are read as those letters
  ("W1k1med1a", "M0zilla", "$ave");
- spaces, punctuation and other separators are ignored ("I.S.O.C." is "isoc").

``name_problem``: what makes a name unfit to be shown as somebody's, before
any comparison: bidi controls (U+202E shows "Amina Wekesa" from the letters
typed backwards), invisible and filler characters (default-ignorable code
points, U+3164 HANGUL FILLER, U+2800 BRAILLE BLANK, ...), a word mixing scripts
(a Cyrillic U+0410 in a Latin word; Latin with Han, Kana, Hangul or Bopomofo is
allowed, as TR39's "highly restrictive" level does), and the reserved words
(``PLENARY_RESERVED_NAMES``: the platform's and the team's roles), compared on
their keys, so look-alikes of them are refused too.

The confusables and script data are the Unicode Consortium's, as packaged by
``confusable_homoglyphs`` (pinned in pyproject.toml).  What an imitation that
gets past all this still never carries is the secretariat's "verified" badge,
shown wherever an organisation's name appears (``{% org_name %}``).
"""

import functools
import re
import unicodedata

from confusable_homoglyphs import categories, confusables
from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _

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


# The left-to-right marks the package wraps around right-to-left prototypes.
_MARKS = "\u200e\u200f"


@functools.cache
def prototype(character: str) -> str:
    """What ``character`` is read as in the Unicode confusables table (TR39).

    The table maps each source character to one prototype; the package keeps
    it both ways (a prototype lists its sources), so a character listing a
    single look-alike is that look-alike's source.  Cached: names draw on a
    few hundred characters.
    """
    found = confusables.is_confusable(character, greedy=True)
    if not found:
        return character
    glyphs = found[0]["homoglyphs"]
    if len(glyphs) != 1:
        return character  # a prototype: its look-alikes are listed
    other = glyphs[0]["c"].strip(_MARKS)
    # A prototype with a single source lists it alone too: the pair is read as
    # one of the two, the same whichever is typed.
    if len(other) == 1:
        back = confusables.is_confusable(other, greedy=True)
        if back and [g["c"].strip(_MARKS) for g in back[0]["homoglyphs"]] == [character]:
            return min(character, other)
    return other


def skeleton(text: str) -> str:
    """The TR39 skeleton of ``text``: NFD, each character its prototype, NFD again."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFD", "".join(prototype(c) for c in decomposed))


def name_key(name: str) -> str:
    """The form of ``name`` two imitating names share (see the module docstring)."""
    folded = skeleton(unicodedata.normalize("NFKC", name)).casefold()
    bare = "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))
    # "rn" passes for "m" in most fonts.
    bare = bare.translate(CONFUSABLE).replace("rn", "m")
    return _NOT_ALNUM.sub("", bare)


# Bidi controls: embeddings, overrides, isolates, marks (Unicode's Bidi_Control).
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Default_Ignorable_Code_Point (Unicode DerivedCoreProperties.txt) and the blank
# "letters" that pass for a space or for nothing: U+2800 BRAILLE PATTERN BLANK,
# U+3164 HANGUL FILLER and its half-width form, U+115F/U+1160 the jamo fillers.
_INVISIBLE = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160),
    (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x206F), (0x2800, 0x2800), (0x3164, 0x3164), (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)  # fmt: skip
# Unicode categories no name needs: controls, formats, private use, surrogates,
# unassigned, line and paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
# Scripts that a word may mix (TR39 "highly restrictive"); Common and Inherited
# (digits, punctuation, combining accents) go with any script.
_NEUTRAL_SCRIPTS = frozenset({"COMMON", "INHERITED"})
_SCRIPT_MIXES = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
# Reserved words this long are refused anywhere in a name ("Secretariat-Office");
# shorter ones ("Admin") only as a word or as the whole name ("Badminton" is fine).
_RESERVED_ANYWHERE = 8


def is_invisible(character: str) -> bool:
    """Whether ``character`` shows as nothing, or as a blank that is not a space."""
    code = ord(character)
    return unicodedata.category(character) in _REFUSED_CATEGORIES or any(
        low <= code <= high for low, high in _INVISIBLE
    )


def mixed_script_word(name: str) -> str | None:
    """The first word of ``name`` mixing scripts no language mixes, or None."""
    for word in name.split():
        scripts = {categories.alias(c) for c in word} - _NEUTRAL_SCRIPTS
        if len(scripts) > 1 and not any(scripts <= allowed for allowed in _SCRIPT_MIXES):
            return word
    return None


@functools.cache
def _reserved_keys(words: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``(word, name_key(word))`` of the reserved words, computed once per setting."""
    return tuple((word, name_key(word)) for word in words if name_key(word))


def reserved_word(name: str) -> str | None:
    """The reserved word (``PLENARY_RESERVED_NAMES``) ``name`` is or imitates, or None."""
    whole = name_key(name)
    words = {name_key(word) for word in name.split()} | {whole}
    for reserved, key in _reserved_keys(tuple(settings.PLENARY_RESERVED_NAMES)):
        if key in words or (len(key) >= _RESERVED_ANYWHERE and key in whole):
            return reserved
    return None


def name_problem(name: str, *, reserved: bool = True) -> str | None:
    """Why ``name`` cannot be shown as somebody's (a message to show), or None.

    Checks the characters (bidi controls, invisible and filler characters),
    then each word's scripts, then (``reserved``) the reserved words.
    """
    for character in name:
        if character in BIDI_CONTROLS:
            return _(
                "Names cannot contain characters that change the direction of the text "
                "(U+%(code)04X): they can make a name show as another."
            ) % {"code": ord(character)}
        if is_invisible(character):
            return _(
                "Names cannot contain invisible or blank characters (U+%(code)04X); "
                "use letters, digits, spaces and punctuation."
            ) % {"code": ord(character)}
    word = mixed_script_word(name)
    if word is not None:
        return _(
            "“%(word)s” mixes letters of different alphabets (such as a Cyrillic letter "
            "among Latin ones), which makes it look like another name; type it in "
            "one alphabet."
        ) % {"word": word}
    if reserved:
        word = reserved_word(name)
        if word is not None:
            return _(
                "Names cannot be or look like “%(word)s”, which Plenary keeps for its "
                "own team and roles; choose another."
            ) % {"word": word}
    return None


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
