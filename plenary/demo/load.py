"""The demo loader: reads ``plenary/demo/data`` and builds the demo through the services.

The content (people, organisations, drafts, comments, decisions) is data, in
TOML and Markdown files; this module turns it into the same service calls the
pages and the API make (consultation_create, draft_import, round_open,
comment_create, disposition_record, ...), so the demo obeys every rule the
application enforces.  Only the accounts themselves and the secretariat's
site-wide permissions are written directly, as an administrator would in the
admin: no service creates accounts.

Every import of an app module in ``plenary.demo`` is in this file, so moving
an app's modules means editing only the imports below.

``read_demo`` reads and checks every file before anything is written: an
unknown or missing key, a wrong type, a name that refers to no one, or a file
in the folder that nothing reads is a ``DemoDataError`` naming the file.  What
the services refuse (a bad status, a section key the draft does not have) is
reported the same way, and the whole seed is rolled back.
"""

import random
import tomllib
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import TypeVar

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from comments.answers import services as answering
from comments.models import Comment

# The app modules the demo is built with (and the only ones plenary.demo imports).
from comments.offline import services as offline
from comments.signatures import services as signing
from comments.supports import services as supporting
from comments.threads import services as comment_services
from consult.charter import services as charter
from consult.consultations import services as consult_services
from consult.meetings import services as meetings
from consult.models import Consultation, Role
from consult.questions import services as questions
from consult.translations import services as translations
from consult.versions import services as version_services
from feedback.clusters import services as clusters
from feedback.ledger import services as feedback_services
from feedback.models import CampaignCluster
from feedback.themes import services as themes
from stakeholders.defaults import ensure_default_groups, translate_default_groups
from stakeholders.models import StakeholderGroup
from stakeholders.registry import services as stakeholder_services

DATA = Path(__file__).parent / "data"
Known = TypeVar("Known", str, int)


class DemoDataError(CommandError):
    """A data file the loader cannot use; the message starts with the file's name."""


# -- reading and checking the files --------------------------------------------------

# What each file holds: a table's keys (``?``: may be left out) and their types;
# ``[str]`` a list of strings, ``[{...}]`` a list of tables.
PERSON = {"handle": str, "name": str, "group": str, "country": str, "gender?": str}
DEMO = {"consultations": [str]}
PEOPLE = {
    "password": str,
    "participant_email": str,
    "participants": [PERSON],
    "login": [{**PERSON, "email": str, "note": str, "permissions?": [str]}],
}
ORGANISATIONS = {
    "verified_by": str,
    "organisation": [
        {
            "handle": str,
            "name": str,
            "group": str,
            "country": str,
            "website": str,
            "verification_note": str,
            "members": [str],
        }
    ],
}
CONSULTATION = {
    "title": str,
    "summary": str,
    "goals": str,
    "ground_rules": str,
    "code_of_conduct?": str,
    "code_of_conduct_accepted?": bool,
    "run_by": str,
    "moderators": [str],
    "draft_changelog": str,
    "round": {"title": str, "opens_in_days?": int, "closes_in_days": int},
    "meeting?": [
        {
            "title": str,
            "kind": str,
            "starts_in_days": int,
            "hours": int,
            "timezone": str,
            "place": str,
            "link": str,
            "language": str,
            "groups": [str],
            "description": str,
            "summary?": str,
        }
    ],
    "question?": [
        {
            "text": str,
            "kind": str,
            "choices?": [str],
            "scale_min_label?": str,
            "scale_max_label?": str,
            "choice_translations?": {"fr?": [str], "es?": [str], "pt?": [str]},
        }
    ],
    # The revised draft (version 2): imported, its matches corrected, published
    # with a second round that opens when the first closes.
    "revision?": {
        "draft": str,
        "changelog": str,
        "round_title": str,
        "round_days": int,
        "match?": [{"paragraph": int, "continues": str}],
    },
    # Translations of version 1, in consult.translations' pasted format.
    "translation?": [{"language": str, "file": str}],
}


