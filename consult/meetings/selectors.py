"""Reads of meetings: a consultation's meetings, the input entered from one, and the calendar files.

The calendar files (``meeting_ics``, ``meetings_ics``) carry the times with a
``TZID`` and the zone's ``VTIMEZONE``, so a calendar in another zone shows
the right hour, also across daylight-saving changes.  The writes are
``consult.meetings.services``.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from consult.models import Consultation, Meeting


def meetings_of(*, consultation: Consultation) -> QuerySet[Meeting]:
    """The consultation's meetings in date order, their groups prefetched (two queries)."""
    return (
        Meeting.objects.filter(consultation=consultation)
        .prefetch_related("groups")
        .order_by("starts_at", "pk")
    )


def meeting_url(meeting: Meeting) -> str:
    return settings.SITE_URL + reverse("meeting", args=[meeting.consultation.slug, meeting.pk])


def _uid(meeting: Meeting) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "plenary.invalid"
    return f"meeting-{meeting.pk}@{host}"


def _event(meeting: Meeting) -> icalendar.Event:
    zone = zoneinfo.ZoneInfo(meeting.timezone)
    url = meeting_url(meeting)
    event = icalendar.Event()
    event.add("uid", _uid(meeting))
    event.add("dtstamp", meeting.created_at or timezone.now())
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    event.add("dtend", meeting.ends_at.astimezone(zone))
    event.add("summary", f"{meeting.consultation.title}: {meeting.title}")
    description = "\n\n".join(part for part in (meeting.description, url) if part)
    event.add("description", description)
    location = ", ".join(part for part in (meeting.place, meeting.link) if part)
    if location:
        event.add("location", location)
    event.add("url", url)
    return event


def _calendar(events: Iterable[icalendar.Event], *, name: str) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Plenary//Meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def meeting_ics(*, meeting: Meeting) -> bytes:
    """One meeting as an iCalendar file (RFC 5545), with its zone's VTIMEZONE."""
    return _calendar([_event(meeting)], name=meeting.consultation.title)


def meetings_ics(*, consultation: Consultation) -> bytes:
    """Every meeting of ``consultation`` in one calendar (a feed to subscribe to)."""
    meetings = Meeting.objects.filter(consultation=consultation).order_by("starts_at", "pk")
    for meeting in meetings:
        meeting.consultation = consultation  # no query per meeting for the title and slug
    return _calendar((_event(meeting) for meeting in meetings), name=consultation.title)
