"""axe-core (bundled by axe-playwright-python) on every public page and the main staff
pages of the seeded demo, at a desktop width and on a 360-pixel phone: no serious or
critical violations.

One test visits every page on one seeded database (seeding is the slow part); it
prints a per-page summary of violations by impact so CI logs show the figures,
and fails listing every serious or critical violation it found.
"""

from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from comments.models import Comment
from comments.moderation import services as moderation
from comments.threads import services as comment_services
from consult.consultations import services as consult_services
from consult.models import Consultation
from plenary.demo.load import facts
from stakeholders.models import Organisation, User

demo = facts()  # the password, the logins' addresses and the demo consultation's slug

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCKING = {"serious", "critical"}
IMPACTS = ("critical", "serious", "moderate", "minor")
# A desktop and the smallest common phone (issue 9: "on a 360-pixel-wide touch screen").
WIDTHS = (1280, 360)


def sign_in(page, base, email, password=demo.password):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def moderation_demo(consultation: Consultation, comment: Comment) -> Comment:
    """Give the editing and moderation pages something to show (issue 8).

    The stakeholder's ``comment`` gets a second version (its history page); a
    comment by someone else is reported (the queue, its moderation page and the
    report form), another one hidden ("recently hidden"), one held by
    pre-moderation, and one participant blocked (the blocks page).  Returns the
    reported comment.
    """
    secretariat = User.objects.get(email=demo.emails["secretariat"])
    comment_services.comment_edit(
        actor=comment.author, comment=comment, body=comment.body + "\n\nEdited for the demo."
    )
    others = list(
        Comment.objects.filter(
            consultation=consultation,
            parent=None,
            visibility=Comment.Visibility.PUBLIC,
            author__email__endswith="@demo.example.org",
        )
        .exclude(author__email__in=["amina@demo.example.org", "joao@demo.example.org"])
        .order_by("pk")[:2]
    )
    reported, hidden = others
    amina = User.objects.get(email="amina@demo.example.org")
    moderation.flag_create(actor=amina, comment=reported, reason="off_topic", note="Off topic.")
    moderation.comment_hide(actor=secretariat, comment=hidden, reason="Advertising.")
    charter = {
        field: getattr(consultation, field)
        for field in ("title", "summary", "goals", "ground_rules")
    }
    consult_services.consultation_update(
        actor=secretariat, consultation=consultation, premoderate_first=1, **charter
    )
    joao = User.objects.get(email="joao@demo.example.org")
    comment_services.comment_create(
        actor=joao,
        consultation=consultation,
        section_key=comment.section.key,
        body="A first comment, held for a moderator.",
    )
    consult_services.consultation_update(
        actor=secretariat, consultation=consultation, premoderate_first=0, **charter
    )
    moderation.participant_block(
        actor=secretariat, consultation=consultation, user=joao, reason="Repeated spam."
    )
    return reported


FRENCH = "anonymous, in French"


def translate_demo(consultation: Consultation) -> None:
    """A French translation of the demo's current draft (consult/translations/services.py)."""
    from consult.consultations.selectors import version_current
    from consult.translations import services as translations

    version = version_current(consultation=consultation)
    sections = list(version.sections.order_by("ordinal"))
    text = "\n\n".join(
        f"=== {section.key} ===\n"
        + (f"# (FR) {section.heading}\n" if section.heading else "")
        + f"(FR) {section.body}"
        for section in sections
    )
    secretariat = User.objects.get(email=demo.emails["secretariat"])
    translations.version_translation_set(
        actor=secretariat, version=version, language="fr", text=text
    )


def choose_french(page, base):
    """With the switcher in the header, by keyboard, as a visitor without an account would."""
    page.goto(f"{base}/")
    page.get_by_label("Language", exact=True).select_option("fr")
    page.get_by_role("button", name="Change language").press("Enter")
    page.wait_for_selector("html[lang=fr]")