def comments_schema(questions: int) -> dict:
    """What comments.toml holds, for a round with ``questions`` questions."""
    return {
        "comment?": [
            {
                "on?": str,
                "by": str,
                "org?": str,
                "private?": bool,
                "text": str,
                "amend?": {"quote": str, "replacement": str},
                "supports?": [str],
                "signatures?": [str],
                "decision?": {"status": str, "rationale?": str, "publish?": bool},
                "reply?": [{"by": str, "text": str}],
                "themes?": [str],
                "appeal?": {"reason": str, "answer": {"status": str, "rationale": str}},
            }
        ],
        "campaign?": [
            {
                "on?": str,
                "by": [str],
                "texts": [str],
                "decision": {"status": str, "rationale": str},
            }
        ],
        "theme?": [{"name": str, "description": str}],
        "endorsements?": {"seed": int, "count": int, "texts": [str]},
        "answers?": {"entries": [{"by": str, **{f"q{n}?": str for n in range(1, questions + 1)}}]},
        "offline?": [
            {
                "channel": str,
                "received_days_ago": int,
                "submitter_name": str,
                "submitter_organisation?": str,
                "on?": str,
                "text": str,
            }
        ],
    }


TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false"}


def _check(where: str, value, schema):
    """``value`` if it is what ``schema`` describes, else a DemoDataError saying where not."""
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            raise DemoDataError(f"{where}: should be a table, not {value!r}")
        keys = {key.rstrip("?"): key for key in schema}
        unknown = sorted(value.keys() - keys.keys())
        if unknown:
            raise DemoDataError(
                f"{where}: unknown key {', '.join(map(repr, unknown))} "
                f"(known keys: {', '.join(keys)})"
            )
        missing = [key for key, spelt in keys.items() if spelt == key and key not in value]
        if missing:
            raise DemoDataError(f"{where}: missing key {', '.join(map(repr, missing))}")
        for key, item in value.items():
            _check(f"{where}, {key}", item, schema[keys[key]])
    elif isinstance(schema, list):
        if not isinstance(value, list):
            raise DemoDataError(f"{where}: should be a list, not {value!r}")
        for n, item in enumerate(value, start=1):
            _check(f"{where} {n}", item, schema[0])
    elif type(value) is not schema:  # not isinstance: true is not an integer here
        raise DemoDataError(f"{where}: should be {TYPE_NAMES[schema]}, not {value!r}")
    return value


def _known(where: str, name: Known, names, what: str) -> Known:
    if name not in names:
        raise DemoDataError(f"{where}: {name!r} is not a known {what}")
    return name


class _Folder:
    """The data folder, remembering which files were read."""

    def __init__(self, root: Path):
        self.root = root
        self.read: set[Path] = set()

    def text(self, name: str) -> str:
        path = self.root / name
        self.read.add(path)
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise DemoDataError(f"{name}: no such file in {self.root}") from None

    def toml(self, name: str, schema: dict) -> dict:
        try:
            data = tomllib.loads(self.text(name))
        except tomllib.TOMLDecodeError as exc:
            raise DemoDataError(f"{name}: {exc}") from exc
        return _check(name, data, schema)

    def unread(self) -> list[str]:
        return sorted(
            str(path.relative_to(self.root))
            for path in self.root.rglob("*")
            if path.is_file() and path not in self.read and not path.name.startswith(".")
        )


