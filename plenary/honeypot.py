"""A honeypot field for public forms (sign-up, comments and replies).

People never see or reach the field: it sits off-screen (CSS class
``honeypot`` in static/css/plenary.css; no inline style, which the CSP would
block), inside ``aria-hidden`` so screen readers do not announce it, with
``tabindex="-1"`` so the keyboard skips it.  Form-filling bots fill every text
input they find.  A filled honeypot refuses the whole form with a generic
message and nothing is stored; the value is never rendered back, so a person
whose browser autofilled it can simply send again.

allauth has its own honeypot (``ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD``), but it
hides the field with an inline style (refused by our CSP, so the field would
show) and answers a bot with a fake "verification sent" page; we prefer one
field for every form and an honest refusal.
"""

from __future__ import annotations

import logging

from django import forms
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

# A name bots like to fill; autocomplete="off" keeps browsers from filling it.
FIELD_NAME = "website"
REFUSAL = _("This form could not be sent. Please try again.")

logger = logging.getLogger(__name__)


class HoneypotWidget(forms.Widget):
    """A text input wrapped so that only bots meet it.  Treated as hidden by forms
    (no label or help row of its own); the wrapper carries the label."""

    input_type = "text"

    @property
    def is_hidden(self) -> bool:
        return True

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        return render_to_string(
            "includes/honeypot.html", {"hp_name": name, "hp_id": attrs.get("id") or f"id_{name}"}
        )

    def value_omitted_from_data(self, data, files, name):
        return name not in data


class HoneypotForm(forms.Form):
    """Base for a form with the honeypot: a filled one fails ``clean`` with REFUSAL.

    The field comes last (``field_order`` of subclasses may say otherwise).
    """

    website = forms.CharField(required=False, label="", widget=HoneypotWidget)

    def clean(self):
        cleaned = super().clean()
        if self.cleaned_data.get(FIELD_NAME):
            logger.info("Honeypot filled in %s: refused.", type(self).__name__)
            raise forms.ValidationError(REFUSAL, code="honeypot")
        # Not data: views pass cleaned_data on to services as keyword arguments.
        self.cleaned_data.pop(FIELD_NAME, None)
        return cleaned
