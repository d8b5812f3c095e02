"""Word-level differences between two versions of a draft, section by section.

Sections pair up by key (a key is stable across versions: see consult/versions/drafts.py).
The HTML marks changes with <ins>/<del> and a visually hidden "inserted:" /
"deleted:" before each, so a screen reader and a reader who cannot tell the
colours apart both get them; the stylesheet underlines and strikes through.
"""

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from consult.models import DocumentVersion, Section

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _marked(tag: str, label: str, text: str) -> SafeString:
    return mark_safe(  # noqa: S308 - the label and the text are escaped
        f'<{tag}><span class="visually-hidden">{escape(label)} </span>{escape(text)}'
        f'<span class="visually-hidden"> {escape(_("end"))}</span></{tag}>'
    )


def word_changes(old: str, new: str) -> list[tuple[str, str | None]]:
    """The texts as chunks: ``(text, None)`` unchanged, ``(removed, added)`` a change.

    Changes separated only by spaces are one chunk ("an open" -> "the CC BY 4.0"
    rather than word by word), which reads as the author's edit did."""
    a, b = _tokens(old), _tokens(new)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    chunks: list[tuple[str, str | None]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            chunks.append(("".join(a[i1:i2]), None))
            continue
        removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
        if (
            len(chunks) >= 2
            and chunks[-1][1] is None
            and not chunks[-1][0].strip()
            and chunks[-2][1] is not None
        ):
            space, _none = chunks.pop()
            before_removed, before_added = chunks.pop()
            removed = before_removed + space + removed if before_removed or removed else ""
            added = before_added + space + added if before_added or added else ""
        elif chunks and chunks[-1][1] is not None:
            before_removed, before_added = chunks.pop()
            removed, added = before_removed + removed, before_added + added
        chunks.append((removed, added))
    return chunks


def word_diff(old: str, new: str) -> tuple[SafeString, bool]:
    """The new text with the words removed (<del>) and added (<ins>); and whether it changed."""
    return render_changes(word_changes(old, new))


def render_changes(chunks: list[tuple[str, str | None]]) -> tuple[SafeString, bool]:
    parts: list[str] = []
    deleted, inserted = _("deleted:"), _("inserted:")
    for text, added in chunks:
        if added is None:
            parts.append(escape(text))
            continue
        if text:
            parts.append(_marked("del", deleted, text))
        if added:
            parts.append(_marked("ins", inserted, added))
    changed = any(added is not None for _text, added in chunks)
    return mark_safe("".join(parts)), changed  # noqa: S308 - every piece is escaped above


@dataclass
class SectionDiff:
    """One row of a diff: ``status`` is "changed", "unchanged", "added" or "removed"."""

    key: str
    status: str
    old: Section | None
    new: Section | None
    html: SafeString
    heading_changed: bool = False
    # word_changes() of the bodies, for the API.
    changes: list[tuple[str, str | None]] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return {
            "changed": _("changed"),
            "unchanged": _("unchanged"),
            "added": _("added in this version"),
            "removed": _("removed in this version"),
        }[self.status]


def version_diff(*, old: DocumentVersion, new: DocumentVersion) -> list[SectionDiff]:
    """Every section of both versions, in the new version's order; removed sections
    appear where they stood in the old version.  Two queries."""
    old_sections = list(Section.objects.filter(version=old).order_by("ordinal"))
    new_sections = list(Section.objects.filter(version=new).order_by("ordinal"))
    old_by_key = {s.key: s for s in old_sections}
    new_keys = {s.key for s in new_sections}
    pending_removed = [s for s in old_sections if s.key not in new_keys]
    rows: list[SectionDiff] = []

    def flush_removed(before_ordinal: int | None) -> None:
        while pending_removed and (
            before_ordinal is None or pending_removed[0].ordinal < before_ordinal
        ):
            gone = pending_removed.pop(0)
            rows.append(
                SectionDiff(
                    gone.key,
                    "removed",
                    gone,
                    None,
                    _marked("del", _("deleted:"), gone.body),
                    changes=[(gone.body, "")],
                )
            )

    for section in new_sections:
        previous = old_by_key.get(section.key)
        if previous is None:
            rows.append(
                SectionDiff(
                    section.key,
                    "added",
                    None,
                    section,
                    _marked("ins", _("inserted:"), section.body),
                    changes=[("", section.body)],
                )
            )
            continue
        flush_removed(previous.ordinal)
        changes = word_changes(previous.body, section.body)
        html, changed = render_changes(changes)
        heading_changed = previous.heading != section.heading
        rows.append(
            SectionDiff(
                section.key,
                "changed" if changed or heading_changed else "unchanged",
                previous,
                section,
                html,
                heading_changed,
                changes,
            )
        )
    flush_removed(None)
    return rows


def diff_summary(rows: list[SectionDiff]) -> dict[str, int]:
    counts = {"changed": 0, "unchanged": 0, "added": 0, "removed": 0}
    for row in rows:
        counts[row.status] += 1
    return counts
