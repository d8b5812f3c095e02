"""Make the README's pictures from the demo, so they stay true.

    .venv/bin/python docs/screenshots.py

Seeds the demo into a throw-away SQLite database, serves it with Django's
development server on a free port, and has the system Chromium (Playwright)
photograph four pages at 1280 px and at 360 px: the consultation page, a
paragraph's thread, a receipt and the ledger.  The pictures go to
docs/screenshots/ as JPEG (small enough to commit).  Run it after a change to
those pages and commit the pictures with the change.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("PLENARY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENS = {"desktop": (1280, 900), "phone": (360, 740)}
SLUG = "community-networks-policy"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own local server)
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the demo server did not answer at {url}")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder}/demo.sqlite3",
            "REDIS_URL": "",
            "DJANGO_DEBUG": "true",  # the development server serves the static files
            "PLENARY_SITE_URL": f"http://127.0.0.1:{port}",
        }
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--verbosity", "0"], env=env, check=True)
        subprocess.run([*manage, "seed_demo", "--quiet-mail"], env=env, check=True)
        server = subprocess.Popen(
            [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(base + "/")
            shoot(base)
        finally:
            server.terminate()
            server.wait(timeout=10)


def shoot(base: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page()
        page.goto(f"{base}/c/{SLUG}/")
        section = page.locator(".draft a[href*='/s/']").first.get_attribute("href")
        page.goto(f"{base}{section}")
        receipt = page.locator(".comment-foot a[href^='/r/']").first.get_attribute("href")
        pages = {
            "consultation": f"/c/{SLUG}/",
            "thread": section,
            "receipt": receipt,
            "ledger": f"/c/{SLUG}/ledger/",
        }
        for screen, (width, height) in SCREENS.items():
            context = browser.new_context(viewport={"width": width, "height": height})
            shot = context.new_page()
            for name, path in pages.items():
                shot.goto(base + path)
                target = OUT / f"{name}-{screen}.jpg"
                shot.screenshot(path=str(target), type="jpeg", quality=70)
                print(f"{target.relative_to(ROOT)}  {target.stat().st_size // 1024} KB")
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