def read_demo(root: Path | None = None) -> dict:
    """Every data file (in ``root``, by default ``DATA``), checked; raises
    ``DemoDataError`` naming the file at fault."""
    folder = _Folder(root or DATA)
    demo = folder.toml("demo.toml", DEMO)
    if not demo["consultations"]:
        raise DemoDataError("demo.toml: consultations is empty")
    people = folder.toml("people.toml", PEOPLE)
    for person in people["participants"]:
        person["email"] = people["participant_email"].format(handle=person["handle"])
    handles = [person["handle"] for person in people["login"] + people["participants"]]
    if len(set(handles)) != len(handles):
        raise DemoDataError("people.toml: a handle is used twice")

    organisations = folder.toml("organisations.toml", ORGANISATIONS)
    _known("organisations.toml", organisations["verified_by"], handles, "handle")
    for n, organisation in enumerate(organisations["organisation"], start=1):
        for member in organisation["members"]:
            _known(f"organisations.toml, organisation {n}", member, handles, "handle")
    org_handles = [organisation["handle"] for organisation in organisations["organisation"]]

    consultations = []
    for slug in demo["consultations"]:
        name = f"{slug}/consultation.toml"
        consultation = folder.toml(name, CONSULTATION)
        for who in [consultation["run_by"], *consultation["moderators"]]:
            _known(name, who, handles, "handle")
        consultation["slug"] = slug
        consultation["draft"] = folder.text(f"{slug}/draft.md")
        if "revision" in consultation:
            revision = consultation["revision"]
            revision["source"] = folder.text(f"{slug}/{revision['draft']}")
        for translation in consultation.get("translation", []):
            translation["text"] = folder.text(f"{slug}/{translation['file']}")
        consultation["participant_handles"] = [p["handle"] for p in people["participants"]]
        consultation["input"] = {}
        name = f"{slug}/comments.toml"
        if (folder.root / name).exists():
            schema = comments_schema(len(consultation.get("question", [])))
            consultation["input"] = given = folder.toml(name, schema)
            for n, comment in enumerate(given.get("comment", []), start=1):
                where = f"{name}, comment {n}"
                _known(where, comment["by"], handles, "handle")
                if "org" in comment:
                    _known(where, comment["org"], org_handles, "organisation")
                for m, reply in enumerate(comment.get("reply", []), start=1):
                    _known(f"{where}, reply {m}", reply["by"], handles, "handle")
                theme_names = [theme["name"] for theme in given.get("theme", [])]
                for theme in comment.get("themes", []):
                    _known(where, theme, theme_names, "theme")
            for n, campaign in enumerate(given.get("campaign", []), start=1):
                where = f"{name}, campaign {n}"
                if len(campaign["by"]) != len(campaign["texts"]):
                    raise DemoDataError(f"{where}: give one text per author in 'by'")
                for who in campaign["by"]:
                    _known(where, who, handles, "handle")
            for n, answer in enumerate(given.get("answers", {}).get("entries", []), start=1):
                _known(f"{name}, answers, entries {n}", answer["by"], handles, "handle")
        consultations.append(consultation)

    unread = folder.unread()
    if unread:
        raise DemoDataError(
            f"{', '.join(unread)}: not read by the loader (a consultation missing from "
            "demo.toml, or a misnamed file?)"
        )
    return {"people": people, "organisations": organisations, "consultations": consultations}


def facts(root: Path | None = None) -> SimpleNamespace:
    """What tests and benchmarks need to know of the demo: the login password,
    the logins' addresses by handle, and the demo consultation's slug."""
    demo = read_demo(root)
    return SimpleNamespace(
        password=demo["people"]["password"],
        emails={login["handle"]: login["email"] for login in demo["people"]["login"]},
        slug=demo["consultations"][0]["slug"],
    )


@contextmanager
def _blame(where: str):
    """A service's refusal of the data, as an error naming the data file."""
    try:
        yield
    except ValidationError as exc:
        raise DemoDataError(f"{where}: {'; '.join(exc.messages)}") from exc


# -- seeding ------------------------------------------------------------------------


def seed_demo(*, stdout, style) -> None:
    """Seed the demo unless its first consultation exists; report on ``stdout``."""
    demo = read_demo()
    people = demo["people"]
    first, *others = demo["consultations"]
    if Consultation.objects.filter(slug=first["slug"]).exists():
        stdout.write(f"The demo consultation “{first['slug']}” already exists; nothing to do.")
        _print_logins(stdout, people)
        return
    emails = [person["email"] for person in people["login"] + people["participants"]]
    existing = get_user_model().objects.filter(email__in=emails).values_list("email", flat=True)
    if existing:
        raise CommandError(
            "These demo accounts already exist without the demo consultation: "
            f"{', '.join(sorted(existing))}. Use a fresh database, or remove them first."
        )
    # One transaction: a failure leaves nothing half-seeded.  Decision mails
    # are relayed by the outbox after it commits.
    with transaction.atomic():
        stats = _seed(demo)
    stdout.write(
        style.SUCCESS(
            f"Seeded “{first['title']}”: {stats[0]['sections']} sections, "
            f"{stats[0]['participants']} participants, {stats[0]['organisations']} verified "
            f"organisations, {stats[0]['comments']} comments and replies, "
            f"{stats[0]['published']} published decisions ({stats[0]['drafts']} drafted), "
            f"round open until {stats[0]['closes_at']:%Y-%m-%d}."
        )
    )
    for consultation, stat in zip(others, stats[1:], strict=True):
        stdout.write(
            f"Also seeded “{consultation['title']}”, whose round opens on "
            f"{stat['opens_at']:%Y-%m-%d}."
        )
    _print_logins(stdout, people)


def _print_logins(stdout, people: dict) -> None:
    stdout.write(f"Demo logins (password for all three: {people['password']}):")
    for login in people["login"]:
        stdout.write(f"  {login['email']:<26} {login['note']}")


