"""The demo data contract (DESIGN.md §5): what `make run` promises a first-time user."""

import re
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.utils import timezone

from comments.models import Comment
from consult.consultations.selectors import consultation_list_public, version_current
from consult.models import Consultation, Meeting, Round, Section, SectionTranslation
from consult.permissions import can_moderate, can_run
from feedback.models import (
    Appeal,
    CampaignCluster,
    ClusterAnswer,
    DispositionDraft,
    DispositionEntry,
    ThemeTag,
)
from plenary.demo import load
from stakeholders.models import Organisation, Participant, StakeholderGroup, User

DEMO_ACCOUNTS = ["secretariat@example.org", "moderator@example.org", "stakeholder@example.org"]
SIX_GROUPS = {
    "government",
    "private-sector",
    "civil-society",
    "technical-community",
    "academic-community",
    "users",
}


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--quiet-mail", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "participants": Participant.objects.count(),
        "organisations": Organisation.objects.count(),
        "consultations": Consultation.objects.count(),
        "rounds": Round.objects.count(),
        "sections": Section.objects.count(),
        "comments": Comment.objects.count(),
        "ledger": DispositionEntry.objects.count(),
    }


@pytest.fixture
def seeded(db):
    output = seed()
    return output, Consultation.objects.get(slug="community-networks-policy")


def test_demo_accounts_sign_in_with_the_demo_password(seeded):
    output, _consultation = seeded
    for email in DEMO_ACCOUNTS:
        assert authenticate(email=email, password="plenary-demo") is not None, email
        assert authenticate(email=email, password="wrong-password") is None
        assert email in output
    assert "plenary-demo" in output


def test_demo_accounts_hold_their_roles(seeded):
    _output, consultation = seeded
    secretariat, moderator, stakeholder = (User.objects.get(email=e) for e in DEMO_ACCOUNTS)
    assert can_run(secretariat, consultation)
    assert secretariat.has_perm("consult.add_consultation")
    assert secretariat.has_perm("stakeholders.verify_organisation")
    assert can_moderate(moderator, consultation) and not can_run(moderator, consultation)
    assert not can_moderate(stakeholder, consultation)
    assert Participant.objects.filter(user=stakeholder).exists()
    assert Comment.objects.filter(author=stakeholder).exists()


def test_demo_consultation_is_open_and_listed(seeded):
    _output, consultation = seeded
    now = timezone.now()
    assert consultation.rounds.filter(opens_at__lte=now, closes_at__gt=now).exists()
    listed = {c.slug: c for c in consultation_list_public()}
    assert listed["community-networks-policy"].open_round_count == 1
    # The second, upcoming consultation is listed with a round that has not opened yet.
    upcoming = Consultation.objects.get(slug="gender-inclusive-participation")
    assert upcoming.slug in listed
    assert upcoming.rounds.get().opens_at > now


def test_demo_draft_has_sections_under_several_headings(seeded):
    _output, consultation = seeded
    sections = list(version_current(consultation=consultation).sections.all())
    assert len(sections) >= 8
    assert len({section.heading for section in sections}) >= 5
    assert all(section.body.strip() and section.body_html for section in sections)


def test_demo_comments_come_from_every_stakeholder_group(seeded):
    _output, consultation = seeded
    comments = Comment.objects.filter(consultation=consultation)
    assert comments.count() >= 60
    assert comments.filter(parent__isnull=False).count() >= 10
    assert comments.filter(on_behalf_of__verified_at__isnull=False).count() >= 3
    groups = set(
        StakeholderGroup.objects.filter(
            participants__user__comments__consultation=consultation
        ).values_list("slug", flat=True)
    )
    assert groups >= SIX_GROUPS
    # Real text, not filler: no two comments say the same thing at length.
    long_bodies = [c.body for c in comments if len(c.body) > 100]
    assert len(long_bodies) == len(set(long_bodies))
    assert Participant.objects.count() >= 25
    assert Organisation.objects.filter(verified_at__isnull=False).count() >= 2


