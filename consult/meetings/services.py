"""Meetings of a consultation: the services (writes).

A meeting (online, in person or both) is announced on the consultation page
and at ``/c/<slug>/meetings/<id>/``; after it, the secretariat publishes a
summary (``meeting_summary_publish``) and the input gathered there is entered
as comments with ``channel=meeting`` and ``meeting`` set (helper pages in
``comments``), so it joins the ledger like any other comment.

Times are stored in UTC; ``Meeting.timezone`` is the IANA zone the meeting
is held in.  The services accept naive datetimes and read them as wall-clock
times in that zone (what a form sends), or aware ones (what code sends).
The reads and the calendar files are ``consult.meetings.selectors``.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comments.models import Comment
from consult import permissions
from consult.models import Consultation, Meeting
from consult.translations import languages
from plenary.audit.models import Event
from plenary.audit.services import audit_record
from plenary.text import render_markdown
from stakeholders.accounts import timezone as tz
from stakeholders.models import StakeholderGroup

TITLE_MAX = 200
DESCRIPTION_MAX = 20_000
SUMMARY_MAX = 50_000


def _aware(value: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    if timezone.is_naive(value):
        return value.replace(tzinfo=zone)
    return value


def _clean(
    *,
    title: str,
    kind: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    time_zone: str,
    place: str,
    link: str,
    language: str,
    description: str,
) -> dict:
    """Every rule a meeting must keep; one ValidationError naming each bad field."""
    errors: dict[str, str] = {}
    title = (title or "").strip()
    place = (place or "").strip()
    link = (link or "").strip()
    language = (language or "").strip()
    description = (description or "").strip()
    if not title:
        errors["title"] = _("Give the meeting a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("Keep the title under %(n)d characters.") % {"n": TITLE_MAX}
    if kind not in Meeting.Kind.values:
        errors["kind"] = _("Choose online, in person, or both.")
    zone = None
    if not tz.is_zone(time_zone):
        errors["timezone"] = _("Choose a time zone from the list (for example Europe/Paris).")
    else:
        zone = zoneinfo.ZoneInfo(time_zone)
    if starts_at is None:
        errors["starts_at"] = _("Say when the meeting starts.")
    if ends_at is None:
        errors["ends_at"] = _("Say when the meeting ends.")
    if zone is not None and starts_at is not None and ends_at is not None:
        starts_at, ends_at = _aware(starts_at, zone), _aware(ends_at, zone)
        if ends_at <= starts_at:
            errors["ends_at"] = _("The meeting must end after it starts.")
    online = kind in (Meeting.Kind.ONLINE, Meeting.Kind.HYBRID)
    in_person = kind in (Meeting.Kind.IN_PERSON, Meeting.Kind.HYBRID)
    if link:
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            errors["link"] = _("The link must be a web address starting with https:// or http://.")
        elif len(link) > 200:
            errors["link"] = _("Keep the link under 200 characters.")
    elif online:
        errors["link"] = _("An online meeting needs a link to join it.")
    if in_person and not place:
        errors["place"] = _("A meeting in person needs a place.")
    elif len(place) > 300:
        errors["place"] = _("Keep the place under 300 characters.")
    # A site language, or a BCP 47 tag short enough for the field: "sw", "pt-BR", "yue".
    if language not in languages.interface_codes() and not languages.LANGUAGE_TAG.fullmatch(
        language
    ):
        errors["language"] = _("Give the language as a code such as en, fr, sw or pt-BR.")
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = _("Keep the description under %(n)d characters.") % {
            "n": DESCRIPTION_MAX
        }
    if errors:
        raise ValidationError(errors)
    return {
        "title": title,
        "kind": kind,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "timezone": time_zone,
        "place": place,
        "link": link,
        "language": language,
        "description": description,
    }


def _groups(groups: Iterable) -> list[StakeholderGroup]:
    ids = [getattr(group, "pk", group) for group in groups or ()]
    found = list(StakeholderGroup.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError({"groups": _("Choose stakeholder groups from the list.")})
    return found


@transaction.atomic
def meeting_create(
    *,
    actor,
    consultation: Consultation,
    title: str,
    kind: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    timezone: str = "UTC",
    place: str = "",
    link: str = "",
    language: str = "en",
    groups: Iterable = (),
    description: str = "",
) -> Meeting:
    """Announce a meeting (the secretariat).  Naive times are read in ``timezone``."""
    permissions.require_can_run(actor, consultation)
    values = _clean(
        title=title,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=timezone,
        place=place,
        link=link,
        language=language,
        description=description,
    )
    chosen = _groups(groups)
    meeting = Meeting(consultation=consultation, created_by=actor, **values)
    meeting.full_clean()
    meeting.save()
    meeting.groups.set(chosen)
    _audit(actor=actor, meeting=meeting, action="created")
    return meeting


def _audit(*, actor, meeting: Meeting, action: str) -> None:
    audit_record(
        event=Event.MEETING_CHANGED,
        actor=actor,
        consultation=meeting.consultation_id,
        target=meeting.title,
        action=action,
        meeting=meeting.pk,
    )


@transaction.atomic
def meeting_update(
    *,
    actor,
    meeting: Meeting,
    title: str,
    kind: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    timezone: str = "UTC",
    place: str = "",
    link: str = "",
    language: str = "en",
    groups: Iterable = (),
    description: str = "",
) -> Meeting:
    """Change a meeting's details (same rules as ``meeting_create``)."""
    permissions.require_can_run(actor, meeting.consultation)
    values = _clean(
        title=title,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=timezone,
        place=place,
        link=link,
        language=language,
        description=description,
    )
    chosen = _groups(groups)
    for field, value in values.items():
        setattr(meeting, field, value)
    meeting.full_clean()
    meeting.save()
    meeting.groups.set(chosen)
    _audit(actor=actor, meeting=meeting, action="changed")
    return meeting


@transaction.atomic
def meeting_cancel(*, actor, meeting: Meeting) -> None:
    """Remove a meeting, only while no comment was entered from it (they keep their meeting)."""
    permissions.require_can_run(actor, meeting.consultation)
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if Comment.objects.filter(meeting=locked).exists():
        raise ValidationError(
            {
                "meeting": _(
                    "Comments were entered from this meeting, so it stays on record "
                    "and cannot be cancelled."
                )
            }
        )
    _audit(actor=actor, meeting=locked, action="cancelled")
    locked.delete()


@transaction.atomic
def meeting_summary_publish(*, actor, meeting: Meeting, summary: str, now=None) -> Meeting:
    """Publish (or correct) the summary of a meeting that has taken place (Markdown)."""
    permissions.require_can_run(actor, meeting.consultation)
    now = now or timezone.now()
    summary = (summary or "").strip()
    if meeting.starts_at > now:
        raise ValidationError(
            {"summary": _("The meeting has not taken place yet: publish its summary afterwards.")}
        )
    if not summary:
        raise ValidationError({"summary": _("Write the summary before publishing it.")})
    if len(summary) > SUMMARY_MAX:
        raise ValidationError(
            {"summary": _("Keep the summary under %(n)d characters.") % {"n": SUMMARY_MAX}}
        )
    meeting.summary = summary
    meeting.summary_html = render_markdown(summary)
    meeting.summary_published_at = meeting.summary_published_at or now
    meeting.save(update_fields=["summary", "summary_html", "summary_published_at"])
    _audit(actor=actor, meeting=meeting, action="summary published")
    return meeting
