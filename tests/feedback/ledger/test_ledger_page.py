"""The public ledger page /c/<slug>/ledger/: filters, counts per status by section and by
stakeholder group, and what it shows of private and hidden comments."""

import re

import pytest
from django.urls import reverse

from comments.models import Comment
from comments.threads import services
from feedback.ledger import selectors
from feedback.ledger import services as feedback_services
from stakeholders.registry.selectors import stakeholder_groups
from tests.stakeholders.factories import ParticipantFactory, group


@pytest.fixture
def ledger(consultation, secretariat, stakeholder, other_stakeholder):
    """Wanjiru (civil society) and Rafael, Kofi (technical community) comment; some
    comments are decided, one is private, one hidden."""
    rafael = other_stakeholder
    rafael.participant.group = group("technical-community")
    rafael.participant.save()
    kofi = ParticipantFactory(display_name="Kofi", group=group("technical-community")).user
    keys = [s.key for s in consultation.versions.get().sections.order_by("ordinal")]

    def say(author, key, body, **kwargs):
        return services.comment_create(
            actor=author, consultation=consultation, section_key=key, body=body, **kwargs
        )

    made = {
        "w1": say(stakeholder, keys[0], "Wanjiru on purpose."),
        "w2": say(stakeholder, keys[1], "Wanjiru privately.", visibility="private"),
        "r1": say(rafael, keys[1], "Rafael on accountability."),
        "r2": say(rafael, keys[2], "Rafael on scope, hidden later."),
        "k1": say(kofi, keys[1], "Kofi agrees."),
        "k2": say(kofi, None, "Kofi on the whole draft."),
    }
    Comment.objects.filter(pk=made["r2"].pk).update(moderation=Comment.Moderation.HIDDEN)
    for name, status in [("w1", "accepted"), ("w2", "noted"), ("r1", "noted")]:
        feedback_services.disposition_record(
            actor=secretariat,
            comment=made[name],
            status=status,
            rationale=f"Reason for {name}.",
            publish=True,
        )
    return consultation, keys, made


def _get(client, consultation, **params) -> str:
    response = client.get(reverse("ledger", args=[consultation.slug]), params)
    assert response.status_code == 200
    return response.content.decode()


def _listed(page: str, made: dict) -> set[str]:
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return {name for name, comment in made.items() if f"/r/{comment.receipt}/" in rows}


def test_filter_form_has_a_label_for_each_filter(client, ledger):
    consultation, keys, _made = ledger
    page = _get(client, consultation)
    for name, label in [("section", "Paragraph"), ("group", "Stakeholder group")]:
        assert re.search(rf'<label for="id_{name}">{label}</label>', page), name
        assert f'name="{name}"' in page
    assert '<label for="id_status">Status</label>' in page
    assert f'<option value="{keys[1]}">2 · 1. Purpose</option>' in page
    assert '<option value="technical-community">Technical community</option>' in page
    assert '<option value="awaiting">awaiting response (3)</option>' in page
    assert '<form method="get"' in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"w1", "w2", "r1", "r2", "k1", "k2"}),
        ({"status": "noted"}, {"w2", "r1"}),
        ({"status": "awaiting"}, {"r2", "k1", "k2"}),
        ({"section": "KEY1"}, {"r1", "k1"}),  # w2 is private: left out for the public
        ({"group": "technical-community"}, {"r1", "k1", "k2"}),  # r2 is hidden
        ({"group": "technical-community", "status": "awaiting"}, {"k1", "k2"}),
        ({"section": "KEY1", "group": "civil-society"}, set()),
        ({"status": "nonsense"}, {"w1", "w2", "r1", "r2", "k1", "k2"}),
    ],
    ids=[
        "none",
        "status",
        "awaiting",
        "section",
        "group",
        "group+status",
        "section+group",
        "bad-status",
    ],
)
def test_anyone_can_filter_by_section_group_and_status(client, ledger, params, expected):
    consultation, keys, made = ledger
    params = {k: keys[1] if v == "KEY1" else v for k, v in params.items()}
    page = _get(client, consultation, **params)
    assert _listed(page, made) == expected
    if params.get("status") == "nonsense":
        assert "Select a valid choice" in page
    elif params:
        assert f"{len(expected)} comment" in page


def test_staff_filtering_by_section_or_group_see_private_and_hidden_comments(
    client, ledger, secretariat
):
    consultation, keys, made = ledger
    client.force_login(secretariat)
    assert _listed(_get(client, consultation, section=keys[1]), made) == {"w2", "r1", "k1"}
    assert _listed(_get(client, consultation, group="technical-community"), made) == {
        "r1",
        "r2",
        "k1",
        "k2",
    }


