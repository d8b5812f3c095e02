"""Participation balance (issue 4): the figures, who may see which, the CSV, the public
summary's privacy rules, the report sharing the selector, and constant query counts."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_countries import countries

from comments.models import Comment
from comments.participation.services import participation_tally_rebuild
from comments.supports import services as supports
from comments.threads import services as comment_services
from comments.threads.receipts import new_receipt
from consult.consultations import services as consult_services
from consult.models import Role, Section
from consult.reminders import services as reminders
from feedback.participation import selectors as balance
from feedback.participation.selectors import Cell
from feedback.report import selectors as report
from stakeholders.registry.regions import COUNTRY_REGION, region_of
from tests.comments.supports.factories import propose
from tests.consult.factories import DRAFT, open_consultation
from tests.stakeholders.factories import ParticipantFactory, group

pytestmark = pytest.mark.django_db


def person(email: str, slug: str, country: str, gender: str = ""):
    return ParticipantFactory(
        user__email=email,
        display_name=email.split("@")[0].title(),
        group=group(slug),
        country=country,
        gender=gender,
    ).user


def comment(author, consultation, key: str = "1-purpose-1", **fields) -> Comment:
    visibility = fields.pop("visibility", Comment.Visibility.PUBLIC)
    made = comment_services.comment_create(
        actor=author,
        consultation=consultation,
        section_key=key,
        body="A comment.",
        visibility=visibility,
    )
    if fields:
        # Set directly (a state the services reach some other way, or a time in the past):
        # the participation counters are recounted as ``participation_counts --rebuild`` would.
        Comment.objects.filter(pk=made.pk).update(**fields)
        participation_tally_rebuild(consultation=consultation)
    return made


@pytest.fixture
def world(consultation, secretariat, other_secretariat):
    """Three commenters and one follower; one commenter started elsewhere."""
    gov = person("gov@example.org", "government", "KE", "Female")
    cs1 = person("cs1@example.org", "civil-society", "BR", "  female ")
    cs2 = person("cs2@example.org", "civil-society", "FR")
    watcher = person("watcher@example.org", "users", "IN")
    elsewhere = consultation.__class__.objects.get(title="Another consultation")
    comment(cs2, elsewhere)  # cs2's first comment on the site: not a newcomer here
    for _n in range(3):
        comment(gov, consultation, "1-purpose-1")
    comment(cs1, consultation, "2-scope-1")
    comment(cs1, consultation, "2-scope-1", visibility="private", channel="email")
    comment(cs2, consultation, "1-purpose-2")
    reminders.follow_set(user=watcher, consultation=consultation, following=True)
    return {"gov": gov, "cs1": cs1, "cs2": cs2, "watcher": watcher}


def cells(dimension) -> dict[str, tuple]:
    return {cell.key: (cell.participants, cell.comments) for cell in dimension.cells}


# --- the figures -------------------------------------------------------------------------


def test_every_country_has_a_region():
    codes = {country.code for country in countries}
    assert codes - set(COUNTRY_REGION) == {"AQ"}  # Antarctica: nobody's region
    assert region_of("ke") == "africa"
    assert region_of("MX") == "latin-america-caribbean"
    assert region_of("CA") == "northern-america"
    assert region_of("") == "other"


def test_staff_figures_count_every_comment(world, consultation):
    figures = balance.participation_balance(consultation=consultation, audience=balance.STAFF)
    assert (figures.participants, figures.comments) == (3, 6)
    assert figures.registered == 4  # three commenters and one follower
    assert figures.newcomers == 2  # cs2 commented elsewhere first
    assert (figures.top_people, figures.top_comments, figures.top_share) == (3, 6, 1.0)
    groups = cells(figures.dimensions["group"])
    assert groups["government"] == (1, 3)
    assert groups["civil-society"] == (2, 3)
    assert groups["users"] == (0, 0)
    registered = {c.key: c.registered for c in figures.dimensions["group"].cells}
    assert registered["users"] == 1 and registered["civil-society"] == 2
    newcomers = {c.key: c.newcomers for c in figures.dimensions["group"].cells}
    assert newcomers["government"] == 1 and newcomers["civil-society"] == 1
    assert cells(figures.dimensions["region"]) == {
        "africa": (1, 3),
        "latin-america-caribbean": (1, 2),
        "europe": (1, 1),
    }
    # Self-described values: case and blanks do not make a new value; blank is "not stated".
    genders = cells(figures.dimensions["gender"])
    assert genders == {"female": (2, 5), "": (1, 1)}
    assert {c.label for c in figures.dimensions["gender"].cells} == {"female", "not stated"}
    assert cells(figures.dimensions["channel"]) == {"web": (3, 5), "email": (1, 1)}
    assert cells(figures.dimensions["round"]) == {"1": (3, 6)}


def test_under_represented_groups_are_the_empty_and_the_small(world, consultation):
    figures = balance.participation_balance(consultation=consultation, audience=balance.STAFF)
    assert {c.key for c in figures.under_represented} == {
        "private-sector",
        "technical-community",
        "academic-community",
        "users",
    }
    # Eleven more civil-society voices: government, with 1 of 14, falls below 1/12.
    for n in range(11):
        extra = person(f"cs-extra{n}@example.org", "civil-society", "KE")
        comment(extra, consultation)
    figures = balance.participation_balance(consultation=consultation, audience=balance.STAFF)
    assert "government" in {c.key for c in figures.under_represented}


def test_sections_without_a_group_are_listed(world, consultation):
    figures = balance.participation_balance(consultation=consultation, audience=balance.STAFF)
    by_key = {row.section.key: row for row in figures.sections}
    slugs = [g.slug for g in figures.groups]
    purpose = dict(zip(slugs, by_key["1-purpose-1"].comments, strict=True))
    assert purpose["government"] == 3 and purpose["civil-society"] == 0
    assert {g.slug for g in by_key["3-licensing-1"].missing} == set(slugs)
    assert "civil-society" not in {g.slug for g in by_key["2-scope-1"].missing}


def test_public_figures_count_public_comments_only_and_no_gender(world, consultation):
    figures = balance.participation_balance(consultation=consultation, audience=balance.PUBLIC)
    assert (figures.participants, figures.comments) == (3, 5)
    assert "gender" not in figures.dimensions and "country" not in figures.dimensions
    assert figures.sections == [] and figures.newcomers is None
    groups = {c.key: c for c in figures.dimensions["group"].cells}
    assert groups["government"].suppressed and groups["civil-society"].suppressed
    assert groups["users"].participants == 0  # nobody is not a small cell


def test_a_lone_small_cell_takes_the_next_smallest_with_it():
    table = [
        Cell("a", "a", 6, 9),
        Cell("b", "b", 3, 3),
        Cell("c", "c", 0, 0),
        Cell("d", "d", 10, 20),
    ]
    balance.suppress_small_cells(table)
    assert [c.suppressed for c in table] == [True, True, False, False]
    # The lone small cell is "fewer than 5"; the one hidden with it is not small.
    assert [c.hidden for c in table] == [balance.SECONDARY, balance.SMALL, "", ""]
    table = [Cell("a", "a", 7, 9), Cell("b", "b", 2, 2), Cell("c", "c", 1, 1)]
    balance.suppress_small_cells(table)
    assert [c.suppressed for c in table] == [False, True, True]
    assert [c.hidden for c in table] == ["", balance.SMALL, balance.SMALL]


def test_a_cell_hidden_for_another_is_not_labelled_fewer_than_5(client, consultation):
    """Issue 22: web had 29 participants and the page said "fewer than 5"."""
    for n in range(29):
        comment(person(f"web{n}@example.org", "civil-society", "KE"), consultation)
    for n in range(2):
        comment(
            person(f"mail{n}@example.org", "civil-society", "KE"), consultation, channel="email"
        )
    web = Comment.objects.filter(consultation=consultation, channel="web")
    assert web.values("author").distinct().count() == 29  # the direct count
    figures = balance.participation_balance(consultation=consultation, audience=balance.PUBLIC)
    channels = {c.key: c for c in figures.dimensions["channel"].cells}
    assert channels["email"].hidden == balance.SMALL
    assert channels["web"].hidden == balance.SECONDARY
    page = client.get(reverse("participation", args=[consultation.slug])).content.decode()
    channel_table = page[page.index('id="chart-channel-h"') :]
    channel_table = channel_table[channel_table.index("<tbody>") : channel_table.index("</table>")]
    assert "hidden to protect a small group" in channel_table
    assert channel_table.count("fewer than 5") == 1
    rows = list(balance.balance_csv_rows(figures))
    assert ("channel", "web", "hidden", "") in rows and ("channel", "email", "<5", "") in rows


def test_report_and_dashboard_share_the_figures(world, consultation):
    """The report counts every comment, as the dashboard does, but it is published: it
    keeps back what the public page keeps back (issue 22: per-country counts of 2)."""
    for n in range(6):
        comment(person(f"cs-more{n}@example.org", "civil-society", "FR"), consultation)
    for n in range(5):
        comment(person(f"ps{n}@example.org", "private-sector", "FR"), consultation)
    charts = {chart.id: chart for chart in report.participation(consultation=consultation)}
    staff = balance.balance_counts(consultation=consultation, audience=balance.STAFF)
    direct = Comment.objects.filter(
        consultation=consultation, author__participant__group__slug="civil-society"
    ).count()
    # Civil society: 8 people, 9 comments (the direct count); government (1 person) and
    # the next smallest with it (private sector, 5) are hidden, as on the public page.
    assert {(r.label, r.count) for r in charts["by-group"].rows} == {("Civil society", direct)}
    assert cells(staff["group"])["civil-society"] == (8, 9)
    # By country: France has 12 people; Kenya (1, 3 comments) and Brazil (1, 2) are not shown.
    assert [(r.label, r.count) for r in charts["by-country"].rows] == [("France", 12)]
    public = balance.balance_counts(consultation=consultation, audience=balance.PUBLIC)
    for key, chart in (("group", "by-group"), ("channel", "by-channel")):
        hidden = {c.label for c in public[key].cells if c.suppressed}
        assert not hidden & {r.label for r in charts[chart].rows}, key


# --- the pages ---------------------------------------------------------------------------


def test_secretariat_and_analyst_can_open_the_dashboard(world, consultation, secretariat, client):
    analyst = person("analyst@example.org", "academic-community", "DE")
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=analyst, role=Role.ANALYST
    )
    for user in (secretariat, analyst):
        client.force_login(user)
        page = client.get(reverse("staff_balance", args=[consultation.slug]))
        assert page.status_code == 200
        html = page.content.decode()
        assert 'role="img" aria-labelledby="chart-group-title chart-group-desc"' in html
        assert '<desc id="chart-gender-desc">' in html
        assert "Comments per section and stakeholder group" in html
        assert "female" in html
    # The analyst sees the figures but no invitation form.
    assert 'name="invite-subject"' not in html
    client.force_login(secretariat)
    html = client.get(reverse("staff_balance", args=[consultation.slug])).content.decode()
    assert 'name="invite-subject"' in html
    assert f"Your voice is missing: {consultation.title}" in html  # the form starts filled in


def test_moderator_and_participants_cannot_open_the_dashboard(
    world, consultation, moderator, client
):
    url = reverse("staff_balance", args=[consultation.slug])
    csv_url = reverse("staff_balance_csv", args=[consultation.slug])
    assert client.get(url).status_code == 302  # anonymous: sign in first
    for user in (moderator, world["gov"]):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.get(csv_url).status_code == 403


def test_secretariat_can_download_every_figure_as_csv(world, consultation, secretariat, client):
    world["cs2"].participant.gender = "=HYPERLINK(1)"
    world["cs2"].participant.save()
    client.force_login(secretariat)
    response = client.get(reverse("staff_balance_csv", args=[consultation.slug]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["dimension", "value", "participants", "comments"]
    assert ["total", "active", "3", "6"] in rows
    assert ["total", "registered", "4", ""] in rows
    assert ["gender", "female", "2", "5"] in rows
    assert ["gender", "'=hyperlink(1)", "1", "1"] in rows  # never a formula
    assert ["group", "Government", "1", "3"] in rows
    assert ["section:3-licensing-1", "Government", "", "0"] in rows


def test_anyone_can_read_the_public_summary(world, consultation, client):
    page = client.get(reverse("participation", args=[consultation.slug]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "fewer than 5" in html
    assert "female" not in html and "gender" not in html.lower().replace(
        "gender is never shown", ""
    )
    assert 'role="img"' in html
    detail = client.get(reverse("consultation", args=[consultation.slug])).content.decode()
    assert reverse("participation", args=[consultation.slug]) in detail


def test_anonymous_cannot_see_an_unpublished_consultations_summary(secretariat, client):
    hidden = consult_services.consultation_create(
        actor=secretariat, title="Not yet", summary="Hidden."
    )
    assert client.get(reverse("participation", args=[hidden.slug])).status_code == 404
    client.force_login(secretariat)
    assert client.get(reverse("participation", args=[hidden.slug])).status_code == 200


def test_api_gives_the_public_summary_and_the_staff_figures(world, consultation, client):
    public = client.get(reverse("api-participation", args=[consultation.slug])).json()
    assert public["comments"] == 5 and public["small_cell"] == 5
    assert {d["key"] for d in public["dimensions"]} == {"group", "region", "channel", "round"}
    government = next(
        c
        for d in public["dimensions"]
        if d["key"] == "group"
        for c in d["cells"]
        if c["key"] == "government"
    )
    assert government["suppressed"] and government["participants"] is None
    client.force_login(consultation.created_by)
    staff = client.get(reverse("api-participation-staff", args=[consultation.slug])).json()
    assert staff["comments"] == 6 and staff["newcomers"] == 2
    licensing = next(s for s in staff["sections"] if s["key"] == "3-licensing-1")
    assert "government" in licensing["missing_groups"]


# --- queries do not grow with the comments ---------------------------------------------------


def _bulk(consultation, size: int) -> None:
    """``size`` comments from size // 3 people across groups, countries and genders."""
    slugs = ["government", "civil-society", "users", "technical-community"]
    people = [
        person(
            f"bulk{size}-{n}@example.org",
            slugs[n % 4],
            ["KE", "BR", "FR", "IN"][n % 4],
            ["Female", "male", "", "non-binary"][n % 4],
        )
        for n in range(max(size // 3, 4))
    ]
    round_ = consultation.rounds.get()
    sections = list(Section.objects.filter(version__consultation=consultation))
    Comment.objects.bulk_create(
        Comment(
            receipt=new_receipt(),
            consultation=consultation,
            round=round_,
            section=sections[n % len(sections)],
            author=people[n % len(people)],
            body="Bulk.",
            body_html="<p>Bulk.</p>",
            visibility="private" if n % 7 == 0 else "public",
            channel="email" if n % 5 == 0 else "web",
            created_at=timezone.now() - timedelta(minutes=n),
        )
        for n in range(size)
    )
    # Bulk-created past the services: the counters the pages read are recounted.
    participation_tally_rebuild(consultation=consultation)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


# Per request, whatever the number of comments (the pages read the counters).
# (+1 each since issue 24: supports by group, comments.supports.selectors.supports_by_group.)
PINNED_QUERIES = {
    "staff_balance": 24,
    "staff_balance_csv": 18,
    "participation": 9,
    "api-participation": 8,
    "api-participation-staff": 14,
}


@pytest.mark.parametrize(
    "name",
    [
        "staff_balance",
        "staff_balance_csv",
        "participation",
        "api-participation",
        "api-participation-staff",
    ],
)
def test_balance_queries_do_not_grow_with_comments(name, secretariat, client):
    counts = []
    for size in (30, 600):
        consultation = open_consultation(secretariat=secretariat, title=f"Size {size}", draft=DRAFT)
        _bulk(consultation, size)
        assert Comment.objects.filter(consultation=consultation).count() == size
        client.force_login(secretariat)
        url = reverse(name, args=[consultation.slug])
        client.get(url)  # warm the per-process caches (content types, sessions)
        counts.append(_queries(client, url))
    assert counts[0] == counts[1], counts
    assert counts[1] == PINNED_QUERIES[name], counts


def test_input_entered_by_staff_counts_its_senders_not_the_secretariat(
    world, consultation, secretariat
):
    from comments.offline import services as offline

    for name in ("Amina Njeri", "amina  njeri", "Village ICT Forum"):
        offline.comment_enter(
            actor=secretariat,
            consultation=consultation,
            channel=Comment.Channel.LETTER,
            received_on=timezone.localdate(),
            submitter_name=name,
            body="Sent by post.",
            section_key="3-licensing-1",
        )
    figures = balance.participation_balance(consultation=consultation, audience=balance.STAFF)
    assert (figures.participants, figures.comments) == (5, 9)  # two senders, not one secretariat
    assert figures.registered == 6  # and the secretariat did not become a follower
    groups = cells(figures.dimensions["group"])
    assert groups[balance.OFFLINE] == (2, 3)
    assert cells(figures.dimensions["channel"])["letter"] == (2, 3)
    assert figures.newcomers == 2  # the senders are not accounts: no "first comment" to know
    licensing = next(row for row in figures.sections if row.section.key == "3-licensing-1")
    assert sum(licensing.comments) == 0  # their group is unknown: no column to count them in


# --- supports of proposed changes (issue 24) ---------------------------------------------


def test_supports_count_by_group_with_small_cells_hidden_publicly(
    consultation, stakeholder, client
):
    amendment = propose(actor=stakeholder, consultation=consultation)
    withdrawn = propose(actor=stakeholder, consultation=consultation, quote="useful")
    people = {"government": 6, "private-sector": 5, "users": 1}
    for slug, n in people.items():
        for _ in range(n):
            supporter = ParticipantFactory(group=group(slug)).user
            supports.amendment_support(actor=supporter, comment=amendment)
    supports.amendment_support(actor=supporter, comment=withdrawn)
    # Withdrawn since: its support counts for the staff figures only.
    comment_services.comment_withdraw(actor=stakeholder, comment=withdrawn)

    staff = balance.participation_balance(consultation=consultation, audience=balance.STAFF)
    cells = {cell.key: cell for cell in staff.dimensions["group"].cells}
    assert (cells["government"].supporters, cells["government"].supports) == (6, 6)
    assert (cells["users"].supporters, cells["users"].supports) == (1, 2)
    assert staff.supports == 13

    public = balance.participation_balance(consultation=consultation, audience=balance.PUBLIC)
    cells = {cell.key: cell for cell in public.dimensions["group"].cells}
    assert (cells["government"].supporters, cells["government"].supports) == (6, 6)
    # One small cell, so the next smallest is hidden too (suppress_small_cells).
    assert cells["users"].supports is None and cells["users"].supports_hidden == balance.SMALL
    assert cells["private-sector"].supports is None
    assert cells["private-sector"].supports_hidden == balance.SECONDARY
    assert public.supports == 12

    html = client.get(reverse("participation", args=[consultation.slug])).content.decode()
    assert "Supports of proposed changes" in html
    assert "6 (6)" in html
    body = client.get(reverse("api-participation", args=[consultation.slug])).json()
    groups = {cell["key"]: cell for cell in body["dimensions"][0]["cells"]}
    assert groups["government"]["supports"] == 6
    assert groups["users"]["supports"] is None
