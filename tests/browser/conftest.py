"""Playwright on Debian's Chromium.  Skips with a reason where no Chromium exists,
except under CI=true, where a missing browser is a failure."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("PLENARY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _require_chromium() -> None:
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    reason = f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " — CI must run them", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    # Playwright's sync API keeps an event loop in this thread; Django's ORM
    # calls made by the test itself (fixtures, assertions) are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, request):
    """Open pages in fresh contexts (one per user); screenshot them all if the test fails."""
    pages = []

    def make(**context_options):
        context = browser.new_context(**context_options)
        context.set_default_timeout(15_000)
        page = context.new_page()
        pages.append(page)
        return page

    yield make
    failed = getattr(request.node, "rep_call", None) and request.node.rep_call.failed
    if failed:
        ARTIFACTS.mkdir(exist_ok=True)
        for n, page in enumerate(pages):
            path = ARTIFACTS / f"{request.node.name}-{n}.png"
            page.screenshot(path=str(path), full_page=True)
            print(f"screenshot: {path} ({page.url})")
    for page in pages:
        page.context.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def confirm_email():
    """``confirm_email(page, address)``: follow the confirmation link mailed to
    ``address`` (commenting waits for it) and press allauth's Confirm button."""
    import re

    from django.core import mail

    def confirm(page, address: str) -> None:
        links = [
            link
            for message in mail.outbox
            if address in message.to
            for link in re.findall(r"https?://\S+/accounts/confirm-email/\S+/", message.body)
        ]
        assert links, f"no confirmation mail to {address}"
        page.goto(links[-1])
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_load_state()

    return confirm
