"""Forms for the secretariat's meeting pages.  The rules are in ``consult.meetings.services``."""

import zoneinfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consult.models import Meeting
from stakeholders.accounts import timezone as tz
from stakeholders.models import StakeholderGroup

_DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class WallClockDateTimeField(forms.DateTimeField):
    """A date and time as typed, *without* a zone: the service reads it in the meeting's zone.

    Django's field would make it aware in the viewer's zone; the meeting's own
    zone is another field of the same form, so the conversion waits for it.
    """

    def to_python(self, value):
        result = super().to_python(value)
        if result is not None and timezone.is_aware(result):
            result = timezone.make_naive(result)
        return result


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Meeting.Kind.choices)
    starts_at = WallClockDateTimeField(
        label=_("Starts at"),
        help_text=_("Local time where the meeting is held (the time zone below)."),
        widget=_DATETIME_WIDGET,
    )
    ends_at = WallClockDateTimeField(label=_("Ends at"), widget=_DATETIME_WIDGET)
    timezone = forms.ChoiceField(label=_("Time zone"), initial="UTC")
    place = forms.CharField(
        label=_("Place"),
        required=False,
        max_length=300,
        help_text=_("Address or venue; required for a meeting in person."),
    )
    link = forms.CharField(
        label=_("Link"),
        required=False,
        max_length=200,
        help_text=_("Where to join online (https://…); required for an online meeting."),
    )
    language = forms.CharField(
        label=_("Language"),
        max_length=8,
        initial="en",
        help_text=_("A language code such as en, fr, sw or pt-BR."),
    )
    groups = forms.ModelMultipleChoiceField(
        label=_("Stakeholder groups targeted"),
        queryset=StakeholderGroup.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = [(name, name) for name in tz.zone_names()]

    @classmethod
    def initial_for(cls, meeting: Meeting) -> dict:
        """The form's values for an existing meeting, its times shown in its own zone."""
        zone = zoneinfo.ZoneInfo(meeting.timezone)
        return {
            "title": meeting.title,
            "kind": meeting.kind,
            "starts_at": meeting.starts_at.astimezone(zone).replace(tzinfo=None),
            "ends_at": meeting.ends_at.astimezone(zone).replace(tzinfo=None),
            "timezone": meeting.timezone,
            "place": meeting.place,
            "link": meeting.link,
            "language": meeting.language,
            "groups": list(meeting.groups.all()),
            "description": meeting.description,
        }


class MeetingSummaryForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Markdown. Published on the meeting's page."),
    )
