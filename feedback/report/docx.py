"""The outcome report as a Word document (python-docx), for a secretariat that edits it.

The same content as the PDF (feedback/report/selectors.py: ``front_context`` and
``appendix_rows``), with the same privacy rules, since it is read from the
same query; the charts are left out (their tables carry the same numbers).
python-docx keeps the whole document in memory, so unlike the PDF its memory
grows with the number of comments (a few KB each).
"""

import math
from collections.abc import Callable
from pathlib import Path

from django.template.defaultfilters import filesizeformat
from django.utils import formats, translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from consult.models import Consultation
from feedback.ledger import selectors
from feedback.report import selectors as report
from plenary.text import xml_safe

# Progress is saved every this many comments: a piece of the build.
PROGRESS_EVERY = 500


def _date(value) -> str:
    return formats.date_format(value, "j F Y") if value else "—"


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _table(document, header: tuple[str, str], rows) -> None:
    table = document.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = header
    for row in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = xml_safe(str(row.label)), str(row.count)


def _points(document, points: list[dict]) -> None:
    """A comment's points (issue 23), each under its sub-receipt: what the point's
    row holds (``report.report_points``: no passage or rationale unless public)."""
    if not points:
        return
    document.add_paragraph(_("Answered point by point:"))
    for point in points:
        line = f"{point['receipt']} · {point['status_label']}"
        if point["quote"]:
            line += " · “" + xml_safe(point["quote"]) + "”"
        document.add_paragraph(line, style="List Bullet")
        if point["rationale"]:
            document.add_paragraph(
                _("Rationale:") + " " + xml_safe(point["rationale"]), style="List Continue"
            )


def _what_changed(document, traces) -> None:
    """ "What changed and why": per changed paragraph its word diff (removed words
    struck through, added ones underlined) and the receipts behind it."""
    document.add_heading(_("What changed and why"), level=1)
    if not traces:
        document.add_paragraph(_("Only one version of the draft so far."))
    for trace in traces:
        document.add_heading(
            _("From version %(a)s to version %(b)s")
            % {"a": trace.old.number, "b": trace.new.number},
            level=2,
        )
        if not trace.paragraphs:
            document.add_paragraph(_("No paragraph changed."))
        for paragraph in trace.paragraphs:
            heading = _("Paragraph %(n)s") % {"n": paragraph.ordinal}
            if paragraph.heading:
                heading += " · " + xml_safe(paragraph.heading)
            document.add_heading(f"{heading} · {paragraph.row.status_label}", level=3)
            text = document.add_paragraph()
            for removed, added in paragraph.row.changes:
                if added is None:
                    text.add_run(xml_safe(removed))
                    continue
                if removed:
                    text.add_run(xml_safe(removed)).font.strike = True
                if added:
                    text.add_run(xml_safe(added)).font.underline = True
            if paragraph.status_labels:
                document.add_paragraph(
                    _("Because of:")
                    + " "
                    + ", ".join(
                        f"{receipt} ({status})" for receipt, status in paragraph.status_labels
                    )
                )
            else:
                document.add_paragraph(
                    _("No public input is recorded as the cause of this change.")
                )