def _account(email: str, password: str | None):
    # No service creates accounts: written as an administrator would.
    # create_user(password=None) stores an unusable password: these
    # participants exist to have written comments, not to sign in.
    user = get_user_model().objects.create_user(email=email, password=password)
    # Commenting needs a confirmed address (comments.permissions.has_verified_email).
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user


def _seed(demo: dict) -> list[dict]:
    people, now = demo["people"], timezone.now()
    ensure_default_groups(StakeholderGroup)  # normally there already, from a migration
    translate_default_groups(StakeholderGroup)
    groups = {group.slug: group for group in StakeholderGroup.objects.all()}

    users = {}
    for login in people["login"]:
        user = _account(login["email"], people["password"])
        if login.get("permissions"):
            # Site-wide permissions, granted as in the admin (no service does it).
            user.user_permissions.add(
                *(
                    Permission.objects.get(content_type__app_label=app, codename=codename)
                    for app, codename in (name.split(".") for name in login["permissions"])
                )
            )
            user = get_user_model().objects.get(pk=user.pk)  # drop the cached permissions
        users[login["handle"]] = user
    for person in people["participants"]:
        users[person["handle"]] = _account(person["email"], None)
    participants = {}
    for person in people["login"] + people["participants"]:
        where = f"people.toml, {person['handle']!r}"
        with _blame(where):
            participants[person["handle"]] = stakeholder_services.participant_save_profile(
                user=users[person["handle"]],
                display_name=person["name"],
                group=groups[_known(where, person["group"], groups, "stakeholder group")],
                country=person["country"],
                gender=person.get("gender", ""),
            )

    organisations = {}
    verifier = users[demo["organisations"]["verified_by"]]
    for n, spec in enumerate(demo["organisations"]["organisation"], start=1):
        where = f"organisations.toml, organisation {n}"
        with _blame(where):
            organisation = stakeholder_services.organisation_create(
                actor=verifier,
                name=spec["name"],
                group=groups[_known(where, spec["group"], groups, "stakeholder group")],
                country=spec["country"],
                website=spec["website"],
            )
            stakeholder_services.organisation_verify(
                actor=verifier, organisation=organisation, note=spec["verification_note"]
            )
            for member in spec["members"]:
                affiliation = stakeholder_services.affiliation_request(
                    participant=participants[member], organisation=organisation
                )
                stakeholder_services.affiliation_decide(
                    actor=verifier, affiliation=affiliation, approve=True
                )
        organisations[spec["handle"]] = organisation

    stats = [
        _seed_consultation(spec, now=now, users=users, groups=groups, organisations=organisations)
        for spec in demo["consultations"]
    ]
    stats[0].update(participants=len(participants), organisations=len(organisations))
    return stats


def _seed_consultation(spec: dict, *, now, users, groups, organisations) -> dict:
    name, slug = f"{spec['slug']}/consultation.toml", spec["slug"]
    actor = users[spec["run_by"]]
    with _blame(name):
        consultation = consult_services.consultation_create(
            actor=actor,
            title=spec["title"],
            summary=spec["summary"],
            goals=spec["goals"],
            ground_rules=spec["ground_rules"],
            code_of_conduct=spec.get("code_of_conduct", ""),
            slug=slug,
        )
        for moderator in spec["moderators"]:
            consult_services.consultation_role_grant(
                actor=actor, consultation=consultation, user=users[moderator], role=Role.MODERATOR
            )
    with _blame(f"{slug}/draft.md"):
        version = version_services.draft_import(
            actor=actor,
            consultation=consultation,
            source=spec["draft"],
            changelog=spec["draft_changelog"],
        )
    sections = list(version.sections.order_by("ordinal"))
    opens_in = spec["round"].get("opens_in_days")
    opens_at = now + timedelta(days=opens_in) if opens_in is not None else None
    closes_at = now + timedelta(days=spec["round"]["closes_in_days"])
    with _blame(f"{name}, round"):
        round_ = consult_services.round_open(
            actor=actor,
            consultation=consultation,
            opens_at=opens_at,
            closes_at=closes_at,
            title=spec["round"]["title"],
        )
    for n, meeting in enumerate(spec.get("meeting", []), start=1):
        starts_at = (now + timedelta(days=meeting["starts_in_days"])).replace(
            minute=0, second=0, microsecond=0
        )
        where = f"{name}, meeting {n}"
        with _blame(where):
            meeting_ = meetings.meeting_create(
                actor=actor,
                consultation=consultation,
                title=meeting["title"],
                kind=meeting["kind"],
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=meeting["hours"]),
                timezone=meeting["timezone"],
                place=meeting["place"],
                link=meeting["link"],
                language=meeting["language"],
                groups=[groups[_known(where, g, groups, "group")] for g in meeting["groups"]],
                description=meeting["description"],
            )
            if "summary" in meeting:
                meetings.meeting_summary_publish(
                    actor=actor, meeting=meeting_, summary=meeting["summary"]
                )
    if spec.get("code_of_conduct_accepted"):
        team = {spec["run_by"], *spec["moderators"]}
        for handle, user in users.items():
            if handle not in team:
                charter.charter_accept(actor=user, consultation=consultation)
    comments, published, drafts = _seed_input(
        spec,
        consultation=consultation,
        round_=round_,
        sections=sections,
        users=users,
        organisations=organisations,
    )
    if "revision" in spec:
        _seed_revision(spec, consultation=consultation, actor=actor, after=round_)
    for translation in spec.get("translation", []):
        with _blame(f"{slug}/{translation['file']}"):
            translations.version_translation_set(
                actor=actor,
                version=version,
                language=translation["language"],
                text=translation["text"],
            )
    return {
        "sections": len(sections),
        "comments": len(comments),
        "published": published,
        "drafts": drafts,
        "opens_at": round_.opens_at,
        "closes_at": closes_at,
    }


