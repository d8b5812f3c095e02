"""Every page fits a phone (issue 22): each HTML route of the URL resolver, at 360 and
1280 px, as the right person, on one seeded demo database in one browser.

For each page and width it asserts

* no horizontal overflow: ``document.documentElement.scrollWidth <= innerWidth`` and no
  element reaching past the viewport's right edge, unless it sits inside an explicit
  scroll region (``role="region" tabindex="0"``, reachable by keyboard) or inside an
  ancestor that clips it on purpose (``overflow: hidden``, e.g. ``.visually-hidden``);
* axe-core finds no serious or critical violation.

At 360 px it also checks the findings of issue 22 one by one: every cell of the ledger
is on screen (receipt, paragraph, author, comment, decision), the labels of the
participation charts render at 11 px or more, and the header of a signed-in staff
member takes at most 15 % of a 360 x 740 screen.  It prints the ledger's height, the
smallest chart label and the header's share so CI logs carry the figures.

Routes come from ``django.urls.get_resolver()``; their arguments from the demo
(``seed_demo``) plus a version 2 of the draft made here (for the diff and matching
pages).  Routes that are not HTML pages or need an object the demo cannot give are
listed in ``SKIPPED`` with the reason; a new route that is neither visited nor listed
fails the test, so the list stays complete.
"""

import re
import time

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

from comments.models import Amendment, Comment, Dispute
from consult.consultations import services as consult_services
from consult.models import Consultation, Role
from consult.versions import services as version_services
from feedback.agreement import services as agreement_services
from feedback.assignments import services as assignment_services
from feedback.clusters import services as cluster_services
from feedback.disputes import services as dispute_services
from feedback.ledger import services as ledger_services
from feedback.themes import services as theme_services
from plenary.demo.load import facts
from stakeholders.models import Organisation, User

demo = facts()  # the password, the logins' addresses and the demo consultation's slug

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE, DESKTOP = 360, 1280
HEIGHTS = {PHONE: 740, DESKTOP: 800}
BLOCKING = {"serious", "critical"}
MIN_CHART_LABEL_PX = 11
MAX_HEADER_SHARE = 0.15

# Route name -> why it is not visited.
SKIPPED = {
    "healthz": "not a page (a health probe)",
    "readyz": "not a page (a readiness probe)",
    "metrics": "not a page (Prometheus metrics, behind a token)",
    "attachment": "a file download, not a page",
    "meetings_ics": "a calendar file, not a page",
    "meeting_ics": "a calendar file, not a page",
    "round_answers_csv": "a CSV download, not a page",
    "staff_balance_csv": "a CSV download, not a page",
    "staff_comments_entered_csv": "a CSV download, not a page",
    "staff_report_download": "a file download; the demo has no finished report file",
    "version_download": "a DOCX/PDF download, not a page",
    "javascript-catalog": "a script, not a page",
    "set_language": "POST only (the language switcher)",
    "comment_withdraw": "POST only (a button on the receipt page)",
    "consultation_follow": "POST only (a button on the consultation page)",
    "staff_unblock": "POST only (a button on the blocks page)",
    "staff_snippet_delete": "POST only (a button on the snippets page)",
    "staff_meeting_cancel": "POST only (a button on the meeting's page)",
    "staff_themes_suggest": "POST only (a button on the themes page)",
    "staff_question_change": "POST only (the question's edit form posts here)",
    "staff_point_decide": "POST only (a point's decision form on the points page)",
    "staff_points_publish": "POST only (a button on the points page)",
    "staff_point_remove": "POST only (a button on the points page)",
    "staff_audit": "site administrators only (a superuser signed in with two-factor); "
    "the consultation's audit page is visited",
    "unsubscribe": "needs a signed token from a reminder mail; its page is covered by "
    "tests/consult/reminders/test_reminders.py",
    "receipt_sign": "POST only (the co-sign button on the receipt page)",
    "signature_form": "needs an organisation's signature link token; its page is covered by "
    "tests/comments/signatures/test_signature_links.py",
    "signature_confirm": "needs a token from a confirmation mail; its page is covered by "
    "tests/comments/signatures/test_signature_links.py",
    "signature_links": "needs a submission made on behalf of a verified organisation by a "
    "verified staff member; covered by tests/comments/signatures/test_signature_links.py",
}
# Prefixes that are not the site's own pages.
OUTSIDE = ("admin/", "api/", "i18n/", "accounts/", "__debug__/")
# allauth's pages people meet (the rest need keys from mails); who sees each.
ACCOUNT_PAGES = {
    "/accounts/login/": None,
    "/accounts/signup/": None,
    "/accounts/password/reset/": None,
    "/accounts/email/": "stakeholder",
    "/accounts/password/change/": "stakeholder",
    "/accounts/2fa/": "stakeholder",
}
# Public routes that a participant (the stakeholder who wrote the comment) must open.
AS_PARTICIPANT = {
    "receipt_appeal",
    "comment_edit",
    "comment_history",
    "receipt_attachments",
    "receipt_flag",
    "receipt_dispute",
    "receipt_support",
    "my_input",
    "evaluation",
}
# The demo's version 2 is made here and not yet published: only staff see its diff.
AS_SECRETARIAT = {"version_diff"}

