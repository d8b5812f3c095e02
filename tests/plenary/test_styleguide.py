"""/styleguide/ (issue 22): public, no database, every decision status in its colour,
each component drawn by the include the pages use."""

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feedback.models import Status
from plenary.views import STATUSES

pytestmark = pytest.mark.django_db


def test_the_styleguide_is_public_and_reads_no_database(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/styleguide/")
    assert response.status_code == 200
    assert ctx.captured_queries == []
    html = response.content.decode()
    for status in Status.values:
        assert f'class="status status-{status}"' in html
    assert 'class="status status-awaiting"' in html
    assert 'aria-current="step"' in html  # the stepper (includes/stepper.html)
    assert 'class="errors" role="alert"' in html  # form errors (includes/form_errors.html)
    assert 'class="field has-error"' in html  # includes/field.html
    assert 'rel="next"' in html  # includes/pagination.html
    assert 'class="list stack"' in html and "data-label=" in html
    assert "<meter" in html  # question results (consult/_tallies.html)


def test_the_styleguide_lists_every_decision_status():
    assert STATUSES == [*Status.values, ""]


def test_every_status_has_its_own_colour_in_the_stylesheet():
    css = (Path(__file__).resolve().parents[2] / "static/css/plenary.css").read_text()
    section = css.split("Design system (issue 22)")[1]
    colours = set()
    for status in [*Status.values, "awaiting"]:
        rule = section.split(f".status-{status} {{")[1].split("}")[0]
        colours.add(rule.split("color:")[1].split(";")[0].strip())
    assert len(colours) == 7
