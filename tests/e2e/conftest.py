"""Browser tests: Debian chromium driven by Playwright's sync API against pytest-django's live server."""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls made from the
# test body are still plain synchronous calls, so Django's async-safety guard is relaxed.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium_browser():
    """A headless Debian chromium, or a skip when it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium_browser):
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def screenshot():
    """Save a screenshot when ``E2E_SCREENSHOT_DIR`` is set (for reviewing the pages by eye)."""
    directory = os.environ.get("E2E_SCREENSHOT_DIR")

    def take(page, name: str, *, mobile: bool = False) -> None:
        if not directory:
            return
        Path(directory).mkdir(parents=True, exist_ok=True)
        if mobile:
            size = page.viewport_size
            page.set_viewport_size({"width": 390, "height": 844})
            page.screenshot(path=str(Path(directory) / f"{name}-mobile.png"), full_page=True)
            page.set_viewport_size(size)
        else:
            page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)

    return take
