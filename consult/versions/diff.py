"""Word-level differences between two versions of a draft, section by section.

Sections pair up by key (a key is stable across versions: see consult/versions/drafts.py).
The HTML marks changes with <ins>/<del> and a visually hidden "inserted:" /
"deleted:" before each, so a screen reader and a reader who cannot tell the
colours apart both get them; the stylesheet underlines and strikes through.

Two diffs of the same bodies: ``changes`` (word_changes() of the Markdown
source, for the API, unchanged since it began) and ``html`` (rendered_diff():
both bodies rendered by plenary.text.render_markdown, then the token streams of
the rendered HTML compared, so the marks sit on the words people read and no
``**`` or leading ``- `` is ever shown).  The page folds unchanged sections
(fold_unchanged()); their HTML is rendered only when shown.
"""

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cached_property

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from consult.models import DocumentVersion, Section
from plenary.text import render_markdown

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
    if old == new:  # most sections of a new version: no matching to do
        return [(old, None)] if old else []
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


# Rendered HTML as tokens: a tag, an entity, a word, a run of spaces or one other character.
_HTML_TOKEN = re.compile(r"<[^>]*>|&#?\w+;|\w+|\s+|[^\w\s<&]|[<&]", re.UNICODE)


def _html_tokens(html: str) -> list[str]:
    return _HTML_TOKEN.findall(html)


def _wrap_text(tag: str, label: str, tokens: list[str], *, keep_tags: bool) -> str:
    """``tokens`` of rendered HTML with every run of text in <tag>, labelled once.

    Tags are kept where they stand (``keep_tags``: the new side, whose tags
    make the page) or dropped (the old side: the removed words stay, their
    old markup does not, so the result is balanced HTML)."""
    out: list[str] = []
    run: list[str] = []
    labelled = False

    def flush() -> None:
        nonlocal labelled
        text = "".join(run)
        run.clear()
        if not text.strip():
            out.append(text if keep_tags else "")
            return
        hidden = "" if labelled else f'<span class="visually-hidden">{escape(label)} </span>'
        labelled = True
        out.append(f"<{tag}>{hidden}{text}</{tag}>")

    for token in tokens:
        if token.startswith("<") and len(token) > 1:
            flush()
            if keep_tags:
                out.append(token)
            continue
        run.append(token)
    flush()
    return "".join(out)


def _joined_opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """SequenceMatcher's opcodes, with changes separated only by spaces joined into one
    (as word_changes() does: "an open" -> "the CC BY 4.0", not word by word)."""
    ops = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    joined: list[tuple[str, int, int, int, int]] = []
    for index, (op, i1, i2, j1, j2) in enumerate(ops):
        spaces_between_changes = (
            op == "equal"
            and 0 < index < len(ops) - 1
            and all(not token.strip() for token in b[j1:j2])
        )
        if op == "equal" and not spaces_between_changes:
            joined.append((op, i1, i2, j1, j2))
        elif joined and joined[-1][0] == "replace":
            _op, start_a, _end_a, start_b, _end_b = joined.pop()
            joined.append(("replace", start_a, i2, start_b, j2))
        else:
            joined.append(("replace", i1, i2, j1, j2))
    return joined


def rendered_diff(old_html: str, new_html: str) -> SafeString:
    """The new rendered HTML with the words removed (<del>) and added (<ins>) marked.

    Both inputs come from render_markdown (sanitised): every token is a piece of
    that safe HTML, so the result is safe; the only tags added are <ins>, <del>
    and their visually hidden labels."""
    a, b = _html_tokens(old_html), _html_tokens(new_html)
    deleted, inserted = _("deleted:"), _("inserted:")
    parts: list[str] = []
    for op, i1, i2, j1, j2 in _joined_opcodes(a, b):
        if op == "equal":
            parts.extend(b[j1:j2])
            continue
        if i2 > i1:
            parts.append(_wrap_text("del", deleted, a[i1:i2], keep_tags=False))
        if j2 > j1:
            parts.append(_wrap_text("ins", inserted, b[j1:j2], keep_tags=True))
    return mark_safe("".join(parts))  # noqa: S308 - pieces of sanitised HTML, labels escaped


def _rendered(section: Section) -> str:
    """The section's sanitised HTML: ``body_html`` (render_markdown at import, see
    consult/versions/services.py), rendered again only when it is missing."""
    return section.body_html or render_markdown(section.body)


def _rendered_whole(tag: str, label: str, section: Section) -> SafeString:
    return mark_safe(  # noqa: S308 - sanitised HTML, the label escaped
        _wrap_text(tag, label, _html_tokens(_rendered(section)), keep_tags=True)
    )


@dataclass
class SectionDiff:
    """One row of a diff: ``status`` is "changed", "unchanged", "added" or "removed"."""

    key: str
    status: str
    old: Section | None
    new: Section | None
    heading_changed: bool = False
    # word_changes() of the Markdown bodies, for the API.
    changes: list[tuple[str, str | None]] = field(default_factory=list)
    # Per chunk of ``changes``, the receipts of the inputs behind it, when a page asks
    # (feedback.trace.selectors.diff_because; a lower app does not compute it).
    because: list[list[str]] = field(default_factory=list)

    @property
    def traced_changes(self) -> list[tuple[str, str, list[str]]]:
        """The changes with inputs behind them: ``(removed, added, receipts)``."""
        return [
            (text, added, receipts)
            for (text, added), receipts in zip(self.changes, self.because, strict=False)
            if added is not None and receipts
        ]

    @property
    def because_once(self) -> list[str]:
        """The receipts when every change of the section has the same ones (then the
        page says it once), else an empty list."""
        lists = [receipts for _text, added, receipts in self.traced_changes]
        every_change = sum(1 for _text, added in self.changes if added is not None)
        if lists and len(lists) == every_change and all(r == lists[0] for r in lists):
            return lists[0]
        return []

    @cached_property
    def html(self) -> SafeString:
        """The section as people read it (rendered Markdown), its changes marked."""
        if self.status == "removed" and self.old is not None:
            return _rendered_whole("del", _("deleted:"), self.old)
        if self.status == "added" and self.new is not None:
            return _rendered_whole("ins", _("inserted:"), self.new)
        assert self.old is not None and self.new is not None  # noqa: S101 - paired rows
        if self.status == "unchanged":
            return mark_safe(_rendered(self.new))  # noqa: S308 - sanitised
        return rendered_diff(_rendered(self.old), _rendered(self.new))

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
                    changes=[("", section.body)],
                )
            )
            continue
        flush_removed(previous.ordinal)
        changes = word_changes(previous.body, section.body)
        changed = any(added is not None for _text, added in changes)
        heading_changed = previous.heading != section.heading
        rows.append(
            SectionDiff(
                section.key,
                "changed" if changed or heading_changed else "unchanged",
                previous,
                section,
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


@dataclass
class Fold:
    """A run of ``count`` unchanged sections folded away; ``key`` is the first one's,
    ``more_keys`` the others' (anchors, so a link to ``#d-<key>`` still lands)."""

    key: str
    count: int
    more_keys: list[str] = field(default_factory=list)
    is_fold: bool = True


def fold_unchanged(rows: list[SectionDiff]) -> list[SectionDiff | Fold]:
    """``rows`` with each run of unchanged sections replaced by one Fold."""
    out: list[SectionDiff | Fold] = []
    for row in rows:
        if row.status != "unchanged":
            out.append(row)
        elif out and isinstance(out[-1], Fold):
            out[-1].count += 1
            out[-1].more_keys.append(row.key)
        else:
            out.append(Fold(row.key, 1))
    return out
