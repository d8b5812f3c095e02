"""The translation catalogues: what is missing, merging translations in, compiling.

The catalogues live in ``locale/<lang>/LC_MESSAGES/django.po`` and the
compiled ``.mo`` beside them is committed, so running Plenary never needs GNU
gettext.  Extraction (``makemessages``) does need ``xgettext``; the procedure
for a new string is::

    make messages                      # re-extract, then list what is missing (JSON)
    # translate the listed msgids, save {"fr": {msgid: msgstr, ...}, ...} as a file
    manage.py i18n merge todo.json     # writes the .po files and compiles the .mo

Plural entries take a list of forms; an entry with a context is keyed
``"<context>\\x04<msgid>"`` (gettext's own separator).
"""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.commands import makemessages

DOMAINS = ("django",)
CONTEXT_SEPARATOR = "\x04"
# gettext's plural rules (two forms) for the shipped languages; Django reads them from the header.
PLURAL_FORMS = {
    "fr": "nplurals=2; plural=(n > 1);",
    "es": "nplurals=2; plural=(n != 1);",
    "pt": "nplurals=2; plural=(n != 1);",
}
# %(name)s, %s, %d ... and {name}: what must survive translation unchanged.
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifrx]|%[sdifr]|\{\w*\}")


def translated_languages() -> list[str]:
    """Every configured language except the source language (English)."""
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def catalogue_path(language: str, *, domain: str = "django", root: Path | None = None) -> Path:
    base = Path(root) if root else Path(settings.LOCALE_PATHS[0])
    return base / language / "LC_MESSAGES" / f"{domain}.po"


def entry_key(entry: polib.POEntry) -> str:
    return f"{entry.msgctxt}{CONTEXT_SEPARATOR}{entry.msgid}" if entry.msgctxt else entry.msgid


def placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text))


def entry_problems(entry: polib.POEntry) -> list[str]:
    """Why this entry is not a usable translation (empty list: it is)."""
    if entry.obsolete:
        return []
    if "fuzzy" in entry.flags:
        return ["fuzzy"]
    forms = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
    if not forms or any(not form for form in forms):
        return ["untranslated"]
    problems = []
    python_format = "python-format" in entry.flags or entry.msgid_plural
    for form in forms:
        wanted = placeholders(entry.msgid)
        if entry.msgid_plural:
            # A plural form may leave out the count (e.g. "one comment"), never add a name.
            allowed = wanted | placeholders(entry.msgid_plural)
            if not set(placeholders(form)) <= set(allowed):
                problems.append(f"placeholders differ: {form!r}")
        elif python_format or PLACEHOLDER.search(entry.msgid):
            if placeholders(form) != wanted:
                problems.append(f"placeholders differ: {form!r}")
    return problems


def missing(*, languages: list[str] | None = None, root: Path | None = None) -> dict:
    """Every unusable entry: {language: {key: {msgid, msgid_plural?, problem, where?, guess?}}}."""
    report: dict[str, dict] = {}
    for language in languages or translated_languages():
        po = polib.pofile(str(catalogue_path(language, root=root)))
        todo = {}
        for entry in po:
            problems = entry_problems(entry)
            if not problems:
                continue
            item = {"msgid": entry.msgid, "problem": "; ".join(problems)}
            if entry.occurrences:  # where it is used, for context
                item["where"] = entry.occurrences[0][0]
            if entry.msgid_plural:
                item["msgid_plural"] = entry.msgid_plural
            guess = [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)] or entry.msgstr
            if guess and any(guess):
                item["guess"] = guess
            todo[entry_key(entry)] = item
        report[language] = todo
    return report


def normalise_header(po: polib.POFile, language: str) -> None:
    po.metadata["Language"] = language
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    if language in PLURAL_FORMS:
        po.metadata["Plural-Forms"] = PLURAL_FORMS[language]
    po.metadata_is_fuzzy = False
    po.header = (
        "Plenary's user interface.  Filled with `manage.py i18n merge`; see plenary/i18n.py."
    )


