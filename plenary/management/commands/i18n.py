"""``manage.py i18n missing|merge|compile``: keep the fr/es/pt catalogues complete.

``missing`` prints, as JSON, every msgid that is untranslated, fuzzy or whose
placeholders differ, per language (``--summary`` prints counts only, and the
exit status is 1 when anything is missing).  ``merge FILE`` takes a JSON
object ``{"fr": {msgid: msgstr | [singular, plural]}, ...}``, writes it into
the .po files and compiles the .mo files; ``compile`` only compiles.  None of
them needs GNU gettext (only ``makemessages`` does).
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from plenary import i18n


class Command(BaseCommand):
    # Catalogue work must not depend on the rest of the project importing cleanly.
    requires_system_checks: list = []
    help = "List missing translations as JSON, merge a JSON of translations, compile the .mo files."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["missing", "merge", "compile"])
        parser.add_argument("file", nargs="?", help="merge: the JSON file of translations")
        parser.add_argument("-l", "--language", action="append", dest="languages")
        parser.add_argument("--summary", action="store_true", help="missing: counts only")

    def handle(self, *args, action, file=None, languages=None, summary=False, **options):
        if action == "missing":
            report = i18n.missing(languages=languages)
            if summary:
                for language, todo in report.items():
                    self.stdout.write(f"{language}: {len(todo)} missing")
            else:
                self.stdout.write(json.dumps(report, ensure_ascii=False, indent=1))
            if any(report.values()):
                sys.exit(1)
        elif action == "merge":
            if not file:
                raise CommandError("merge needs the JSON file of translations")
            with open(file, encoding="utf-8") as handle:
                translations = json.load(handle)
            unknown = i18n.merge(translations)
            for language, keys in unknown.items():
                for key in keys:
                    self.stderr.write(f"{language}: no such msgid: {key!r}")
            self.stdout.write("merged and compiled")
        else:
            for path in i18n.compile_all():
                self.stdout.write(f"compiled {path}")
