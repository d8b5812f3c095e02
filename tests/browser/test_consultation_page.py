"""The consultation page is the draft (issue 22), in Chromium on the seeded demo, at
1280 x 800 and at 360 x 740:

- the draft's first paragraph starts within 1.5 screen heights of the top of the page
  (measure: the top of the first ``.draft .section`` element, in CSS pixels from the
  top of the document, against 1.5 x the viewport's height);
- the title, the stepper, the summary line and the primary action are on the first
  screen (their bottoms above the viewport's height);
- the stepper marks the current round (``aria-current="step"``), without JavaScript;
- no horizontal overflow (the document is no wider than the viewport);
- axe-core finds no serious or critical violation on the page and on /styleguide/;
- the page's weight (HTML + CSS + JS, gzipped as a front server would) is under 100 KB.
"""

import gzip
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from plenary.demo.load import facts

demo = facts()

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = {"desktop": (1280, 800), "phone": (360, 740)}
BUDGET_BYTES = 100 * 1024
BLOCKING = {"serious", "critical"}

GEOMETRY = """() => {
  const top = (el) => el.getBoundingClientRect().top + window.scrollY;
  const bottom = (el) => el.getBoundingClientRect().bottom + window.scrollY;
  const q = (s) => document.querySelector(s);
  return {
    firstParagraph: top(q('.draft .section')),
    title: bottom(q('main h1')),
    stepper: bottom(q('.stepper')),
    lead: bottom(q('.consultation-head .lead')),
    action: bottom(q('.consultation-head .actions .button')),
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  };
}"""


@pytest.mark.parametrize("javascript", [True, False])
def test_the_draft_is_on_the_first_screens_at_both_widths(live_server, new_page, javascript):
    call_command("seed_demo", "--quiet-mail")
    url = f"{live_server.url}/c/{demo.slug}/"
    for name, (width, height) in SCREENS.items():
        page = new_page(viewport={"width": width, "height": height}, java_script_enabled=javascript)
        page.goto(url)
        g = page.evaluate(GEOMETRY)
        print(f"\n{name} {width}x{height} (JS {'on' if javascript else 'off'}): {g}")
        assert g["firstParagraph"] <= 1.5 * height, (name, g)
        for part in ("title", "stepper", "lead", "action"):
            assert g[part] <= height, (name, part, g)
        assert g["scrollWidth"] <= g["innerWidth"], (name, g)
        current = page.locator('.stepper [aria-current="step"]')
        assert current.count() == 1
        assert "Round 1" in current.inner_text() and "Open now" in current.inner_text()
        margin = page.locator(".draft .section .para-margin").first
        paragraph = page.locator(".draft .section .prose").first
        box, text = margin.bounding_box(), paragraph.bounding_box()
        if name == "desktop":  # in the margin, beside the paragraph
            assert box["x"] >= text["x"] + text["width"], (box, text)
        else:  # under the paragraph
            assert box["y"] >= text["y"] + text["height"], (box, text)


def test_axe_and_page_weight_of_the_consultation_page_and_styleguide(live_server, new_page):
    from axe_playwright_python.sync_playwright import Axe

    call_command("seed_demo", "--quiet-mail")
    axe = Axe()
    base = live_server.url
    blocking = []
    for width, height in SCREENS.values():
        page = new_page(viewport={"width": width, "height": height})
        for path in (f"/c/{demo.slug}/", "/styleguide/"):
            assert page.goto(f"{base}{path}").status == 200
            assert page.evaluate("document.documentElement.scrollWidth") <= width, path
            for violation in axe.run(page).response["violations"]:
                print(f"{path} @{width}: {violation['id']} ({violation['impact']})")
                if violation["impact"] in BLOCKING:
                    targets = [node["target"] for node in violation["nodes"][:3]]
                    blocking.append(f"{path} @{width}px: {violation['id']} at {targets}")
    assert not blocking, "\n".join(blocking)

    visitor = new_page()
    responses = []
    visitor.on("response", lambda response: responses.append(response))
    visitor.goto(f"{base}/c/{demo.slug}/", wait_until="load")
    raw = compressed = 0
    for response in responses:
        path = urlsplit(response.url).path
        if path.startswith("/media/") or 300 <= response.status < 400:
            continue
        body = response.body()
        raw += len(body)
        compressed += len(gzip.compress(body, compresslevel=6))
        print(f"  {path}: {len(body)} B ({len(gzip.compress(body, compresslevel=6))} B gzipped)")
    print(f"consultation page weight: {raw / 1024:.1f} KB raw, {compressed / 1024:.1f} KB gzipped")
    assert compressed < BUDGET_BYTES
