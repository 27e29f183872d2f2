"""What a person sees: headless Chromium (Debian's chromium + chromium-driver) on the history browser.

Saves screenshots to docs/screenshots/ (shown in the README). Skips with a reason where Chromium is not
installed; under CI=true it fails instead (.ci/run installs it).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from history.app import create_app
from tests.history_fixture import build
from tests.test_history import sao_tome_snapshots

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def _chromium() -> tuple[str, str]:
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not browser or not driver:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test, but chromium/chromedriver are not installed")
        pytest.skip(
            "Debian's chromium and chromium-driver are not installed "
            "(apt-get install chromium chromium-driver)"
        )
    return browser, driver


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    settings = build(tmp_path_factory.mktemp("browser"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    for _ in range(100):
        if instance.started:
            break
        time.sleep(0.05)
    yield settings, f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    binary, driver_path = _chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    yield driver
    driver.quit()


def test_index_timeline_and_diff_as_a_person_sees_them(server, browser):
    from selenium.webdriver.common.by import By

    settings, url = server
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    browser.get(url + "/?region=South+America&sort=level")
    table = browser.find_element(By.ID, "destinations")
    rows = [r.text for r in table.find_elements(By.CSS_SELECTOR, "tbody tr")]
    assert any(r.startswith("Peru") and "L2" in r and "6.62" in r and "HIGH" in r for r in rows)
    # Sorted by level, highest first (Colombia, Guyana and Venezuela — lowered on 2026-03-20 — are at 3).
    import re

    levels = [int(re.search(r" L(\d) ", r).group(1)) for r in rows if re.search(r" L(\d) ", r)]
    assert levels == sorted(levels, reverse=True) and levels[0] == 3
    assert [r.split()[0] for r in rows[:3]] == ["Colombia", "Guyana", "Venezuela"]
    browser.save_screenshot(str(SCREENSHOTS / "index.png"))

    browser.find_element(By.LINK_TEXT, "Destinations").click()
    browser.get(url + "/country/ST")
    assert browser.find_element(By.CSS_SELECTOR, "svg.chart").is_displayed()
    changes = browser.find_element(By.ID, "changes").text
    assert "Level 1 → Level 2" in changes and "Level 2 → Level 3" in changes
    browser.save_screenshot(str(SCREENSHOTS / "country-st.png"))

    a, b = sao_tome_snapshots(settings)
    browser.get(f"{url}/diff/{a}/{b}")
    inserted = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#inline ins")]
    removed = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#inline del")]
    assert any("health risks" in t for t in inserted) and removed
    browser.find_element(By.ID, "change-1").click()
    assert browser.current_url.endswith("#change-2")
    browser.save_screenshot(str(SCREENSHOTS / "diff-st.png"))

    # The injected <script> in the OSAC capture is shown as text and never runs.
    browser.get(url + "/search?q=alert%28%27injected")
    assert "<script>alert('injected')</script>" in browser.find_element(By.ID, "hits").text
    assert browser.execute_script("return document.querySelectorAll('#hits script').length") == 0
