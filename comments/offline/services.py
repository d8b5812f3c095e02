"""Input received outside the web (email, letter, workshop, meeting), entered by staff.

``comment_enter`` records one such comment; ``comments_import_preview`` and
``comments_import`` do it for a CSV file, all rows or none.  Both validate a
row with the same ``OfflineRules`` (built with one query per table, so a
5,000-row file costs no query per row to check) and write through
``comments.threads.services.comment_write``, the one place that builds a comment.

The comment's ``author`` is the staff member who entered it (the model needs
an account) and ``entered_by`` says so; the pages and exports show
"submitted by <name> (<organisation>), received <date> by <channel>, entered
by the secretariat" instead (``comments.threads.byline``).  Nobody is mailed a
receipt: the sender has no address here, the secretariat sends it back.

A comment may be entered after its round closed, if it was received before the
close (a letter posted in time): the round is the one open on the day it was
received.  A date in the future, or after the last round closed, is refused.
"""

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comments.attachments import services as attachment_files
from comments.models import Comment
from comments.threads.receipts import retry_on_collision
from comments.threads.services import comment_write, validate_body
from consult import permissions as consult_permissions
from consult.models import Consultation, Meeting, Question, Round, Section
from plenary.audit.models import Event
from plenary.audit.services import audit_record
from plenary.text import control_character, control_character_message

OFFLINE_CHANNELS = (
    Comment.Channel.EMAIL,
    Comment.Channel.LETTER,
    Comment.Channel.WORKSHOP,
    Comment.Channel.MEETING,
)
# A CSV row may also say "import" (or leave the channel blank): received in bulk.
IMPORT_CHANNELS = (*OFFLINE_CHANNELS, Comment.Channel.IMPORT)
IMPORT_COLUMNS = (
    "channel",
    "received_at",
    "submitter_name",
    "submitter_organisation",
    "section_key",
    "question",
    "body",
)
IMPORT_MAX_ROWS = 5000
IMPORT_MAX_BYTES = 5 * 1024 * 1024
NAME_MAX_CHARS = 200


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


class OfflineRules:
    """What a row is checked against, read once: the consultation's rounds, the
    sections of their drafts, their free-text questions and its meetings.

    The entry form reads its section and question choices from the same rules
    (comments/offline/views.py), so the form offers what the service accepts."""

    def __init__(self, consultation: Consultation):
        self.consultation = consultation
        self.rounds = list(
            Round.objects.filter(consultation=consultation).order_by("-opens_at", "-number")
        )
        versions = {r.document_version_id for r in self.rounds if r.document_version_id}
        self.sections: dict[tuple[int, str], Section] = {
            (s.version_id, s.key): s for s in Section.objects.filter(version_id__in=versions)
        }
        self.questions: dict[tuple[int, int], Question] = {
            (q.round_id, q.ordinal): q for q in Question.objects.filter(round__in=self.rounds)
        }
        self.today = timezone.localdate()

    def round_on(self, day: date) -> Round | None:
        """The round open on ``day`` (received then: in time, even if entered later)."""
        start, end = _day_bounds(day)
        for round_ in self.rounds:  # latest first
            if round_.opens_at < end and round_.closes_at > start:
                return round_
        return None

    def check(
        self,
        *,
        channel: str,
        received_on: date | None,
        submitter_name: str,
        submitter_organisation: str,
        body: str,
        section_key: str = "",
        question_ordinal: int | None = None,
        meeting: Meeting | None = None,
        channels=OFFLINE_CHANNELS,
    ) -> dict:
        """The comment's fields, or ValidationError naming every bad field."""
        errors: dict[str, str] = {}
        if channel not in channels:
            errors["channel"] = _("Unknown channel “%(channel)s”: use one of %(list)s.") % {
                "channel": channel,
                "list": ", ".join(channels),
            }
        round_ = None
        if received_on is None:
            errors["received_at"] = _("Give the date it was received (YYYY-MM-DD).")
        elif received_on > self.today:
            errors["received_at"] = _("The date received cannot be in the future.")
        else:
            round_ = self.round_on(received_on)
            if round_ is None:
                errors["received_at"] = _(
                    "No round of this consultation was open on %(date)s: input received "
                    "then cannot be entered."
                ) % {"date": received_on.isoformat()}
        name = (submitter_name or "").strip()
        organisation = (submitter_organisation or "").strip()
        if not name:
            errors["submitter_name"] = _("Give the name of the person who sent it.")
        elif len(name) > NAME_MAX_CHARS:
            errors["submitter_name"] = _("A name can be at most %(n)d characters long.") % {
                "n": NAME_MAX_CHARS
            }
        if len(organisation) > NAME_MAX_CHARS:
            errors["submitter_organisation"] = _(
                "An organisation can be at most %(n)d characters long."
            ) % {"n": NAME_MAX_CHARS}
        # A CSV file has no door (plenary/bodies.py): its names are checked here.
        for name_field, value in (
            ("submitter_name", name),
            ("submitter_organisation", organisation),
        ):
            character = control_character(value)
            if character is not None and name_field not in errors:
                errors[name_field] = control_character_message(character)
        try:
            validate_body(body)
        except ValidationError as exc:
            errors["body"] = exc.message_dict["body"][0]
        section = question = None
        if round_ is not None and section_key:
            section = self.sections.get((round_.document_version_id or 0, section_key))
            if section is None:
                errors["section_key"] = _("The draft of round %(n)d has no section “%(key)s”.") % {
                    "n": round_.number,
                    "key": section_key,
                }
        if round_ is not None and question_ordinal is not None:
            question = self.questions.get((round_.pk, question_ordinal))
            if question is None or question.kind != Question.Kind.FREE_TEXT:
                errors["question"] = _("Round %(n)d has no free-text question %(q)s.") % {
                    "n": round_.number,
                    "q": question_ordinal,
                }
            elif section is not None:
                errors["question"] = _("An answer to a question is not on a section.")
        if meeting is not None and meeting.consultation_id != self.consultation.pk:
            errors["meeting"] = _("This meeting belongs to another consultation.")
        if errors:
            raise ValidationError(errors)
        start, _end = _day_bounds(received_on)  # type: ignore[arg-type]
        return {
            "round_": round_,
            "section": section,
            "question": question,
            "channel": channel,
            "body": body,
            "offline": {
                "submitter_name": name,
                "submitter_organisation": organisation,
                "received_at": start,
                "meeting": meeting,
            },
        }


