"""A 360-pixel touch screen, the page-weight budget and no third-party requests, on the
seeded demo (one seeding per test function: it is the slow part).

Page weight: the test server sends files uncompressed, so every response the browser
receives for the page is gzipped here (level 6, what any front server does; whitenoise
serves static files pre-compressed at least as well) and the sizes are summed.
User uploads (/media/) are left out, as the budget says.
"""

import gzip
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from comments.models import Comment
from plenary.demo.load import facts

demo = facts()  # the password, the logins' addresses and the demo consultation's slug

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUDGET_BYTES = 100 * 1024
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
SCROLL_WIDTH = "() => document.documentElement.scrollWidth"


def record_requests(page, urls: list) -> None:
    page.on("request", lambda request: urls.append(request.url))


def assert_first_party(urls: list, base: str) -> None:
    host = urlsplit(base).netloc
    elsewhere = sorted(
        {u for u in urls if urlsplit(u).scheme in {"http", "https", "ws", "wss"}}
        - {u for u in urls if urlsplit(u).netloc == host}
    )
    assert not elsewhere, f"third-party requests: {elsewhere}"
    assert urls, "no request was recorded"


def sign_in_by_tap(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(demo.password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign In").tap()


def test_phone_width_touch_commenting_page_weight_and_first_party_only(live_server, new_page):
    call_command("seed_demo", "--quiet-mail")
    base = live_server.url
    slug = demo.slug
    urls: list[str] = []

    # 1. Page weight of the demo consultation page, as a first-time anonymous visitor.
    visitor = new_page()
    record_requests(visitor, urls)
    responses = []
    visitor.on("response", lambda response: responses.append(response))
    visitor.goto(f"{base}/c/{slug}/", wait_until="load")
    raw = compressed = 0
    lines = []
    for response in responses:
        path = urlsplit(response.url).path
        if path.startswith("/media/") or response.status in {301, 302, 303, 304, 307, 308}:
            continue
        body = response.body()
        size = len(gzip.compress(body, compresslevel=6))
        raw += len(body)
        compressed += size
        lines.append(f"    {response.status} {path}: {len(body)} B, {size} B gzipped")
    print(
        f"\npage weight of /c/{slug}/: {compressed / 1024:.1f} KB gzipped "
        f"({raw / 1024:.1f} KB uncompressed, {len(lines)} responses; "
        f"budget {BUDGET_BYTES // 1024} KB)"
    )
    print("\n".join(lines))
    assert compressed < BUDGET_BYTES

    # 2. A participant on a 360-pixel touch screen: no horizontal scroll, comment by tap.
    phone = new_page(**PHONE)
    record_requests(phone, urls)
    sign_in_by_tap(phone, base, demo.emails["stakeholder"])
    widths = {}
    phone.goto(f"{base}/c/{slug}/")
    widths["consultation"] = phone.evaluate(SCROLL_WIDTH)
    with phone.expect_navigation(url=f"**/c/{slug}/s/**"):
        phone.get_by_role("link", name="Comment on paragraph 2", exact=True).tap()
    widths["section"] = phone.evaluate(SCROLL_WIDTH)
    phone.get_by_label("Your comment").tap()
    phone.keyboard.type("On a phone this paragraph should say who pays for backhaul.")
    with phone.expect_navigation(url="**/r/**"):
        phone.get_by_role("button", name="Send comment").tap()
    comment = Comment.objects.get(
        body="On a phone this paragraph should say who pays for backhaul."
    )
    assert comment.author.email == demo.emails["stakeholder"] and comment.section.ordinal == 2
    assert comment.receipt in phone.get_by_role("status").inner_text()
    widths["receipt"] = phone.evaluate(SCROLL_WIDTH)
    for name, path in [("ledger", f"/c/{slug}/ledger/"), ("my input", "/me/input/")]:
        phone.goto(f"{base}{path}")
        widths[name] = phone.evaluate(SCROLL_WIDTH)
    print("scrollWidth at 360 px: " + ", ".join(f"{k} {v}" for k, v in widths.items()))
    assert all(width <= 360 for width in widths.values()), widths

    # 3. Every request of these pages went to Plenary itself.
    assert_first_party(urls, base)
    print(f"{len(urls)} requests, all to {urlsplit(base).netloc}")