def demo_paths():
    """The pages to check, from the seeded demo: (who, path) pairs."""
    consultation = Consultation.objects.get(slug=demo.slug)
    slug = consultation.slug
    comment = (
        Comment.objects.filter(
            consultation=consultation, author__email=demo.emails["stakeholder"], parent=None
        )
        .order_by("pk")
        .first()
    )
    section_key = comment.section.key
    reported = moderation_demo(consultation, comment)
    public = [
        "/",
        f"/c/{slug}/",
        f"/c/{slug}/s/{section_key}/",
        f"/c/{slug}/ledger/",
        "/r/",
        f"/r/{comment.receipt}/",
        "/accounts/login/",
        "/accounts/signup/",
        f"/c/{slug}/versions/",
        f"/c/{slug}/charter/",
        f"/c/{slug}/search/?q=community",
        "/me/time-zone/",
    ]
    # The interface in French (chosen with the switcher) on a translated draft (issue 9).
    french = [
        "/",
        f"/c/{slug}/",
        f"/c/{slug}/?original=1",
        f"/c/{slug}/s/{section_key}/",
        f"/r/{comment.receipt}/",
    ]
    translate_demo(consultation)
    participant = [
        f"/c/{slug}/s/{section_key}/",  # now with the comment form and reply boxes
        f"/c/{slug}/s/{section_key}/#errors",  # ... and sent empty
        f"/r/{comment.receipt}/",  # the owner's view (appeal form)
        "/me/input/",
        "/me/profile/",
        "/me/affiliations/",
        "/me/data/",
        "/me/erase/",
        f"/r/{comment.receipt}/edit/",
        f"/r/{comment.receipt}/history/",
        f"/r/{reported.receipt}/flag/",
        f"/c/{slug}/rounds/1/questions/",
    ]
    staff = [
        "/staff/",
        f"/staff/c/{slug}/",
        f"/staff/c/{slug}/triage/",
        f"/staff/comments/{comment.receipt}/decide/",
        f"/staff/c/{slug}/appeals/",
        f"/staff/c/{slug}/coverage/",
        f"/staff/c/{slug}/moderation/",
        f"/staff/c/{slug}/moderation/blocks/",
        f"/staff/comments/{reported.receipt}/moderate/",
        f"/staff/c/{slug}/themes/",
        f"/staff/c/{slug}/snippets/",
        f"/staff/c/{slug}/report/",
        f"/staff/c/{slug}/team/",
        f"/staff/c/{slug}/rounds/1/questions/",
        f"/staff/c/{slug}/comments/enter/",
        f"/staff/c/{slug}/comments/import/",
        f"/staff/c/{slug}/comments/entered/",
        "/staff/registry/",
        "/staff/registry/affiliations/",
        "/staff/registry/groups/",
        "/staff/registry/groups/users/",
        f"/staff/registry/organisations/{Organisation.objects.order_by('pk').first().pk}/",
        f"/staff/c/{slug}/versions/{consultation.versions.order_by('number').last().number}"
        "/translations/fr/",
    ]
    return (
        [(None, p) for p in public]
        + [(FRENCH, p) for p in french]
        + [(demo.emails["stakeholder"], p) for p in participant]
        + [(demo.emails["secretariat"], p) for p in staff]
    )


def test_axe_finds_no_serious_or_critical_violations(live_server, new_page):
    from axe_playwright_python.sync_playwright import Axe

    call_command("seed_demo", "--quiet-mail")
    axe = Axe()
    base = live_server.url
    pages = {}
    rows, blocking, requested = [], [], []
    for who, path in demo_paths():
        if who not in pages:
            pages[who] = new_page()
            pages[who].on("request", lambda request: requested.append(request.url))
            if who == FRENCH:
                choose_french(pages[who], base)
            elif who:
                sign_in(pages[who], base, who)
        page = pages[who]
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            if path.endswith("#errors"):  # the comment form sent empty: errors beside the field
                page.goto(f"{base}{path}")
                page.get_by_role("button", name="Send comment").click()
                body = page.get_by_label("Your comment")
                assert body.get_attribute("aria-invalid") == "true"
                described = (body.get_attribute("aria-describedby") or "").split()
                assert any("error" in id_ for id_ in described), described
            else:
                response = page.goto(f"{base}{path}")
                assert response.status == 200, f"{path} as {who or 'anonymous'}: {response.status}"
            violations = axe.run(page).response["violations"]
            counts = {impact: 0 for impact in IMPACTS}
            for violation in violations:
                counts[violation["impact"] or "minor"] += len(violation["nodes"])
                if violation["impact"] in BLOCKING:
                    targets = [node["target"] for node in violation["nodes"][:3]]
                    blocking.append(
                        f"{path} @{width}px ({who or 'anonymous'}): {violation['id']} "
                        f"({violation['impact']}) {violation['help']} at {targets}"
                    )
            rows.append(
                (who or "anonymous", f"{path} @{width}px", counts, [v["id"] for v in violations])
            )

    print("\naxe-core results (nodes per impact):")
    for who, path, counts, ids in rows:
        figures = " ".join(f"{impact}={counts[impact]}" for impact in IMPACTS)
        print(f"  {who:<26} {path:<74} {figures} {','.join(ids)}")
    host = urlsplit(base).netloc
    elsewhere = sorted({url for url in requested if urlsplit(url).netloc != host})
    print(f"{len(requested)} requests, {len(elsewhere)} not to {host}")
    assert not elsewhere, f"third-party requests: {elsewhere}"
    assert not blocking, "serious or critical axe violations:\n" + "\n".join(blocking)