OVERFLOW_JS = """() => {
  const vw = window.innerWidth;
  const region = el => el.getAttribute('role') === 'region' && el.getAttribute('tabindex') === '0';
  const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (typeof el.className === 'string' && el.className
       ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || (r.right <= vw + 0.5 && r.width <= vw + 0.5)) continue;
    let contained = false;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const ox = getComputedStyle(a).overflowX;
      if (ox === 'visible') continue;
      contained = region(a) || ox === 'hidden' || ox === 'clip';
      break;
    }
    if (!contained && !wide.some(w => w.el.contains(el))) {
      wide.push({el, right: Math.round(r.right)});
    }
  }
  return {
    scrollWidth: document.documentElement.scrollWidth, innerWidth: vw,
    height: document.documentElement.scrollHeight,
    wide: wide.slice(0, 5).map(w => describe(w.el) + ' (right edge ' + w.right + ')'),
  };
}"""

LEDGER_CELLS_JS = """() => {
  const vw = window.innerWidth;
  const rows = [...document.querySelectorAll('main table tbody tr')].slice(0, 10);
  const off = [];
  rows.forEach((row, n) => [...row.cells].forEach((cell, i) => {
    const r = cell.getBoundingClientRect();
    if (!r.width || r.left < -0.5 || r.right > vw + 0.5) off.push(`row ${n + 1} cell ${i + 1}`);
  }));
  return {rows: rows.length, off};
}"""

CHART_LABELS_JS = """() => [...document.querySelectorAll('main svg text')].map(t => {
  const svg = t.ownerSVGElement;
  const box = svg.viewBox.baseVal;
  const scale = box && box.width ? svg.getBoundingClientRect().width / box.width : 1;
  return parseFloat(getComputedStyle(t).fontSize) * scale;
})"""

HEADER_JS = "() => document.querySelector('header').getBoundingClientRect().height"


