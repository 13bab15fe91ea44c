"""The demo status page in headless Chromium: it renders with JavaScript off, makes no request
outside the site, and axe-core finds no serious or critical accessibility problem (light and
dark). Screenshots are kept under pytest's temporary directory; their paths are printed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tools
from conftest import NOW

from statusgen.build import build_sites
from statusgen.validate import validate_site

INCIDENT_PAGE = "incidents/2026-07-14-object-storage-outage-eu-central/"
PAGES = ["", INCIDENT_PAGE, "incidents/2026-12-08-dns-anycast-network-migration/", "components/api/", "history/"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo's public site, built as of NOW and served on a free local port."""
    out = tmp_path_factory.mktemp("demo")
    site = validate_site(tools.REPO, now=NOW).site
    assert site is not None
    build_sites(site, now=NOW, out=out, kb=False)
    with tools.serve_folder(out / "public") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with tools.chromium_browser() as instance:
        yield instance


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_pages_render_without_javascript_and_stay_on_the_site(
    served: str, browser: Any, tmp_path: Path, scheme: str
) -> None:
    context = browser.new_context(
        java_script_enabled=False, color_scheme=scheme, viewport={"width": 1100, "height": 900}
    )
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    try:
        page = context.new_page()
        for index, path in enumerate(PAGES[:2]):
            response = page.goto(served + path)
            assert response is not None and response.ok
            shot = tmp_path / f"{scheme}-{index}.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot: {shot}")
            assert page.locator("h1").count() == 1
            assert page.locator("time[datetime]").count() > 0
            # The stylesheet applied: the banner or the page title has its styled size.
            assert page.evaluate("getComputedStyle(document.body).margin") == "0px"
        home_text = page.goto(served) and page.inner_text("main")
        assert "Minor Service Disruption" in home_text
        assert "Delayed live logs for CI jobs" in home_text
    finally:
        context.close()
    assert requests and all(url.startswith(served) or url.startswith("data:") for url in requests), requests


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_serious_violation(served: str, browser: Any, scheme: str, path: str) -> None:
    axe = tools.axe_script()
    context = browser.new_context(java_script_enabled=True, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(served + path)
        page.add_script_tag(content=axe)
        result = page.evaluate("axe.run()")
    finally:
        context.close()
    serious = [
        (violation["id"], violation["impact"], [node["target"] for node in violation["nodes"]][:5])
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert serious == []
    assert result["passes"], "axe ran its checks"


def test_keyboard_reaches_the_skip_link_first(served: str, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=True)
    try:
        page = context.new_page()
        page.goto(served)
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to content"
        assert page.evaluate("document.activeElement.getBoundingClientRect().left") >= 0  # visible on focus
    finally:
        context.close()