def test_demo_decisions_are_published_with_reasons(seeded):
    _output, consultation = seeded
    ledger = DispositionEntry.objects.filter(consultation=consultation)
    assert ledger.count() >= 10
    statuses = set(ledger.values_list("status", flat=True))
    assert statuses >= {"accepted", "partly_accepted", "not_accepted", "noted", "out_of_scope"}
    assert not ledger.exclude(status__in=["accepted", "noted"]).filter(rationale="").exists()


def test_running_seed_demo_twice_changes_nothing(seeded):
    before = counts()
    output = seed()
    assert "already exists" in output
    assert counts() == before


def test_seed_demo_refuses_to_mix_with_existing_demo_accounts(db):
    User.objects.create_user(email="moderator@example.org", password="something-else-42")
    before = counts()
    with pytest.raises(CommandError, match=r"moderator@example\.org"):
        seed()
    assert counts() == before


# -- what the demo shows of the product (issue 22) ---------------------------------


def test_demo_has_a_published_version_2_matched_to_version_1(seeded):
    _output, consultation = seeded
    v1, v2 = consultation.versions.order_by("number")
    assert v2.published_at is not None and v2.changelog
    old, new = list(v1.sections.all()), list(v2.sections.select_related("previous"))
    # Reworded, added and removed paragraphs.
    continued = [s for s in new if s.previous is not None]
    assert any(s.body != s.previous.body for s in continued)
    assert [s for s in new if s.previous is None], "no paragraph was added"
    assert {s.pk for s in old} - {s.previous_id for s in continued}, "none was removed"
    # A continued paragraph keeps its key, so its earlier comments show against it.
    assert all(s.key == s.previous.key for s in continued)
    carried = Comment.objects.filter(section__in=[s.previous for s in continued])
    assert carried.count() >= 30
    # The corrected match (consultation.toml, [[revision.match]]).
    assert v2.sections.get(ordinal=12).previous.key == "6-funding-and-universal-service-2"
    # Published with the round that follows the open one.
    assert consultation.rounds.get(number=2).document_version == v2