def routes(patterns=None, prefix=""):
    """(route, name) for every URL pattern, includes expanded."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.name


def make_version_2(consultation: Consultation) -> None:
    """A second version of the demo draft with one changed paragraph, for the diff pages."""
    secretariat = User.objects.get(email=demo.emails["secretariat"])
    current = consultation.versions.order_by("-number").first()
    blocks = []
    for n, section in enumerate(current.sections.order_by("ordinal")):
        if section.heading:
            blocks.append(f"## {section.heading}")
        blocks.append(section.body + (" This sentence is new in version 2." if n == 1 else ""))
    version_services.draft_import(
        actor=secretariat, consultation=consultation, source="\n\n".join(blocks)
    )


def staff_work(consultation: Consultation) -> None:
    """What the secretariat's tools hold once used: a saved rationale, a theme with a
    tagged comment, assignments, theme suggestions and campaign clusters (the demo has none)."""
    secretariat = User.objects.get(email=demo.emails["secretariat"])
    ledger_services.snippet_create(
        actor=secretariat,
        consultation=consultation,
        title="Thanks, taken on board",
        text="Thank you: the next version takes this on board.",
    )
    theme = theme_services.theme_create(
        actor=secretariat, consultation=consultation, name="Page-width check"
    )
    comments = Comment.objects.filter(consultation=consultation, parent=None).order_by("pk")
    theme_services.theme_tag(actor=secretariat, theme=theme, comments=comments[:3])
    # "My queue" and the workload with rows in them (feedback/assignments).
    assignment_services.assignments_assign(
        actor=secretariat,
        consultation=consultation,
        assignee=secretariat,
        scope=assignment_services.Scope.of(comments=comments[:3]),
    )
    theme_services.theme_suggestions_compute(consultation_id=consultation.pk)
    analyst = User.objects.get(email=demo.emails["moderator"])
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=analyst, role=Role.ANALYST
    )
    agreement_services.coding_sample_draw(
        actor=secretariat, consultation=consultation, size=2, coders=[secretariat, analyst], seed=1
    )
    cluster_services.clusters_rebuild(consultation_id=consultation.pk)
    # A dispute of the stakeholder's first comment by the moderator (issue 25): the
    # named person's link page and the secretariat's dispute pages have one to show.
    dispute_services.dispute_report(
        actor=analyst, comment=stakeholder_comment(consultation), reason="Not written by them."
    )


def stakeholder_comment(consultation: Consultation) -> Comment:
    return (
        Comment.objects.filter(
            consultation=consultation, author__email=demo.emails["stakeholder"], parent=None
        )
        .order_by("pk")
        .first()
    )


def arguments(consultation: Consultation) -> dict:
    """Values for the routes' parameters, by route name and parameter (``*`` = any route)."""
    comment = stakeholder_comment(consultation)
    dispute = Dispute.objects.filter(comment=comment).order_by("pk").first()
    version = consultation.versions.order_by("-number").first()
    first = lambda manager: manager.order_by("pk").values_list("pk", flat=True).first()  # noqa: E731
    values = {
        "*": {
            "slug": consultation.slug,
            "key": comment.section.key,
            "receipt": comment.receipt,
            "number": 1,
            "ordinal": 1,
            "language": "fr",
            "old": 1,
            "new": version.number,
        },
        "meeting": {"pk": first(consultation.meetings)},
        "staff_meeting_edit": {"pk": first(consultation.meetings)},
        "staff_meeting_summary": {"pk": first(consultation.meetings)},
        "staff_snippet_edit": {"pk": first(consultation.rationale_snippets)},
        "staff_theme": {"pk": first(consultation.themes)},
        "staff_theme_delete": {"pk": first(consultation.themes)},
        "staff_theme_suggestion": {"pk": first(consultation.theme_suggestions)},
        "staff_cluster": {"pk": first(consultation.clusters)},
        "staff_coding_sample": {"pk": first(consultation.coding_samples)},
        "registry_organisation": {"pk": first(Organisation.objects)},
        "registry_group": {"slug": "civil-society"},
        "staff_version_matching": {"number": version.number},
        "staff_version_delete": {"number": version.number},
        "staff_version_translation": {"number": version.number},
        "thread": {"receipt": comment.receipt},
        # The demo's open proposed change (plenary/demo/data: "a suitable device").
        "receipt_support": {
            "receipt": Amendment.objects.filter(comment__consultation=consultation)
            .exclude(comment__dispositions__isnull=False)
            .values_list("comment__receipt", flat=True)
            .first()
        },
        "dispute_answer": {"token": dispute.token if dispute else None},
        "staff_dispute": {"pk": dispute.pk if dispute else None},
    }
    return values


