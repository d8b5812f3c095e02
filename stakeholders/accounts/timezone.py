"""The viewer's time zone: dates are stored in UTC and shown in the zone the viewer chose.

* :class:`TimezoneMiddleware` activates the zone named by the ``tz`` cookie
  (``django.utils.timezone.activate``) for the request, so every ``|date``
  in a template and every form's ``DateTimeField`` uses it.  An unknown or
  missing name means the site's zone (``PLENARY_TIME_ZONE``, UTC by default).
* ``/me/time-zone/`` (:func:`timezone_settings`) sets the cookie from a
  select of ``zoneinfo.available_timezones()``; a name not in that list is
  refused with a message and changes nothing.

A cookie rather than the session: anonymous readers choose a zone too, and a
cookie creates no session row.  The footer links to the page and names the
zone in use, so a reader always knows which zone a date is in.
"""

from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

COOKIE = "tz"
COOKIE_MAX_AGE = 365 * 24 * 60 * 60


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name the server knows, sorted (read once per process)."""
    return tuple(sorted(available_timezones()))


def is_zone(name: str | None) -> bool:
    return bool(name) and name in _zone_set()


@lru_cache(maxsize=1)
def _zone_set() -> frozenset[str]:
    return frozenset(zone_names())


def zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in zone_names()]


class TimezoneMiddleware:
    """Activate the viewer's zone (the ``tz`` cookie) for the whole request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = request.COOKIES.get(COOKIE)
        if is_zone(name):
            timezone.activate(ZoneInfo(name))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class TimezoneForm(forms.Form):
    tz = forms.ChoiceField(label=gettext_lazy("Your time zone"), choices=())
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tz"].choices = zone_choices()
        self.fields["tz"].error_messages["invalid_choice"] = gettext_lazy(
            "“%(value)s” is not a time zone we know. Choose one from the list."
        )


class ZonedForm(forms.Form):
    """A form whose date-time fields are read in the zone chosen in its ``tz`` field.

    The select starts on the viewer's zone (the cookie, else the site's), so
    a staff member abroad types local times and sees which zone they are in;
    ``clean`` re-reads the typed wall-clock times in the chosen zone and
    drops ``tz`` from ``cleaned_data`` (services take aware datetimes).
    """

    # Not required: a client that sends no zone (an API-like POST, an old form)
    # means the viewer's zone, the one the select starts on.
    tz = forms.ChoiceField(
        label=gettext_lazy("Time zone of these dates and times"), choices=(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tz"].choices = zone_choices()
        self.fields["tz"].initial = timezone.get_current_timezone_name()
        self.fields["tz"].error_messages["invalid_choice"] = gettext_lazy(
            "“%(value)s” is not a time zone we know. Choose one from the list."
        )

    def clean(self):
        cleaned = super().clean()
        name = cleaned.pop("tz", None)
        if not name:
            return cleaned
        zone = ZoneInfo(name)
        for field_name, form_field in self.fields.items():
            value = cleaned.get(field_name)
            if isinstance(form_field, forms.DateTimeField) and value is not None:
                # The field made it aware in the active zone: keep the wall-clock time.
                naive = timezone.make_naive(value, timezone.get_current_timezone())
                cleaned[field_name] = timezone.make_aware(naive, zone)
        return cleaned
