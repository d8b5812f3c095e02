"""The fr/es/pt catalogues are complete and the committed .mo files match them.

The source is extracted with Django's makemessages into a temporary directory
(plenary.i18n.extract): the repository's catalogues are only read.  The fix
for a failure is in README ("Languages"): `make messages`, translate what
`manage.py i18n missing` lists, `manage.py i18n merge FILE.json`.
"""

import shutil

import polib
import pytest

from plenary import i18n

NO_GETTEXT = (
    "GNU gettext (xgettext) is needed to check the catalogues: "
    "apt-get install gettext (Debian/Ubuntu) or brew install gettext (macOS). "
    "Running Plenary does not need it (the .mo files are committed)."
)


@pytest.fixture(scope="module")
def pot(tmp_path_factory):
    # Fails, never skips, without gettext: a skipped completeness test proves nothing.
    assert shutil.which("xgettext"), NO_GETTEXT
    return i18n.extract(tmp_path_factory.mktemp("extracted"))


def test_xgettext_is_installed():
    assert shutil.which("xgettext"), NO_GETTEXT


def test_extraction_finds_the_interface_strings(pot):
    msgids = {entry.msgid for entry in pot}
    assert "Skip to content" in msgids  # a template
    assert "Write your comment before sending it." in msgids  # Python
    assert len(msgids) > 500


@pytest.mark.parametrize("language", i18n.translated_languages())
def test_catalogue_has_every_string_translated(pot, language):
    gaps = i18n.catalogue_gaps(pot)[language]
    shown = "\n".join(gaps[:60])
    assert not gaps, (
        f"{len(gaps)} strings missing, untranslated, fuzzy or with different placeholders "
        f"in locale/{language}/LC_MESSAGES/django.po (first 60):\n{shown}\n"
        "Fix: make messages, then manage.py i18n merge FILE.json (README, Languages)."
    )


@pytest.mark.parametrize("language", i18n.translated_languages())
def test_compiled_catalogue_matches_the_po_file(language):
    po_path = i18n.catalogue_path(language)
    po = i18n.compiled_entries(polib.pofile(str(po_path)))
    mo = i18n.compiled_entries(polib.mofile(str(po_path.with_suffix(".mo"))))
    stale = sorted(set(po.items()) ^ set(mo.items()), key=str)[:20]
    assert po == mo, f"{po_path.with_suffix('.mo')} is stale; run manage.py i18n compile: {stale}"


def test_placeholder_check_catches_a_renamed_placeholder():
    entry = polib.POEntry(
        msgid="Version %(n)d imported with %(count)d sections.",
        msgstr="Version %(numero)d importée avec %(count)d sections.",
        flags=["python-format"],
    )
    assert entry_problem(entry).startswith("placeholders differ")


def test_placeholder_check_accepts_a_plural_without_the_count():
    entry = polib.POEntry(
        msgid="%(n)d second",
        msgid_plural="%(n)d seconds",
        msgstr_plural={0: "une seconde", 1: "%(n)d secondes"},
        flags=["python-format"],
    )
    assert i18n.entry_problems(entry) == []


def test_fuzzy_and_empty_entries_count_as_missing():
    fuzzy = polib.POEntry(msgid="Save", msgstr="Enregistrer", flags=["fuzzy"])
    empty = polib.POEntry(msgid="Save", msgstr="")
    assert i18n.entry_problems(fuzzy) == ["fuzzy"]
    assert i18n.entry_problems(empty) == ["untranslated"]


def entry_problem(entry) -> str:
    problems = i18n.entry_problems(entry)
    return problems[0] if problems else ""


def test_merge_fills_the_catalogue_and_compiles_it(tmp_path):
    """The lead's fill procedure: missing() lists, merge() writes and compiles."""
    for language in i18n.translated_languages():
        path = i18n.catalogue_path(language, root=tmp_path)
        path.parent.mkdir(parents=True)
        po = polib.POFile()
        po.append(polib.POEntry(msgid="Save", msgstr=""))
        po.append(
            polib.POEntry(
                msgid="%(n)d file", msgid_plural="%(n)d files", msgstr_plural={0: "", 1: ""}
            )
        )
        po.append(polib.POEntry(msgid="Old", msgstr="Vieux", flags=["fuzzy"]))
        po.save(str(path))
    listed = i18n.missing(languages=["fr"], root=tmp_path)["fr"]
    assert set(listed) == {"Save", "%(n)d file", "Old"}
    assert listed["Old"]["guess"] == "Vieux"

    unknown = i18n.merge(
        {
            "fr": {
                "Save": "Enregistrer",
                "%(n)d file": ["%(n)d fichier", "%(n)d fichiers"],
                "Old": "Ancien",
                "Typo": "x",
            }
        },
        root=tmp_path,
    )
    assert unknown == {"fr": ["Typo"]}
    assert i18n.missing(languages=["fr"], root=tmp_path)["fr"] == {}
    mo = polib.mofile(str(i18n.catalogue_path("fr", root=tmp_path).with_suffix(".mo")))
    compiled = i18n.compiled_entries(mo)
    assert compiled["Save"] == "Enregistrer"
    assert compiled["%(n)d file"] == ("%(n)d fichier", "%(n)d fichiers")
    assert mo.metadata["Plural-Forms"] == "nplurals=2; plural=(n > 1);"
