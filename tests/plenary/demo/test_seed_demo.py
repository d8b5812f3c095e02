"""The demo data contract (DESIGN.md §5): what `make run` promises a first-time user."""

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.utils import timezone

from comments.models import Comment
from consult.consultations.selectors import consultation_list_public, version_current
from consult.models import Consultation, Round, Section
from consult.permissions import can_moderate, can_run
from feedback.models import DispositionEntry
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