def test_demo_draft_reads_in_french(seeded, client):
    _output, consultation = seeded
    v1 = consultation.versions.get(number=1)
    assert SectionTranslation.objects.filter(section__version=v1, language="fr").count() == (
        v1.sections.count()
    )
    page = client.get(f"/c/{consultation.slug}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "connectivité significative" in page


def test_demo_has_an_answered_appeal(seeded):
    _output, consultation = seeded
    appeal = Appeal.objects.get(comment__consultation=consultation)
    assert appeal.appellant == appeal.comment.author
    assert appeal.appellant.email == "stakeholder@example.org"
    answer = DispositionEntry.objects.get(appeal=appeal)
    assert answer.rationale and answer.pk != appeal.entry_id


def test_demo_has_a_meeting_with_its_published_summary(seeded):
    _output, consultation = seeded
    held = Meeting.objects.get(consultation=consultation, summary_published_at__isnull=False)
    assert held.starts_at < timezone.now() and held.summary_html


def test_demo_campaign_is_one_cluster_answered_once(seeded):
    _output, consultation = seeded
    cluster = CampaignCluster.objects.get(consultation=consultation, locked=True)
    answer = ClusterAnswer.objects.get(cluster=cluster)
    entries = DispositionEntry.objects.filter(cluster_answer=answer)
    assert cluster.size == entries.count() == 5
    assert len({entry.comment_id for entry in entries}) == 5


def test_demo_comments_are_tagged_with_themes(seeded):
    _output, consultation = seeded
    assert consultation.themes.count() == 4
    assert ThemeTag.objects.filter(theme__consultation=consultation).count() >= 7
    assert all(theme.tags.exists() for theme in consultation.themes.all())


def _readme_figure(pattern: str) -> int:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    found = re.search(pattern, " ".join(readme.split()))
    assert found, f"README.md no longer says {pattern!r}"
    return int(found.group(1))


def test_readme_figures_are_what_seed_demo_makes(seeded):
    """The README's description of the demo, number by number, against the database."""
    _output, consultation = seeded
    comments = Comment.objects.filter(consultation=consultation)
    version = version_current(consultation=consultation)
    ledger = DispositionEntry.objects.filter(consultation=consultation)
    figures = {
        r"(\d+) commentable paragraphs": version.sections.count(),
        r"(\d+) participants \(": Participant.objects.count(),
        r"(\d+) comments and replies": comments.count(),
        r"comments and replies \((\d+) comments": comments.filter(parent__isnull=True).count(),
        r"and (\d+) replies\)": comments.filter(parent__isnull=False).count(),
        r"(\d+) published decisions": ledger.count(),
        r"\(and (\d+) drafted\)": DispositionDraft.objects.filter(
            comment__consultation=consultation
        ).count(),
        r"a campaign of (\d+) near-identical": CampaignCluster.objects.get(
            consultation=consultation, locked=True
        ).size,
        r"(\d+) themes": consultation.themes.count(),
    }
    stated = {pattern: _readme_figure(pattern) for pattern in figures}
    assert stated == figures


# -- the data files (plenary/demo/data): a typo fails, naming the file ----------------


@pytest.fixture
def data(tmp_path, monkeypatch):
    """A copy of the demo's data folder, which seed_demo then reads."""
    root = tmp_path / "data"
    shutil.copytree(load.DATA, root)
    monkeypatch.setattr(load, "DATA", root)
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_demo_data_is_read_whole():
    demo = load.read_demo()
    assert [c["slug"] for c in demo["consultations"]] == [
        "community-networks-policy",
        "gender-inclusive-participation",
    ]
    main = demo["consultations"][0]
    assert len(main["input"]["comment"]) >= 40 and main["draft"].startswith("# Draft")
    assert load.facts().emails == dict(
        zip(["secretariat", "moderator", "stakeholder"], DEMO_ACCOUNTS, strict=True)
    )


MAIN = "community-networks-policy"


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        # a misspelt key, at the top level and inside a nested table
        (
            "people.toml",
            'country = "KE", gender',
            'contry = "KE", gender',
            r"people\.toml, participants 1: unknown key 'contry'",
        ),
        (
            f"{MAIN}/comments.toml",
            'by = "wanjiku"\norg',
            'by = "wanjiku"\norganisation',
            rf"{MAIN}/comments\.toml, comment 1: unknown key 'organisation'",
        ),
        (
            f"{MAIN}/comments.toml",
            'status = "accepted"',
            'statue = "accepted"',
            r"comments\.toml, comment 1, decision: unknown key 'statue'",
        ),
        (
            f"{MAIN}/consultation.toml",
            "closes_in_days = 30",
            "close_in_days = 30",
            r"consultation\.toml, round: unknown key 'close_in_days'",
        ),
        # a key the loader needs, left out; a value of the wrong type
        (
            "organisations.toml",
            'handle = "rcc"\n',
            "",
            r"organisations\.toml, organisation 1: missing key 'handle'",
        ),
        (
            f"{MAIN}/consultation.toml",
            "closes_in_days = 30",
            'closes_in_days = "30"',
            r"consultation\.toml, round, closes_in_days: should be an integer, not '30'",
        ),
        # a name that refers to no one
        (
            f"{MAIN}/comments.toml",
            'by = "meshmaker"',
            'by = "meshmaker2"',
            r"comment 1, reply 1: 'meshmaker2' is not a known handle",
        ),
        # not TOML at all
        ("demo.toml", "consultations = [", "consultations = [[", r"^demo\.toml: "),
    ],
)
def test_a_typo_in_the_demo_data_fails_naming_the_file(data, file, old, new, message):
    edit(data / file, old, new)
    with pytest.raises(load.DemoDataError, match=message):
        load.read_demo()


def test_a_data_file_nothing_reads_is_an_error(data):
    (data / MAIN / "comment.toml").write_text("[[comment]]\n", encoding="utf-8")
    with pytest.raises(load.DemoDataError, match=rf"{MAIN}/comment\.toml: not read"):
        load.read_demo()


def test_data_the_services_refuse_fails_naming_the_file_and_seeds_nothing(db, data):
    edit(data / MAIN / "comments.toml", 'on = "1-purpose-1"', 'on = "1-purpose-9"')
    before = counts()
    with pytest.raises(CommandError, match=rf"{MAIN}/comments\.toml, comment 1: '1-purpose-9'"):
        seed()
    assert counts() == before