def _seed_input(spec: dict, *, consultation, round_, sections, users, organisations):
    """What participants sent (comments.toml): comments with their replies and
    decisions, endorsements, answers to the round's questions, offline input."""
    slug, actor = spec["slug"], users[spec["run_by"]]
    given, name = spec["input"], f"{spec['slug']}/comments.toml"
    section_keys = {section.key for section in sections}
    comments: list[Comment] = []
    top_level: list[tuple[Comment, set[str]]] = []
    tagged: dict[str, list[Comment]] = {}
    published = drafts = 0
    for n, item in enumerate(given.get("comment", []), start=1):
        where = f"{name}, comment {n}"
        if "on" in item:
            _known(where, item["on"], section_keys, f"section key of {slug}/draft.md")
        with _blame(where):
            comment = comment_services.comment_create(
                actor=users[item["by"]],
                consultation=consultation,
                body=item["text"],
                section_key=item.get("on"),
                on_behalf_of=organisations[item["org"]] if "org" in item else None,
                visibility=(
                    Comment.Visibility.PRIVATE if item.get("private") else Comment.Visibility.PUBLIC
                ),
                amendment=item.get("amend"),  # a proposed wording (issue 24)
            )
            comments.append(comment)
            for handle in item.get("supports", []):
                supporting.amendment_support(
                    actor=users[handle], comment=comment, accept_code_of_conduct=True
                )
            for handle in item.get("signatures", []):  # co-signatures (issue 25)
                signing.signature_sign(actor=users[handle], comment=comment)
            comments.extend(
                comment_services.comment_create(
                    actor=users[reply["by"]],
                    consultation=consultation,
                    body=reply["text"],
                    parent=comment,
                )
                for reply in item.get("reply", [])
            )
            if not item.get("private"):
                voices = {item["by"], *(reply["by"] for reply in item.get("reply", []))}
                top_level.append((comment, voices))
            if "decision" in item:
                publish = item["decision"].get("publish", True)
                feedback_services.disposition_record(
                    actor=actor,
                    comment=comment,
                    status=item["decision"]["status"],
                    rationale=item["decision"].get("rationale", ""),
                    publish=publish,
                )
                published += publish
                drafts += not publish
            if "appeal" in item:
                # Filed by the author; answered by the secretariat with a new entry.
                appeal = feedback_services.appeal_file(
                    actor=users[item["by"]], comment=comment, reason=item["appeal"]["reason"]
                )
                feedback_services.disposition_record(
                    actor=actor,
                    comment=comment,
                    status=item["appeal"]["answer"]["status"],
                    rationale=item["appeal"]["answer"]["rationale"],
                    appeal=appeal,
                    publish=True,
                )
                published += 1
            for theme in item.get("themes", []):
                tagged.setdefault(theme, []).append(comment)

    if "endorsements" in given:
        endorsements = given["endorsements"]
        rng = random.Random(endorsements["seed"])  # noqa: S311 - reproducible, not secret
        for comment, voices in rng.sample(top_level, endorsements["count"]):
            endorser = rng.choice([h for h in spec["participant_handles"] if h not in voices])
            comments.append(
                comment_services.comment_create(
                    actor=users[endorser],
                    consultation=consultation,
                    body=rng.choice(endorsements["texts"]),
                    parent=comment,
                )
            )

    # The questions are asked after the comments (as they were when the demo was written).
    for n, question in enumerate(spec.get("question", []), start=1):
        with _blame(f"{slug}/consultation.toml, question {n}"):
            questions.question_create(actor=actor, round_=round_, **question)
    for n, answer in enumerate(given.get("answers", {}).get("entries", []), start=1):
        with _blame(f"{name}, answers, entries {n}"):
            comments += answering.answers_submit(
                actor=users[answer["by"]],
                round_=round_,
                answers={key: value for key, value in answer.items() if key != "by"},
            )
    for n, entry in enumerate(given.get("offline", []), start=1):
        where = f"{name}, offline {n}"
        if "on" in entry:
            _known(where, entry["on"], section_keys, f"section key of {slug}/draft.md")
        with _blame(where):
            comments.append(
                offline.comment_enter(
                    actor=actor,
                    consultation=consultation,
                    channel=entry["channel"],
                    received_on=timezone.localdate() - timedelta(days=entry["received_days_ago"]),
                    submitter_name=entry["submitter_name"],
                    submitter_organisation=entry.get("submitter_organisation", ""),
                    section_key=entry.get("on", ""),
                    body=entry["text"],
                )
            )

    for n, campaign in enumerate(given.get("campaign", []), start=1):
        where = f"{name}, campaign {n}"
        if "on" in campaign:
            _known(where, campaign["on"], section_keys, f"section key of {slug}/draft.md")
        with _blame(where):
            sent = [
                comment_services.comment_create(
                    actor=users[handle],
                    consultation=consultation,
                    body=text,
                    section_key=campaign.get("on"),
                )
                for handle, text in zip(campaign["by"], campaign["texts"], strict=True)
            ]
            comments += sent
            # The clustering job, run now rather than on its schedule.
            clusters.clusters_rebuild(consultation_id=consultation.pk)
            cluster = CampaignCluster.objects.filter(representative=sent[0]).first()
            if cluster is None or cluster.size != len(sent):
                raise DemoDataError(f"{where}: the texts are not similar enough to be one cluster")
            result = clusters.cluster_answer(
                actor=actor,
                cluster=cluster,
                status=campaign["decision"]["status"],
                rationale=campaign["decision"]["rationale"],
                publish=True,
            )
            published += len(result.drafts)

    for n, spec_theme in enumerate(given.get("theme", []), start=1):
        with _blame(f"{name}, theme {n}"):
            theme = themes.theme_create(
                actor=actor,
                consultation=consultation,
                name=spec_theme["name"],
                description=spec_theme["description"],
            )
            themes.theme_tag(actor=actor, theme=theme, comments=tagged.get(theme.name, []))
    return comments, published, drafts