def merge(translations: dict[str, dict], *, root: Path | None = None) -> dict[str, list[str]]:
    """Write {language: {key: msgstr | [forms]}} into the catalogues, then compile them.

    Returns, per language, the keys that matched no entry (a typo, or a string
    removed since the list was made).
    """
    unknown: dict[str, list[str]] = {}
    for language, strings in translations.items():
        path = catalogue_path(language, root=root)
        po = polib.pofile(str(path))
        normalise_header(po, language)
        by_key = {entry_key(entry): entry for entry in po if not entry.obsolete}
        unknown[language] = []
        for key, value in strings.items():
            entry = by_key.get(key)
            if entry is None:
                unknown[language].append(key)
                continue
            if entry.msgid_plural:
                forms = value if isinstance(value, list) else [value, value]
                entry.msgstr_plural = dict(enumerate(forms))
            else:
                entry.msgstr = value[0] if isinstance(value, list) else value
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
        po.save(str(path))
    compile_all(root=root)
    return unknown


def compile_all(*, root: Path | None = None) -> list[Path]:
    """Compile every catalogue to .mo with polib (no GNU msgfmt needed)."""
    written = []
    for language in translated_languages():
        for domain in DOMAINS:
            path = catalogue_path(language, domain=domain, root=root)
            if not path.exists():
                continue
            po = polib.pofile(str(path))
            normalise_header(po, language)
            target = path.with_suffix(".mo")
            po.save_as_mofile(str(target))
            written.append(target)
    return written


def compiled_entries(catalogue: polib._BaseFile) -> dict[str, object]:
    """{key: msgstr or tuple of forms} of the usable entries, for comparing .po with .mo."""
    result: dict[str, object] = {}
    for entry in catalogue:
        if entry.obsolete or "fuzzy" in entry.flags or not entry.msgid:
            continue
        if entry.msgid_plural:
            forms = tuple(entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural))
            if all(forms):
                result[entry_key(entry)] = forms
        elif entry.msgstr:
            result[entry_key(entry)] = entry.msgstr
    return result


def extract(target: Path) -> polib.POFile:
    """Extract every translatable string of the source into ``target``/django.pot; return it.

    Django's own ``makemessages`` (GNU xgettext underneath), redirected so that
    the repository's catalogues are not touched.
    """
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)

    class Command(makemessages.Command):
        def find_files(self, root):
            files = super().find_files(root)
            self.locale_paths = [str(target)]
            self.default_locale_path = str(target)
            for translatable in files:
                translatable.locale_dir = str(target)
            return files

    # makemessages walks the current directory: the project's root.
    with contextlib.chdir(settings.BASE_DIR):
        call_command(
            Command(),
            locale=["fr"],
            keep_pot=True,
            no_obsolete=True,
            verbosity=0,
            ignore_patterns=list(EXTRACT_IGNORE),
        )
    return polib.pofile(str(target / "django.pot"))


# What `make messages` and the completeness test leave out of extraction.
EXTRACT_IGNORE = (".venv", "staticfiles", "bench", "tests", "node_modules", "build")


def catalogue_gaps(pot: polib.POFile, *, root: Path | None = None) -> dict[str, list[str]]:
    """Per language, every msgid of ``pot`` that the catalogue lacks or cannot use."""
    gaps: dict[str, list[str]] = {}
    for language in translated_languages():
        path = catalogue_path(language, root=root)
        if not path.exists():
            gaps[language] = [f"no catalogue at {path}"]
            continue
        po = polib.pofile(str(path))
        entries = {entry_key(e): e for e in po if not e.obsolete}
        problems = []
        for source in pot:
            if not source.msgid:
                continue
            key = entry_key(source)
            entry = entries.get(key)
            if entry is None:
                problems.append(f"{key!r}: missing")
            elif (entry.msgid_plural or "") != (source.msgid_plural or ""):
                problems.append(f"{key!r}: plural form changed")
            else:
                problems.extend(f"{key!r}: {why}" for why in entry_problems(entry))
        gaps[language] = problems
    return gaps