def build_docx(
    *, consultation: Consultation, target: Path, progress: Callable[[int, int], None]
) -> report.Outcome:
    """The report as a DOCX at ``target``; ``progress(done, total)`` counts pieces: the
    front matter, each batch of ``PROGRESS_EVERY`` comments, the save."""
    from docx import Document  # loaded on demand: only a DOCX report needs it

    language = report.report_language(consultation)
    with translation.override(language):
        context = report.front_context(consultation=consultation)
        batches = math.ceil(context["comment_count"] / PROGRESS_EVERY)
        parts = report.Parts(total=1 + batches + 1, report=progress)
        # Stored text may carry what XML cannot (written before plenary.bodies refused
        # it): every string from the database goes through xml_safe.
        title = xml_safe(_("Outcome report: %(title)s") % {"title": consultation.title})
        document = Document()
        document.core_properties.title = title
        document.core_properties.language = language
        document.add_heading(xml_safe(consultation.title), level=0)
        document.add_paragraph(xml_safe(consultation.summary))
        for label, value in (
            (_("Consultation opened"), _date(context["first_opens"])),
            (_("Last round closes"), _date(context["last_closes"])),
            (_("Comments"), str(context["comment_count"])),
            *(
                [(_("Co-signatures"), context["signatures"].line())]
                if context["signatures"].signatories
                else []
            ),
            (_("Ledger head hash"), context["head"]),
        ):
            document.add_paragraph(f"{label}: {value}")

        document.add_heading(_("The process"), level=1)
        for row in context["rounds"]:
            round_ = row["round"]
            document.add_paragraph(
                _("Round %(n)s: %(opens)s to %(closes)s (%(days)s days)")
                % {
                    "n": round_.number,
                    "opens": _date(round_.opens_at),
                    "closes": _date(round_.closes_at),
                    "days": row["days"],
                },
                style="List Bullet",
            )
        _table(document, (_("Channel"), _("Comments")), context["channels"])
        document.add_heading(_("Answers so far"), level=2)
        _table(document, (_("Status"), _("Comments")), context["statuses"])

        document.add_heading(_("Participation"), level=1)
        for chart in context["charts"]:
            document.add_heading(xml_safe(str(chart.title)), level=2)
            _table(document, (_("Who or how"), _("Comments")), chart.rows)

        document.add_heading(_("Themes"), level=1)
        if context["themes"]:
            _table(document, (_("Theme"), _("Comments")), context["themes"])
        else:
            document.add_paragraph(_("No themes were recorded for this consultation."))
        agreement = context["agreement"]
        if agreement is not None:
            document.add_heading(_("How consistently themes were given"), level=2)
            document.add_paragraph(
                _(
                    "Two team members coded the same random sample of %(n)d comments, each "
                    "alone. Cohen's kappa measures their agreement per theme (1: full "
                    "agreement, 0: what chance gives). The suggested themes are scored against "
                    "them (precision, recall, F1) only on the comments where both coders agreed."
                )
                % {"n": agreement.size}
            )
            _table(
                document,
                (_("Theme"), _("Kappa · F1")),
                [
                    (
                        xml_safe(row.theme.name),
                        f"{_figure(row.kappa)} · "
                        f"{_figure(row.suggested.f1 if row.suggested else None)}",
                    )
                    for row in agreement.themes
                ],
            )

        document.add_heading(_("What changed between versions"), level=1)
        for version in context["versions"]:
            document.add_heading(_("Version %(n)s") % {"n": version.number}, level=2)
            if version.compared_with:
                document.add_paragraph(
                    _(
                        "Compared with version %(n)s: %(added)s sections added, %(removed)s "
                        "removed, %(changed)s changed; %(plus)s words added, %(minus)s removed."
                    )
                    % {
                        "n": version.compared_with,
                        "added": len(version.added),
                        "removed": len(version.removed),
                        "changed": len(version.changed),
                        "plus": version.words_added,
                        "minus": version.words_removed,
                    }
                )

        _what_changed(document, context["what_changed"])

        document.add_heading(_("Integrity of the record"), level=1)
        integrity = context["integrity"]
        document.add_paragraph(
            _(
                "Every submission received is counted here, private ones included, as "
                "numbers only. Replies in the threads are not counted."
            )
        )
        _table(document, (_("Figure"), _("Submissions")), integrity.rows())
        for policy in integrity.policies:
            document.add_heading(xml_safe(policy.heading), level=2)
            document.add_paragraph(xml_safe(policy.text))

        document.add_heading(_("Evaluation of the process"), level=1)
        evaluation = context["evaluation"]
        if evaluation.responses:
            document.add_paragraph(
                _("%(n)s answers from %(invited)s invited.")
                % {"n": evaluation.responses, "invited": evaluation.invited}
            )
            for group in evaluation.groups:
                document.add_paragraph(
                    f"{xml_safe(str(group.label))} ({group.count}): "
                    + "; ".join(
                        f"{q['label']} {group.means[q['name']]:.1f}" for q in evaluation.questions
                    ),
                    style="List Bullet",
                )
        else:
            document.add_paragraph(_("No participant has evaluated the process yet."))

        parts.advance()
        document.add_heading(_("Appendix: every comment and its answer"), level=1)
        sections = selectors.ledger_sections(consultation=consultation)
        labels = {section.key: section for section in sections}
        rows = report.with_points(
            report.with_attachments(
                report.appendix_rows(consultation=consultation, sections=sections).iterator(
                    chunk_size=report.FETCH_SIZE
                ),
                consultation=consultation,
            ),
            batch=PROGRESS_EVERY,  # one query for the points of a batch
        )
        last_group = None
        done = 0
        for group, raw in report.appendix_groups(rows, labels=labels):
            row = {k: xml_safe(v) if isinstance(v, str) else v for k, v in raw.items()}
            if group is not last_group:
                document.add_heading(xml_safe(str(group.title)), level=2)
                last_group = group
            document.add_heading(f"{row['receipt']} · {row['status_label']}", level=3)
            if row["shown"]:
                document.add_paragraph(row["placeholder"])
            else:
                byline = [row["author_name"] or _("(no public profile)")]
                byline += [row["group_name"] or "", _date(row["created_at"])]
                document.add_paragraph(" · ".join(part for part in byline if part))
                if row["amendment_quote"] is not None:  # issue 24: struck, then inserted
                    change = document.add_paragraph(_("Proposed change:") + " ")
                    change.add_run(row["amendment_quote"]).font.strike = True
                    if row["amendment_replacement"]:
                        change.add_run(" ")
                        change.add_run(row["amendment_replacement"]).font.underline = True
                document.add_paragraph(strip_tags(row["text_html"] or ""))
                if row["signature_line"]:
                    document.add_paragraph(row["signature_line"])
                for attachment in row["attachments"] or ():
                    document.add_paragraph(
                        _("Attached: %(name)s (%(size)s) %(url)s")
                        % {
                            **attachment,
                            "name": xml_safe(attachment["name"]),
                            "size": filesizeformat(attachment["size"]),
                        },
                        style="List Bullet",
                    )
                if row["rationale"]:
                    document.add_paragraph(_("Rationale:") + " " + row["rationale"])
                if row["target_key"]:
                    document.add_paragraph(
                        _("Changed:")
                        + " "
                        + _("version %(n)s, section %(key)s")
                        % {"n": row["target_version"], "key": row["target_key"]}
                    )
            _points(document, row["points"])
            done += 1
            if done % PROGRESS_EVERY == 0:
                parts.advance()
        if done % PROGRESS_EVERY:
            parts.advance()  # the last, shorter batch
        if not done:
            document.add_paragraph(_("No comments yet."))
        document.save(str(target))
        parts.advance()
    return report.Outcome(comment_count=context["comment_count"], page_count=None)