def pages(consultation: Consultation) -> tuple[list, dict]:
    """(who, path, name) to visit, and {name: reason} for routes that could not be filled."""
    values = arguments(consultation)
    visits, unfilled = [], {}
    for route, name in routes():
        if route.startswith(OUTSIDE) or name in SKIPPED:
            continue
        params = re.findall(r"<(?:\w+:)?(\w+)>", route)
        given = {**values["*"], **values.get(name, {})}
        missing = [p for p in params if given.get(p) is None]
        if missing:
            unfilled[name] = f"no {', '.join(missing)} in the demo"
            continue
        path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m, g=given: str(g[m.group(1)]), route)
        if route.startswith("staff/") or name in AS_SECRETARIAT:
            who = "secretariat"
        elif route.startswith("me/") or name in AS_PARTICIPANT:
            who = "stakeholder"
        else:
            who = None
        visits.append((who, path, name))
    visits += [(who, path, path) for path, who in ACCOUNT_PAGES.items()]
    return visits, unfilled


def sign_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(demo.password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_every_page_fits_a_phone_and_passes_axe(live_server, new_page):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import Error as PlaywrightError

    started = time.monotonic()
    call_command("seed_demo", "--quiet-mail")
    consultation = Consultation.objects.get(slug=demo.slug)
    make_version_2(consultation)
    staff_work(consultation)
    seeded = time.monotonic()
    visits, unfilled = pages(consultation)
    assert not unfilled, (
        "routes whose objects the demo lacks: give them values in arguments() or list "
        f"them in SKIPPED with the reason: {unfilled}"
    )
    axe = Axe()
    base = live_server.url
    browsers, failures, figures = {}, [], {}
    for who, path, name in visits:
        if who not in browsers:
            browsers[who] = new_page()
            if who:
                sign_in(browsers[who], base, demo.emails[who])
        page = browsers[who]
        for width in (PHONE, DESKTOP):
            page.set_viewport_size({"width": width, "height": HEIGHTS[width]})
            where = f"{path} @{width}px ({who or 'anonymous'})"
            try:
                response = page.goto(f"{base}{path}")
            except PlaywrightError as error:  # e.g. an empty 405: say which page
                failures.append(f"{where}: {error.message.splitlines()[0]}")
                continue
            if response.status != 200:
                failures.append(f"{where}: HTTP {response.status}")
                continue
            fit = page.evaluate(OVERFLOW_JS)
            if fit["scrollWidth"] > fit["innerWidth"] or fit["wide"]:
                failures.append(f"{where}: {fit['scrollWidth']} px wide; {fit['wide']}")
            for violation in axe.run(page).response["violations"]:
                if violation["impact"] in BLOCKING:
                    targets = [node["target"] for node in violation["nodes"][:3]]
                    failures.append(f"{where}: axe {violation['id']} at {targets}")
            if width != PHONE:
                continue
            if name == "ledger":
                cells = page.evaluate(LEDGER_CELLS_JS)
                figures["ledger height at 360 px"] = f"{fit['height']} px"
                if not cells["rows"] or cells["off"]:
                    failures.append(f"{where}: ledger cells off screen: {cells['off'][:5]}")
            labels = page.evaluate(CHART_LABELS_JS)
            if labels:
                smallest = min(labels)
                figures[f"smallest chart label on {path} at 360 px"] = f"{smallest:.1f} px"
                if smallest < MIN_CHART_LABEL_PX:
                    failures.append(f"{where}: chart labels render at {smallest:.1f} px")
            if name == "staff_home":
                share = page.evaluate(HEADER_JS) / HEIGHTS[PHONE]
                figures["signed-in staff header at 360 x 740"] = f"{share:.0%} of the screen"
                if share > MAX_HEADER_SHARE:
                    failures.append(f"{where}: the header takes {share:.0%} of the screen")
    elapsed = time.monotonic() - started
    print(
        f"\n{len(visits)} pages x 2 widths in {elapsed:.0f} s "
        f"(seeding {seeded - started:.0f} s); skipped routes:"
    )
    for name, reason in sorted(SKIPPED.items()):
        print(f"  {name}: {reason}")
    for figure, value in figures.items():
        print(f"{figure}: {value}")
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures)