def test_pagination_keeps_the_filters(client, ledger, monkeypatch):
    consultation, _keys, made = ledger
    monkeypatch.setattr("feedback.ledger.views.PER_PAGE", 1)
    page = _get(client, consultation, group="technical-community", status="noted")
    assert _listed(page, made) == {"r1"}
    page = _get(client, consultation, group="technical-community")
    assert 'href="?group=technical-community&amp;page=2"' in page


def _table(page: str, caption: str) -> list[list[str]]:
    """The cells of the table with this caption, row by row (header row first)."""
    start = page.index(f"<caption>{caption}</caption>")
    html = page[start : page.index("</table>", start)]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", html, re.S)
    ]


HEADER = [
    "awaiting response",
    "accepted",
    "partly accepted",
    "not accepted",
    "noted",
    "out of scope",
    "duplicate",
    "total",
]


def test_counts_per_status_by_section_and_by_group(client, ledger):
    consultation, _keys, _made = ledger
    page = _get(client, consultation, status="accepted")  # the tables ignore the filters
    by_section = _table(page, "Comments per status, by paragraph")
    assert by_section == [
        ["Paragraph", *HEADER],
        ["1 · 1. Purpose", "0", "1", "0", "0", "0", "0", "0", "1"],
        ["2 · 1. Purpose", "1", "0", "0", "0", "2", "0", "0", "3"],
        ["3 · 2. Scope", "1", "0", "0", "0", "0", "0", "0", "1"],
        ["4 · 3. Licensing", "0", "0", "0", "0", "0", "0", "0", "0"],
        ["the whole draft", "1", "0", "0", "0", "0", "0", "0", "1"],
    ]
    by_group = _table(page, "Comments per status, by stakeholder group")
    assert by_group[0] == ["Stakeholder group", *HEADER]
    rows = {row[0]: row[1:] for row in by_group[1:]}
    assert len(rows) == 6  # every group, zeros included
    assert rows["Civil society"] == ["0", "1", "0", "0", "1", "0", "0", "2"]
    assert rows["Technical community"] == ["3", "0", "0", "0", "1", "0", "0", "4"]
    assert rows["Government"] == ["0"] * 8
    for caption in ("by paragraph", "by stakeholder group"):
        assert f'aria-label="Comments per status, {caption}" tabindex="0"' in page
    assert page.count('<th scope="row">') == 5 + 6
    assert page.count('<th scope="col">') >= 2 * 9


def test_each_count_table_is_one_query(ledger, django_assert_num_queries):
    consultation, _keys, _made = ledger
    sections = selectors.ledger_sections(consultation=consultation)
    groups = list(stakeholder_groups())
    with django_assert_num_queries(1):
        by_section = selectors.status_counts_by_section(
            consultation=consultation, sections=sections
        )
    with django_assert_num_queries(1):
        by_group = selectors.status_counts_by_group(consultation=consultation, groups=groups)
    assert sum(row.total for row in by_section) == sum(row.total for row in by_group) == 6


def test_hidden_and_private_comments_show_receipt_and_status_only(client, ledger):
    consultation, _keys, made = ledger
    page = _get(client, consultation)
    rows = dict(re.findall(r'<a href="/r/([^/]+)/">[^<]+</a></td>(.*?)</tr>', page, re.S))
    hidden, private = rows[made["r2"].receipt], rows[made["w2"].receipt]
    assert "hidden by a moderator" in hidden and "Rafael" not in hidden
    assert "status-awaiting" in hidden and "Rafael on scope" not in page
    assert "private comment" in private and "Wanjiru" not in private
    assert "status-noted" in private and "Wanjiru privately" not in page
    assert "Reason for w2." not in page  # a rationale may quote the text
    assert "Reason for r1." in rows[made["r1"].receipt]
    # Not even the paragraph: one cell for what is withheld, then the status.
    assert hidden.count("<td") == private.count("<td") == 2
    assert "Rafael on accountability." in rows[made["r1"].receipt]


@pytest.mark.parametrize("viewer", ["stakeholder", "other_stakeholder", "secretariat"])
def test_the_author_and_staff_see_the_text_with_a_marker(client, request, ledger, viewer):
    consultation, _keys, _made = ledger
    client.force_login(request.getfixturevalue(viewer))
    page = _get(client, consultation)
    sees_private = viewer in {"stakeholder", "secretariat"}
    sees_hidden = viewer in {"other_stakeholder", "secretariat"}
    assert ("Wanjiru privately. <small>(private)</small>" in page) == sees_private
    assert ("Reason for w2." in page) == sees_private
    assert ("Rafael on scope, hidden later. <small>(hidden by a moderator)</small>" in page) == (
        sees_hidden
    )
