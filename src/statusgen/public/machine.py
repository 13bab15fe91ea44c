"""The machine outputs — feeds, Statuspage API, calendar, badges — each planned and keyed
before it is rendered, so that a build renders only those whose key changed.

Each output shows a few of the latest incidents (the calendar: every maintenance window) and a
few facts about the whole history; its key is a digest of exactly those, so most changes far in
the past leave it alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from ..model import Incident
from .api import API_FILES, plan_api, render_api
from .badges import render_badges
from .calendar import CALENDAR_PATH, calendar_windows, render_calendar
from .feeds import FeedRenderer, plan_feeds
from .keys import digest
from .memo import Published
from .view import PublicView

__all__ = ["MachinePart", "machine_parts"]


@dataclass(frozen=True)
class MachinePart:
    """Files rendered together, with their key."""

    paths: tuple[str, ...]
    key: str
    render: Callable[[], dict[str, bytes]]


def machine_parts(view: PublicView, published: Sequence[Incident], facts: Published, code: str) -> list[MachinePart]:
    """Every machine output of the site, keyed. ``published`` is ``view.incidents`` as published
    by ``view.now``, ``facts`` what is known of them; ``code`` the code key
    (:func:`statusgen.public.keys.code_key`)."""
    shared = digest(code, view.config)
    data, page = facts.data, facts.page
    parts = []
    feeds = FeedRenderer(view)
    for feed in plan_feeds(view, published, facts):
        key = digest(shared, "feed", feed.paths, feed.fallback, tuple(data(incident) for incident in feed.chosen))
        parts.append(MachinePart(feed.paths, key, partial(feeds.render, feed)))

    api = plan_api(view, published, facts)
    listed = tuple(tuple(page(incident) for incident in chosen) for chosen in api.lists())
    parts.append(
        MachinePart(
            tuple(f"api/v2/{name}" for name in API_FILES),
            digest(shared, "api", api.shown(), listed),
            partial(render_api, view, api),
        )
    )

    windows = calendar_windows(view, published, facts)
    key = digest(shared, "calendar", tuple(data(incident) for incident in windows))
    parts.append(MachinePart((CALENDAR_PATH,), key, partial(render_calendar, view, windows)))

    board = view.board
    badges = render_badges(view)  # a few bytes each: rendered, their key only says when they changed
    parts.append(
        MachinePart(
            tuple(sorted(badges)),
            digest(shared, "badges", board.indicator, sorted(board.components.items())),
            lambda: badges,
        )
    )
    return parts
