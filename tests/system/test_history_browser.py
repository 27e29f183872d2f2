"""What a person sees: headless Chromium (Debian's chromium + chromium-driver) on the history browser.

Saves screenshots to docs/screenshots/ (shown in the README). Skips with a reason where Chromium is not
installed; under CI=true it fails instead (.ci/run installs it).
"""

from __future__ import annotations

import pytest

from tests.conftest import SCREENSHOTS
from tests.scenarios.test_history import sao_tome_snapshots
from tests.support.history_fixture import build
from tests.support.loopback_app import serving


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    settings = build(tmp_path_factory.mktemp("browser"))
    with serving(settings) as url:
        yield settings, url


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