def _seed_revision(spec: dict, *, consultation, actor, after) -> None:
    """Version 2: imported, its matches corrected, published with the next round."""
    slug, revision = spec["slug"], spec["revision"]
    with _blame(f"{slug}/{revision['draft']}"):
        version = version_services.draft_import(
            actor=actor,
            consultation=consultation,
            source=revision["source"],
            changelog=revision["changelog"],
        )
    if revision.get("match"):
        where = f"{slug}/consultation.toml, revision, match"
        sections = {s.ordinal: s for s in version.sections.all()}
        earlier = {s.key: s.pk for s in after.document_version.sections.all()}
        matches: dict[int, int | None] = {}
        for n, match in enumerate(revision["match"], start=1):
            _known(f"{where} {n}", match["paragraph"], sections, "paragraph of the revision")
            if match["continues"]:
                _known(f"{where} {n}", match["continues"], earlier, "section key of draft.md")
            matches[sections[match["paragraph"]].pk] = earlier.get(match["continues"])
        with _blame(where):
            version_services.version_match_set(actor=actor, version=version, matches=matches)
    with _blame(f"{slug}/consultation.toml, revision"):
        consult_services.round_open(
            actor=actor,
            consultation=consultation,
            opens_at=after.closes_at,
            closes_at=after.closes_at + timedelta(days=revision["round_days"]),
            title=revision["round_title"],
            document_version=version,
        )
