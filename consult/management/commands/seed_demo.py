"""``manage.py seed_demo``: a realistic demo consultation, built through the services.

Everything a participant or the secretariat could do in the browser is done
here by calling the same service functions (consultation_create, draft_import,
round_open, comment_create, disposition_record, ...), so the demo data obeys
every rule the application enforces.  Only the accounts themselves and the
secretariat's two site-wide permissions are written directly, as an
administrator would in the admin.

Idempotent: if the demo consultation already exists, the command says so and
changes nothing.
"""

import random
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from comments.models import Comment
from comments.offline import services as offline
from comments.threads import services as comment_services
from consult.charter import services as charter
from consult.consultations import services as consult_services
from consult.management.commands import _demo_content as content
from consult.meetings import services as meetings
from consult.models import Consultation, Role
from consult.questions import services as questions
from feedback.ledger import services as feedback_services
from stakeholders.defaults import ensure_default_groups
from stakeholders.models import StakeholderGroup
from stakeholders.registry import services as stakeholder_services

User = get_user_model()


class Command(BaseCommand):
    help = (
        "Create the demo consultations, accounts, comments and published decisions "
        "(does nothing if the demo consultation already exists)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--quiet-mail",
            action="store_true",
            help=(
                "Keep the mails about the demo comments (receipts) and decisions in memory "
                "instead of sending them through EMAIL_URL (by default the console). Has no "
                "effect when "
                "a Celery worker sends the mails (REDIS_URL set)."
            ),
        )

    def handle(self, *args, quiet_mail: bool, **options):
        if Consultation.objects.filter(slug=content.MAIN_SLUG).exists():
            self.stdout.write(
                f"The demo consultation “{content.MAIN_SLUG}” already exists; nothing to do."
            )
            self._print_logins()
            return
        existing = User.objects.filter(email__in=self._demo_emails()).values_list(
            "email", flat=True
        )
        if existing:
            raise CommandError(
                "These demo accounts already exist without the demo consultation: "
                f"{', '.join(sorted(existing))}. Use a fresh database, or remove them first."
            )

        backend = (
            "django.core.mail.backends.locmem.EmailBackend"
            if quiet_mail
            else None  # keep the configured backend
        )
        with override_settings(**({"EMAIL_BACKEND": backend} if backend else {})):
            # One transaction: a failure leaves nothing half-seeded.  Decision
            # mails are relayed by the outbox after it commits.
            with transaction.atomic():
                stats = self._seed()
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded “{content.MAIN_TITLE}”: {stats['sections']} sections, "
                f"{stats['participants']} participants, {stats['organisations']} verified "
                f"organisations, {stats['comments']} comments and replies, "
                f"{stats['published']} published decisions ({stats['drafts']} drafted), "
                f"round open until {stats['closes_at']:%Y-%m-%d}."
            )
        )
        self.stdout.write(
            f"Also seeded “{content.UPCOMING_TITLE}”, whose round opens on "
            f"{stats['upcoming_opens_at']:%Y-%m-%d}."
        )
        self._print_logins()

    @staticmethod
    def _demo_emails() -> list[str]:
        handles = [handle for handle, *_rest in content.PARTICIPANTS]
        return [
            content.SECRETARIAT_EMAIL,
            content.MODERATOR_EMAIL,
            content.STAKEHOLDER_EMAIL,
            *(f"{handle}@demo.example.org" for handle in handles),
        ]

    def _print_logins(self) -> None:
        self.stdout.write(f"Demo logins (password for all three: {content.DEMO_PASSWORD}):")
        self.stdout.write(
            f"  {content.SECRETARIAT_EMAIL:<26} secretariat of the demo consultations"
        )
        self.stdout.write(f"  {content.MODERATOR_EMAIL:<26} moderator of the demo consultations")
        self.stdout.write(
            f"  {content.STAKEHOLDER_EMAIL:<26} participant with comments and replies"
        )

    # -- the seed itself -------------------------------------------------------------

    def _seed(self) -> dict:
        rng = random.Random(content.RANDOM_SEED)  # noqa: S311 - reproducible, not secret
        ensure_default_groups(StakeholderGroup)  # normally there already, from a migration
        groups = {group.slug: group for group in StakeholderGroup.objects.all()}
        now = timezone.now()

        secretariat = self._account(content.SECRETARIAT_EMAIL, content.DEMO_PASSWORD)
        secretariat.user_permissions.add(
            Permission.objects.get(codename="add_consultation", content_type__app_label="consult"),
            Permission.objects.get(
                codename="verify_organisation", content_type__app_label="stakeholders"
            ),
        )
        secretariat = User.objects.get(pk=secretariat.pk)  # drop the cached permissions
        moderator = self._account(content.MODERATOR_EMAIL, content.DEMO_PASSWORD)
        stakeholder = self._account(content.STAKEHOLDER_EMAIL, content.DEMO_PASSWORD)

        # Accounts by handle.  Only the three demo accounts can sign in; the
        # other participants get no usable password.
        users = {"secretariat": secretariat, "moderator": moderator, "stakeholder": stakeholder}
        for handle, *_rest in content.PARTICIPANTS:
            users[handle] = self._account(f"{handle}@demo.example.org", None)
        participants = {}
        for handle, name, group, country, gender in [
            *content.STAFF,
            content.STAKEHOLDER,
            *content.PARTICIPANTS,
        ]:
            participants[handle] = stakeholder_services.participant_save_profile(
                user=users[handle],
                display_name=name,
                group=groups[group],
                country=country,
                gender=gender,
            )

        organisations = {}
        for handle, name, group, country, website, note, members in content.ORGANISATIONS:
            organisation = stakeholder_services.organisation_create(
                actor=secretariat, name=name, group=groups[group], country=country, website=website
            )
            stakeholder_services.organisation_verify(
                actor=secretariat, organisation=organisation, note=note
            )
            for member in members:
                affiliation = stakeholder_services.affiliation_request(
                    participant=participants[member], organisation=organisation
                )
                stakeholder_services.affiliation_decide(
                    actor=secretariat, affiliation=affiliation, approve=True
                )
            organisations[handle] = organisation

        consultation = consult_services.consultation_create(
            actor=secretariat,
            title=content.MAIN_TITLE,
            summary=content.MAIN_SUMMARY,
            goals=content.MAIN_GOALS,
            ground_rules=content.MAIN_GROUND_RULES,
            code_of_conduct=content.MAIN_CODE_OF_CONDUCT,
            slug=content.MAIN_SLUG,
        )
        consult_services.consultation_role_grant(
            actor=secretariat, consultation=consultation, user=moderator, role=Role.MODERATOR
        )
        version = consult_services.draft_import(
            actor=secretariat,
            consultation=consultation,
            source=self._main_draft(),
            changelog="First draft, published for public comment.",
        )
        closes_at = now + timedelta(days=30)
        consult_services.round_open(
            actor=secretariat,
            consultation=consultation,
            closes_at=closes_at,
            title="Public comment on the first draft",
        )
        # A regional meeting during the round (consult/meetings/services.py): its input is
        # entered as comments with the meeting as their channel.
        meetings.meeting_create(
            actor=secretariat,
            consultation=consultation,
            title="Regional meeting, Nairobi",
            kind="hybrid",
            starts_at=(now + timedelta(days=14)).replace(minute=0, second=0, microsecond=0),
            ends_at=(now + timedelta(days=14, hours=3)).replace(minute=0, second=0, microsecond=0),
            timezone="Africa/Nairobi",
            place="iHub, Senteu Plaza, Nairobi",
            link="https://meet.example.org/plenary-demo",
            language="en",
            groups=StakeholderGroup.objects.filter(slug__in=["civil-society", "users"]),
            description="An afternoon on the draft with community networks and users.",
        )
        # Each paragraph of the draft is one section, in order.
        paragraph_ids = [
            pid for _heading, paragraphs in content.MAIN_DRAFT for pid, _ in paragraphs
        ]
        sections = list(version.sections.order_by("ordinal"))
        if len(sections) != len(paragraph_ids):
            raise CommandError(
                f"The demo draft split into {len(sections)} sections, "
                f"expected {len(paragraph_ids)}."
            )
        section_keys = {
            pid: section.key for pid, section in zip(paragraph_ids, sections, strict=True)
        }

        # The demo's participants accepted the code of conduct before their
        # first comment (consult/charter/services.py); the team is not asked.
        for handle, user in users.items():
            if handle not in ("secretariat", "moderator"):
                charter.charter_accept(actor=user, consultation=consultation)

        comments: list[Comment] = []
        top_level: list[tuple[Comment, set[str]]] = []
        published = drafts = 0
        for spec in content.MAIN_COMMENTS:
            comment = comment_services.comment_create(
                actor=users[spec["by"]],
                consultation=consultation,
                body=spec["text"],
                section_key=section_keys[spec["on"]] if spec["on"] else None,
                on_behalf_of=organisations[spec["org"]] if spec.get("org") else None,
                visibility=(
                    Comment.Visibility.PRIVATE if spec.get("private") else Comment.Visibility.PUBLIC
                ),
            )
            comments.append(comment)
            voices = {spec["by"]}
            for author, text in spec.get("replies", []):
                comments.append(
                    comment_services.comment_create(
                        actor=users[author], consultation=consultation, body=text, parent=comment
                    )
                )
                voices.add(author)
            if not spec.get("private"):
                top_level.append((comment, voices))
            for key, publish in (("decision", True), ("draft", False)):
                if key in spec:
                    status, rationale = spec[key]
                    feedback_services.disposition_record(
                        actor=secretariat,
                        comment=comment,
                        status=status,
                        rationale=rationale,
                        publish=publish,
                    )
                    published += publish
                    drafts += not publish

        # A few participants add their support under other people's comments.
        endorsers = [handle for handle, *_rest in content.PARTICIPANTS]
        for comment, voices in rng.sample(top_level, content.ENDORSEMENT_COUNT):
            endorser = rng.choice([handle for handle in endorsers if handle not in voices])
            comments.append(
                comment_services.comment_create(
                    actor=users[endorser],
                    consultation=consultation,
                    body=rng.choice(content.ENDORSEMENTS),
                    parent=comment,
                )
            )

        # The round's questions, answered by most participants (consult/questions/services.py),
        # and a letter the secretariat entered for its sender (comments/offline/services.py).
        round_ = consultation.rounds.get()
        for text, kind, choices in (
            ("Should the policy cover municipal networks?", "single", ["Yes", "No", "Not sure"]),
            ("How clear is the first draft?", "scale", []),
            ("What is missing from the draft?", "free_text", []),
        ):
            questions.question_create(
                actor=secretariat,
                round_=round_,
                text=text,
                kind=kind,
                choices=choices,
                scale_min_label="unclear" if kind == "scale" else "",
                scale_max_label="very clear" if kind == "scale" else "",
            )
        for n, handle in enumerate(endorsers):
            answers = {"q1": str(n % 3 + 1), "q2": str(n % 5 + 1)}
            if n % 6 == 0:
                answers["q3"] = rng.choice(content.ENDORSEMENTS)
            comments += questions.answers_submit(
                actor=users[handle], round_=round_, answers=answers
            )
        comments.append(
            offline.comment_enter(
                actor=secretariat,
                consultation=consultation,
                channel="letter",
                received_on=timezone.localdate(),
                submitter_name="Esther Njeri",
                submitter_organisation="Kilifi Fishers' Cooperative",
                section_key=sections[0].key,
                body="We read the draft at our meeting. Please keep prices affordable for us.",
            )
        )

        upcoming_opens_at = self._seed_upcoming(secretariat=secretariat, moderator=moderator)
        return {
            "sections": len(sections),
            "participants": len(participants),
            "organisations": len(organisations),
            "comments": len(comments),
            "published": published,
            "drafts": drafts,
            "closes_at": closes_at,
            "upcoming_opens_at": upcoming_opens_at,
        }

    def _seed_upcoming(self, *, secretariat, moderator):
        """A second consultation whose round has not opened yet (listed, not commentable)."""
        consultation = consult_services.consultation_create(
            actor=secretariat,
            title=content.UPCOMING_TITLE,
            summary=content.UPCOMING_SUMMARY,
            goals=content.UPCOMING_GOALS,
            ground_rules=content.UPCOMING_GROUND_RULES,
            slug=content.UPCOMING_SLUG,
        )
        consult_services.consultation_role_grant(
            actor=secretariat, consultation=consultation, user=moderator, role=Role.MODERATOR
        )
        consult_services.draft_import(
            actor=secretariat,
            consultation=consultation,
            source=content.UPCOMING_DRAFT,
            changelog="Draft prepared by the working group.",
        )
        opens_at = timezone.now() + timedelta(days=14)
        consult_services.round_open(
            actor=secretariat,
            consultation=consultation,
            opens_at=opens_at,
            closes_at=opens_at + timedelta(weeks=5),
            title="Public comment",
        )
        return opens_at

    @staticmethod
    def _main_draft() -> str:
        parts = [f"# {content.MAIN_TITLE}", ""]
        for heading, paragraphs in content.MAIN_DRAFT:
            parts += [f"## {heading}", ""]
            for _pid, text in paragraphs:
                parts += [text, ""]
        return "\n".join(parts)

    @staticmethod
    def _account(email: str, password: str | None):
        # create_user(password=None) stores an unusable password: these
        # participants exist to have written comments, not to sign in.
        user = User.objects.create_user(email=email, password=password)
        # Commenting needs a confirmed address (comments.permissions.has_verified_email).
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        return user
