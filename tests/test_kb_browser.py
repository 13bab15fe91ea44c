"""The built knowledge base in headless Chromium: Material's search (it runs in the browser)
finds a postmortem by a phrase from its text, and the local sort script orders tables."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import tools
from conftest import NOW
from tools import REPO

from statusgen.kb import build_knowledge_base
from statusgen.validate import validate_site

POSTMORTEM_PHRASE = "kernel-patch rollout"
"""From the executive summary of the eu-central Object Storage postmortem."""
INCIDENT = "2026-07-14-object-storage-outage-eu-central"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo knowledge base on a free port of 127.0.0.1."""
    out = tmp_path_factory.mktemp("kb-browser") / "internal"
    result = validate_site(REPO, now=NOW)
    assert result.site is not None
    build_knowledge_base(result.site, NOW, out)
    with tools.serve_folder(out) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with tools.chromium_browser() as instance:
        yield instance


def _page(browser: object, errors: list[str]) -> object:
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.route("**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url else route.abort())
    return page


def test_search_finds_a_postmortem_by_a_phrase_from_it(served: str, browser: object) -> None:
    errors: list[str] = []
    page = _page(browser, errors)
    page.goto(served)  # type: ignore[attr-defined]
    # Typed key by key as a reader does: Material reads the query on keyup (or when its index
    # becomes ready), not on the single input event that fill() sends.
    page.locator("input.md-search__input").press_sequentially(POSTMORTEM_PHRASE)  # type: ignore[attr-defined]
    result = page.locator(f'.md-search-result__link[href*="{INCIDENT}"]').first  # type: ignore[attr-defined]
    result.wait_for(timeout=15_000)
    assert "Object Storage unavailable in eu-central" in result.inner_text()
    result.click()
    page.wait_for_url(f"**/incidents/2026/{INCIDENT}/**")  # type: ignore[attr-defined]
    assert "kernel-patch" in page.locator("article").inner_text()  # type: ignore[attr-defined]
    assert errors == []


def test_tables_sort_by_a_column_with_the_local_script(served: str, browser: object) -> None:
    errors: list[str] = []
    page = _page(browser, errors)
    page.goto(served + "incidents/")  # type: ignore[attr-defined]
    dates = page.locator("article table tbody tr td:first-child")  # type: ignore[attr-defined]
    newest_first = dates.all_inner_texts()
    assert newest_first == sorted(newest_first, reverse=True)
    heading = page.locator("article table th", has_text="Date")  # type: ignore[attr-defined]
    heading.click()
    assert heading.get_attribute("aria-sort") == "ascending"
    assert dates.all_inner_texts() == sorted(newest_first)
    page.locator("article table th", has_text="Duration").click()  # type: ignore[attr-defined]
    durations = page.locator("article table tbody tr td:nth-child(6)").all_inner_texts()  # type: ignore[attr-defined]
    minutes = [_minutes(text.removeprefix("ongoing, ").removesuffix(" so far")) for text in durations if text != "—"]
    assert minutes == sorted(minutes)
    assert errors == []


def _minutes(text: str) -> int:
    units = {"d": 1440, "h": 60, "min": 1}
    words = text.split()
    return sum(int(words[i]) * units[words[i + 1]] for i in range(0, len(words), 2))


def test_screenshots_of_home_and_an_incident(served: str, browser: object, tmp_path: Path) -> None:
    """Both pages render with the status banner; the files are kept for a human to look at."""
    errors: list[str] = []
    page = _page(browser, errors)
    for path, name in [("", "home"), (f"incidents/2026/{INCIDENT}/", "incident")]:
        page.goto(served + path)  # type: ignore[attr-defined]
        banner = page.locator(".sg-banner")  # type: ignore[attr-defined]
        assert "Minor Service Disruption" in banner.inner_text()
        page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000
    assert errors == []
