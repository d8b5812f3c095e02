"""Meetings (issue 10): announcing, the rules each refusal names, the page in two time
zones, the summary, the input entered from a meeting, the calendar files, the API."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from comments.models import Comment
from comments.threads import services as comment_services
from consult.meetings import services as meetings
from consult.models import Meeting
from tests.stakeholders.factories import group

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
SAO_PAULO = zoneinfo.ZoneInfo("America/Sao_Paulo")


def announce(secretariat, consultation, **overrides) -> Meeting:
    values = {
        "title": "Regional meeting, Nairobi",
        "kind": Meeting.Kind.HYBRID,
        "starts_at": datetime(2026, 7, 1, 10, 0, tzinfo=PARIS),
        "ends_at": datetime(2026, 7, 1, 12, 30, tzinfo=PARIS),
        "timezone": "Europe/Paris",
        "place": "Salle 3, 20 avenue de Ségur",
        "link": "https://meet.example.org/regional",
        "language": "fr",
        "groups": [group("civil-society")],
        "description": "Open to everyone.",
    }
    values.update(overrides)
    return meetings.meeting_create(actor=secretariat, consultation=consultation, **values)


def form_data(**overrides) -> dict:
    data = {
        "title": "Workshop in São Paulo",
        "kind": "in_person",
        "starts_at": "2026-03-28T10:00",
        "ends_at": "2026-03-28T13:00",
        "timezone": "America/Sao_Paulo",
        "place": "Av. Paulista 1000",
        "link": "",
        "language": "pt-BR",
        "description": "Bring your notes.",
    }
    data.update(overrides)
    return data


# --- announcing, and each refusal ----------------------------------------------------------


def test_secretariat_can_announce_a_meeting_with_wall_clock_times_in_its_zone(
    client, secretariat, consultation
):
    client.force_login(secretariat)
    civil = group("civil-society")
    response = client.post(
        reverse("staff_meeting_new", args=[consultation.slug]),
        form_data(groups=[civil.pk]),
    )
    meeting = Meeting.objects.get(consultation=consultation)
    assert response.status_code == 302
    assert response["Location"] == reverse("meeting", args=[consultation.slug, meeting.pk])
    # 10:00 in São Paulo (UTC-3) is 13:00 UTC, whatever zone the server or viewer is in.
    assert meeting.starts_at == datetime(2026, 3, 28, 13, 0, tzinfo=UTC)
    assert meeting.ends_at == datetime(2026, 3, 28, 16, 0, tzinfo=UTC)
    assert list(meeting.groups.all()) == [civil]
    assert meeting.created_by == secretariat


REFUSALS = [
    ({"title": "  "}, "title"),
    ({"kind": "telepathy"}, "kind"),
    (
        {
            "starts_at": datetime(2026, 7, 1, 12, 0, tzinfo=PARIS),
            "ends_at": datetime(2026, 7, 1, 11, 0, tzinfo=PARIS),
        },
        "ends_at",
    ),
    (
        {
            "starts_at": datetime(2026, 7, 1, 12, 0, tzinfo=PARIS),
            "ends_at": datetime(2026, 7, 1, 12, 0, tzinfo=PARIS),
        },
        "ends_at",
    ),
    ({"starts_at": None}, "starts_at"),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({"timezone": "CEST"}, "timezone"),
    ({"kind": Meeting.Kind.ONLINE, "link": ""}, "link"),
    ({"kind": Meeting.Kind.HYBRID, "link": ""}, "link"),
    ({"kind": Meeting.Kind.IN_PERSON, "place": ""}, "place"),
    ({"kind": Meeting.Kind.HYBRID, "place": "   "}, "place"),
    ({"link": "javascript:alert(1)"}, "link"),
    ({"link": "ftp://files.example.org/meeting"}, "link"),
    ({"link": "https://"}, "link"),
    ({"language": "English"}, "language"),
    ({"language": "<b>"}, "language"),
    ({"groups": [999_999]}, "groups"),
]


@pytest.mark.parametrize(("overrides", "field"), REFUSALS)
def test_secretariat_cannot_announce_a_meeting_that_breaks_a_rule(
    secretariat, consultation, overrides, field
):
    with pytest.raises(ValidationError) as refused:
        announce(secretariat, consultation, **overrides)
    assert field in refused.value.message_dict, refused.value.message_dict
    assert not Meeting.objects.exists()


def test_an_online_meeting_needs_no_place_and_an_in_person_one_no_link(secretariat, consultation):
    online = announce(secretariat, consultation, kind=Meeting.Kind.ONLINE, place="")
    in_person = announce(secretariat, consultation, kind=Meeting.Kind.IN_PERSON, link="")
    assert (online.place, in_person.link) == ("", "")
    assert announce(secretariat, consultation, language="sw").language == "sw"


def test_a_refused_form_keeps_what_was_typed_and_writes_nothing(client, secretariat, consultation):
    client.force_login(secretariat)
    response = client.post(
        reverse("staff_meeting_new", args=[consultation.slug]),
        form_data(ends_at="2026-03-28T09:00", description="Notes kept verbatim"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "The meeting must end after it starts." in html
    assert "Notes kept verbatim" in html and "Av. Paulista 1000" in html
    assert not Meeting.objects.exists()


def test_stakeholder_cannot_announce_or_edit_a_meeting(
    client, secretariat, consultation, stakeholder, moderator
):
    meeting = announce(secretariat, consultation)
    for user in (stakeholder, moderator):
        with pytest.raises(PermissionDenied):
            announce(user, consultation)
        client.force_login(user)
        for name, args in (
            ("staff_meeting_new", [consultation.slug]),
            ("staff_meeting_edit", [consultation.slug, meeting.pk]),
            ("staff_meeting_cancel", [consultation.slug, meeting.pk]),
            ("staff_meeting_summary", [consultation.slug, meeting.pk]),
        ):
            assert client.post(reverse(name, args=args), form_data()).status_code == 403
    assert Meeting.objects.count() == 1
    assert Meeting.objects.get().title == "Regional meeting, Nairobi"


def test_secretariat_can_edit_a_meeting_and_the_form_shows_its_local_times(
    client, secretariat, consultation
):
    meeting = announce(secretariat, consultation)
    client.force_login(secretariat)
    url = reverse("staff_meeting_edit", args=[consultation.slug, meeting.pk])
    assert 'value="2026-07-01T10:00"' in client.get(url).content.decode()
    response = client.post(
        url,
        form_data(
            kind="online", link="https://meet.example.org/x", place="", timezone="Europe/Paris"
        ),
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.kind == "online"
    # 28 March 2026 is before the European clock change (29 March): CET, UTC+1.
    assert meeting.starts_at == datetime(2026, 3, 28, 9, 0, tzinfo=UTC)


# --- cancelling -----------------------------------------------------------------------------


def meeting_comment(*, author, consultation, meeting, body, **fields) -> Comment:
    """A comment as helper pages enter it from a meeting (channel and meeting set)."""
    comment = comment_services.comment_create(
        actor=author, consultation=consultation, section_key="2-scope-1", body=body
    )
    Comment.objects.filter(pk=comment.pk).update(
        channel=Comment.Channel.MEETING, meeting=meeting, **fields
    )
    comment.refresh_from_db()
    return comment


def test_secretariat_can_cancel_a_meeting_without_input(client, secretariat, consultation):
    meeting = announce(secretariat, consultation)
    client.force_login(secretariat)
    url = reverse("staff_meeting_cancel", args=[consultation.slug, meeting.pk])
    assert client.get(url).status_code == 200
    assert Meeting.objects.exists()  # a GET changes nothing
    response = client.post(url)
    assert response.status_code == 302
    assert not Meeting.objects.exists()


def test_a_meeting_with_input_cannot_be_cancelled(client, secretariat, consultation, stakeholder):
    meeting = announce(secretariat, consultation)
    meeting_comment(
        author=stakeholder, consultation=consultation, meeting=meeting, body="From the room."
    )
    with pytest.raises(ValidationError):
        meetings.meeting_cancel(actor=secretariat, meeting=meeting)
    client.force_login(secretariat)
    response = client.post(reverse("staff_meeting_cancel", args=[consultation.slug, meeting.pk]))
    assert response.status_code == 400
    assert "cannot be cancelled" in response.content.decode()
    assert Meeting.objects.filter(pk=meeting.pk).exists()


# --- the page ------------------------------------------------------------------------------


def test_meeting_page_shows_the_time_in_the_meeting_zone_and_the_viewer_zone(
    client, secretariat, consultation
):
    meeting = announce(secretariat, consultation)
    url = reverse("meeting", args=[consultation.slug, meeting.pk])
    page = client.get(url).content.decode()
    assert reverse("meeting_ics", args=[consultation.slug, meeting.pk]) in page
    html = strip_tags(page)
    assert "Wednesday 1 July 2026, 10:00 \u2013 12:30 Europe/Paris (CEST)" in html
    # The viewer's zone, the site's (UTC) until they choose one: 10:00 CEST is 08:00 UTC.
    assert "Wednesday 1 July 2026, 08:00 \u2013 10:30 UTC" in html
    assert "Salle 3, 20 avenue de Ségur" in html and "https://meet.example.org/regional" in html
    assert group("civil-society").name in html

    client.cookies["tz"] = (
        "America/Sao_Paulo"  # the viewer's choice (stakeholders.accounts.timezone)
    )
    html = strip_tags(client.get(url).content.decode())
    assert "Wednesday 1 July 2026, 10:00 \u2013 12:30 Europe/Paris (CEST)" in html
    assert "Wednesday 1 July 2026, 05:00 \u2013 07:30 America/Sao_Paulo" in html


def test_meeting_page_lists_the_public_input_entered_from_it_with_its_channel(
    client, secretariat, consultation, stakeholder, other_stakeholder
):
    meeting = announce(secretariat, consultation)
    other = announce(secretariat, consultation, title="Another meeting")
    meeting_comment(
        author=stakeholder, consultation=consultation, meeting=meeting, body="Heard in the room."
    )
    meeting_comment(
        author=other_stakeholder,
        consultation=consultation,
        meeting=meeting,
        body="Said in confidence.",
        visibility=Comment.Visibility.PRIVATE,
    )
    meeting_comment(
        author=other_stakeholder, consultation=consultation, meeting=other, body="Elsewhere."
    )
    comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="2-scope-1", body="On the web."
    )
    html = client.get(reverse("meeting", args=[consultation.slug, meeting.pk])).content.decode()
    assert "Heard in the room." in html
    assert "channel: meeting" in html
    for absent in ("Said in confidence.", "Elsewhere.", "On the web."):
        assert absent not in html


def test_consultation_page_lists_its_meetings(client, secretariat, consultation):
    meeting = announce(secretariat, consultation)
    html = client.get(reverse("consultation", args=[consultation.slug])).content.decode()
    assert reverse("meeting", args=[consultation.slug, meeting.pk]) in html
    assert reverse("meetings_ics", args=[consultation.slug]) in html
    assert "Regional meeting, Nairobi" in html


@pytest.mark.parametrize("count", [1, 8])
def test_consultation_page_queries_do_not_grow_with_meetings(
    client, secretariat, consultation, count, django_assert_max_num_queries
):
    for n in range(count):
        announce(secretariat, consultation, title=f"Meeting {n}")
    client.get(reverse("consultation", args=[consultation.slug]))
    with django_assert_max_num_queries(40) as captured:
        response = client.get(reverse("consultation", args=[consultation.slug]))
    assert response.content.decode().count("Meeting ") >= count
    meeting_queries = [q for q in captured.captured_queries if "consult_meeting" in q["sql"]]
    assert len(meeting_queries) == 2  # the meetings, their groups


def test_anonymous_cannot_see_a_meeting_of_an_unpublished_consultation(client, secretariat):
    from consult.consultations import services as consult_services

    hidden = consult_services.consultation_create(
        actor=secretariat, title="In preparation", summary="Not yet."
    )
    meeting = announce(secretariat, hidden)
    for url in (
        reverse("meeting", args=[hidden.slug, meeting.pk]),
        reverse("meeting_ics", args=[hidden.slug, meeting.pk]),
        reverse("meetings_ics", args=[hidden.slug]),
    ):
        assert client.get(url).status_code == 403


# --- the summary ---------------------------------------------------------------------------


def test_secretariat_publishes_the_summary_after_the_meeting(client, secretariat, consultation):
    meeting = announce(secretariat, consultation)
    client.force_login(secretariat)
    url = reverse("staff_meeting_summary", args=[consultation.slug, meeting.pk])
    summary = "## What we heard\n\n*Open* licences.<script>alert(1)</script>"
    with time_machine.travel(datetime(2026, 6, 30, tzinfo=UTC), tick=False):
        response = client.post(url, {"summary": summary})
    assert response.status_code == 200
    assert "has not taken place yet" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.summary_published_at is None

    with time_machine.travel(datetime(2026, 7, 2, tzinfo=UTC), tick=False):
        response = client.post(url, {"summary": summary})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.summary == summary.strip()
    assert "<em>Open</em>" in meeting.summary_html
    assert "<script" not in meeting.summary_html
    html = client.get(reverse("meeting", args=[consultation.slug, meeting.pk])).content.decode()
    assert "<h2>What we heard</h2>" in html and "<script>alert" not in html


def test_an_empty_summary_is_refused(secretariat, consultation):
    meeting = announce(
        secretariat,
        consultation,
        starts_at=timezone.now() - timedelta(hours=3),
        ends_at=timezone.now() - timedelta(hours=1),
    )
    with pytest.raises(ValidationError) as refused:
        meetings.meeting_summary_publish(actor=secretariat, meeting=meeting, summary="  ")
    assert "summary" in refused.value.message_dict


# --- calendar files ------------------------------------------------------------------------


def parse(response) -> icalendar.Calendar:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def test_ics_of_a_meeting_has_its_zone_uid_place_and_page(client, secretariat, consultation):
    meeting = announce(
        secretariat,
        consultation,
        kind=Meeting.Kind.IN_PERSON,
        link="",
        starts_at=datetime(2026, 3, 28, 10, 0),  # noqa: DTZ001  # naive: wall-clock time in the zone
        ends_at=datetime(2026, 3, 28, 13, 0),  # noqa: DTZ001
        timezone="America/Sao_Paulo",
        place="Av. Paulista 1000",
    )
    url = reverse("meeting_ics", args=[consultation.slug, meeting.pk])
    calendar = parse(client.get(url))
    (event,) = calendar.walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == "America/Sao_Paulo"
    assert event.decoded("DTSTART") == datetime(2026, 3, 28, 10, 0, tzinfo=SAO_PAULO)
    assert event.decoded("DTSTART").astimezone(UTC) == datetime(2026, 3, 28, 13, 0, tzinfo=UTC)
    assert event.decoded("DTEND").astimezone(UTC) == datetime(2026, 3, 28, 16, 0, tzinfo=UTC)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["America/Sao_Paulo"]
    page = settings.SITE_URL + reverse("meeting", args=[consultation.slug, meeting.pk])
    assert str(event["URL"]) == page
    assert page in str(event["DESCRIPTION"])
    assert str(event["LOCATION"]) == "Av. Paulista 1000"
    assert str(event["SUMMARY"]) == f"{consultation.title}: Regional meeting, Nairobi"
    uid = str(event["UID"])
    assert uid.startswith(f"meeting-{meeting.pk}@")
    again = parse(client.get(url)).walk("VEVENT")[0]
    assert str(again["UID"]) == uid  # stable: a calendar updates the event instead of adding one


def test_ics_feed_keeps_local_hours_across_the_daylight_saving_change(
    client, secretariat, consultation
):
    # Europe/Paris moves from UTC+1 to UTC+2 on 29 March 2026.
    before = announce(
        secretariat,
        consultation,
        title="Before the change",
        starts_at=datetime(2026, 3, 28, 10, 0),  # noqa: DTZ001
        ends_at=datetime(2026, 3, 28, 11, 0),  # noqa: DTZ001
    )
    after = announce(
        secretariat,
        consultation,
        title="After the change",
        starts_at=datetime(2026, 3, 30, 10, 0),  # noqa: DTZ001
        ends_at=datetime(2026, 3, 30, 11, 0),  # noqa: DTZ001
        link="",
        kind=Meeting.Kind.IN_PERSON,
    )
    calendar = parse(client.get(reverse("meetings_ics", args=[consultation.slug])))
    events = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    assert len(events) == 2
    first = next(e for uid, e in events.items() if uid.startswith(f"meeting-{before.pk}@"))
    second = next(e for uid, e in events.items() if uid.startswith(f"meeting-{after.pk}@"))
    for event in (first, second):
        assert event["DTSTART"].params["TZID"] == "Europe/Paris"
        assert event.decoded("DTSTART").hour == 10  # the same local hour ...
    # ... but a different UTC hour.
    assert first.decoded("DTSTART").astimezone(UTC).hour == 9
    assert second.decoded("DTSTART").astimezone(UTC).hour == 8
    assert (
        str(first["LOCATION"]) == "Salle 3, 20 avenue de Ségur, https://meet.example.org/regional"
    )
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    # The VTIMEZONE carries both offsets, so any client converts correctly.
    offsets = {sub.decoded("TZOFFSETTO") for sub in calendar.walk("VTIMEZONE")[0].subcomponents}
    assert {timedelta(hours=1), timedelta(hours=2)} <= offsets


# --- the API -------------------------------------------------------------------------------


def test_api_lists_meetings_with_their_zone_and_links(client, secretariat, consultation):
    meeting = announce(secretariat, consultation)
    body = client.get(reverse("api-meetings", args=[consultation.slug])).json()
    (row,) = body["results"]
    assert row["id"] == meeting.pk
    assert row["timezone"] == "Europe/Paris"
    assert row["starts_at"] == "2026-07-01T08:00:00Z"
    assert row["groups"] == ["civil-society"]
    assert row["summary_html"] is None
    assert row["ics"].endswith(reverse("meeting_ics", args=[consultation.slug, meeting.pk]))


@pytest.mark.parametrize("count", [2, 12])
def test_api_meeting_list_queries_do_not_grow(
    client, secretariat, consultation, count, django_assert_num_queries
):
    for n in range(count):
        announce(secretariat, consultation, title=f"Meeting {n}")
    url = reverse("api-meetings", args=[consultation.slug])
    client.get(url)
    # The count, the page of meetings, their groups; the consultation and its
    # rounds come from the read cache the first request filled
    # (plenary/readcache.py): 5 before issue 20.
    with django_assert_num_queries(3):
        response = client.get(url)
    assert response.json()["count"] == count


def test_secretariat_sees_the_meeting_list_and_the_link_to_enter_its_input(
    client, secretariat, consultation, stakeholder
):
    meeting = announce(secretariat, consultation)
    entry = reverse("staff_comment_enter", args=[consultation.slug])
    link = f"{entry}?channel=meeting&amp;meeting={meeting.pk}"
    client.force_login(secretariat)
    assert (
        link
        in client.get(reverse("meeting", args=[consultation.slug, meeting.pk])).content.decode()
    )
    listing = client.get(reverse("staff_meetings", args=[consultation.slug])).content.decode()
    assert link in listing and "Regional meeting, Nairobi" in listing
    client.force_login(stakeholder)
    assert (
        link
        not in client.get(reverse("meeting", args=[consultation.slug, meeting.pk])).content.decode()
    )
    assert client.get(reverse("staff_meetings", args=[consultation.slug])).status_code == 403
