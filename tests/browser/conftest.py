"""What the browser tests share: Debian's Chromium, driven by Playwright.

``CHROMIUM`` (environment variable) is the browser, default ``/usr/bin/chromium``
(Debian's package; ``scripts/get-browser.sh`` installs it). Playwright never
downloads a browser of its own here.
"""

from __future__ import annotations

import os

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # No host name resolves (localhost neither; the site is served on
    # 127.0.0.1) and no proxy is used: a request that leaves the machine fails
    # as it would for a reader without a network.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--no-proxy-server",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"No browser at {CHROMIUM}: run `bash scripts/get-browser.sh` or set CHROMIUM.")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