def _write(*, actor, consultation: Consultation, fields: dict) -> Comment:
    fields["offline"]["entered_by"] = actor
    return comment_write(
        consultation=consultation,
        author=actor,
        visibility=Comment.Visibility.PUBLIC,
        moderation=Comment.Moderation.VISIBLE,
        **fields,
    )


@retry_on_collision  # a taken receipt: run again with a new one (comments/threads/receipts.py)
@transaction.atomic
def comment_enter(
    *,
    actor,
    consultation: Consultation,
    channel: str,
    received_on: date | None,
    submitter_name: str,
    body: str,
    submitter_organisation: str = "",
    section_key: str = "",
    question_ordinal: int | None = None,
    meeting: Meeting | None = None,
    attachments=(),
) -> Comment:
    """Record a comment received by email, letter, at a workshop or meeting.

    ``attachments`` (the position paper that came with the letter, say) are
    checked like a participant's (comments/attachments/services.py) before anything is
    written: one refused file refuses the whole entry.

    The secretariat only (``run_consultation``).  Refuses (ValidationError
    naming the field) an unknown channel, a date in the future or on which no
    round was open, a missing name, a section or question the round's draft
    does not have, and a body a comment could not hold.
    """
    consult_permissions.require_can_run(actor, consultation)
    fields = OfflineRules(consultation).check(
        channel=channel,
        received_on=received_on,
        submitter_name=submitter_name,
        submitter_organisation=submitter_organisation,
        body=body,
        section_key=section_key,
        question_ordinal=question_ordinal,
        meeting=meeting,
    )
    checked_files = attachment_files.attachments_check(attachments)  # writes nothing
    comment = _write(actor=actor, consultation=consultation, fields=fields)
    attachment_files.attachments_store(actor=actor, comment=comment, checked=checked_files)
    audit_record(
        event=Event.COMMENTS_ENTERED,
        actor=actor,
        consultation=consultation,
        target=comment.receipt,
        channel=comment.channel,
        count=1,
    )
    return comment


# --- CSV import ---------------------------------------------------------------------


@dataclass
class ImportRow:
    line: int
    values: dict
    fields: dict | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportPreview:
    """A parsed file: every row, accepted or rejected (with its reasons), and the
    file's SHA-256, which the confirmation must name."""

    sha256: str
    rows: list[ImportRow] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> list[ImportRow]:
        return [row for row in self.rows if row.errors]

    @property
    def accepted(self) -> list[ImportRow]:
        return [row for row in self.rows if not row.errors]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.file_errors and not self.rejected


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValidationError(
            _(
                "The file is not UTF-8 text (line %(line)d, byte %(byte)d): save it as "
                "“CSV UTF-8” and upload it again."
            )
            % {"line": line, "byte": exc.start + 1}
        ) from exc


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def comments_import_preview(*, actor, consultation: Consultation, data: bytes) -> ImportPreview:
    """Check every row of the CSV file; write nothing.

    File-level problems (too big, not UTF-8, not CSV, a missing column, too
    many rows, no rows) are in ``file_errors``; each row's problems in its
    ``errors``, with the line number of the file it came from.
    """
    consult_permissions.require_can_run(actor, consultation)
    preview = ImportPreview(sha256=hashlib.sha256(data).hexdigest())
    if len(data) > IMPORT_MAX_BYTES:
        preview.file_errors.append(
            _("The file is larger than %(mb)d MB: split it.")
            % {"mb": IMPORT_MAX_BYTES // (1024 * 1024)}
        )
        return preview
    try:
        text = _decode(data)
    except ValidationError as exc:
        preview.file_errors.extend(exc.messages)
        return preview
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in (reader.fieldnames or [])]
    except csv.Error as exc:
        preview.file_errors.append(_("The file is not valid CSV: %(error)s") % {"error": exc})
        return preview
    missing = [column for column in IMPORT_COLUMNS if column not in header]
    if missing:
        preview.file_errors.append(
            _("Missing column(s): %(columns)s. The first line must name: %(all)s.")
            % {"columns": ", ".join(missing), "all": ", ".join(IMPORT_COLUMNS)}
        )
        return preview
    reader.fieldnames = header
    rules = OfflineRules(consultation)
    try:
        for raw in reader:
            if len(preview.rows) >= IMPORT_MAX_ROWS:
                preview.file_errors.append(
                    _("The file has more than %(n)d rows: split it.") % {"n": IMPORT_MAX_ROWS}
                )
                break
            row = ImportRow(line=reader.line_num, values={k: raw.get(k) for k in IMPORT_COLUMNS})
            preview.rows.append(row)
            _check_row(rules, row, extra=raw.get(None))
    except csv.Error as exc:
        preview.file_errors.append(
            _("Line %(line)d is not valid CSV: %(error)s") % {"line": reader.line_num, "error": exc}
        )
    if not preview.rows and not preview.file_errors:
        preview.file_errors.append(_("The file has no rows under its header."))
    return preview


def _check_row(rules: OfflineRules, row: ImportRow, *, extra) -> None:
    values = {k: (v or "") for k, v in row.values.items()}
    if any(v is None for v in row.values.values()):
        row.errors.append(_("The row has fewer cells than the header."))
        return
    if extra:
        row.errors.append(_("The row has more cells than the header."))
        return
    received_on = _parse_date(values["received_at"]) if values["received_at"].strip() else None
    question_ordinal = None
    if values["question"].strip():
        try:
            question_ordinal = int(values["question"].strip())
        except ValueError:
            row.errors.append(_("question: give the question's number, e.g. 2."))
    if values["received_at"].strip() and received_on is None:
        row.errors.append(
            _("received_at: “%(value)s” is not a date (YYYY-MM-DD).")
            % {"value": values["received_at"]}
        )
    try:
        row.fields = rules.check(
            channel=values["channel"].strip().lower() or Comment.Channel.IMPORT,
            received_on=received_on,
            submitter_name=values["submitter_name"],
            submitter_organisation=values["submitter_organisation"],
            body=values["body"],
            section_key=values["section_key"].strip(),
            question_ordinal=question_ordinal,
            channels=IMPORT_CHANNELS,
        )
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            if name == "received_at" and received_on is None and row.errors:
                continue  # already said: not a date
            row.errors.extend(f"{name}: {message}" for message in messages)
    if row.errors:
        row.fields = None


@retry_on_collision
@transaction.atomic
def comments_import(
    *, actor, consultation: Consultation, data: bytes, sha256: str
) -> list[Comment]:
    """Write every row of the CSV file as a comment, or none.

    The file is checked again (it is the one previewed if its SHA-256 is
    ``sha256``); any rejected row refuses the whole file (ValidationError
    listing them).  One transaction: a failure half-way writes nothing.
    """
    preview = comments_import_preview(actor=actor, consultation=consultation, data=data)
    if preview.sha256 != sha256:
        raise ValidationError(
            {"file": _("This is not the file you previewed: preview it again before importing.")}
        )
    if not preview.ok:
        problems = list(preview.file_errors) + [
            _("line %(line)d: %(errors)s") % {"line": row.line, "errors": "; ".join(row.errors)}
            for row in preview.rejected
        ]
        raise ValidationError({"file": problems})
    comments = [
        _write(actor=actor, consultation=consultation, fields=row.fields or {})
        for row in preview.rows
    ]
    audit_record(
        event=Event.COMMENTS_ENTERED,
        actor=actor,
        consultation=consultation,
        target=f"CSV {sha256[:12]}",
        channel="import",
        count=len(comments),
    )
    return comments
