"""What the public site may show, and where it lives: the one gate between the content
model and every public output (pages, feeds, API, badges, calendar).

Only public incidents pass, and of them only ``title``, ``components``, ``updates`` and a
published public postmortem are meant to be read by the renderers.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..config import Config
from ..model import Incident, Postmortem, PostmortemStatus, Visibility
from ..timeline import StatusBoard, status_board
from ..validate import Site

if TYPE_CHECKING:
    from .memo import Published

__all__ = ["PublicView", "public_postmortem", "public_view"]


def public_postmortem(incident: Incident) -> Postmortem | None:
    """The incident's postmortem if it is both published and public."""
    postmortem = incident.postmortem
    if (
        postmortem is not None
        and incident.visibility is Visibility.PUBLIC
        and postmortem.visibility is Visibility.PUBLIC
        and postmortem.status is PostmortemStatus.PUBLISHED
    ):
        return postmortem
    return None


@dataclass(frozen=True)
class PublicView:
    config: Config
    now: dt.datetime
    incidents: tuple[Incident, ...]
    """Public incidents and maintenance announced by ``now``, newest first (by first update)."""
    board: StatusBoard
    """Status now, from public incidents only."""

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.config.time_zone)

    @property
    def base_path(self) -> str:
        """The base URL's path, always ending in ``/`` (``/`` or ``/status/``)."""
        path = urlsplit(self.config.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    def url(self, relpath: str = "") -> str:
        """Absolute URL of a site path such as ``incidents/<id>/`` or ``history.atom``."""
        return self.config.base_url + relpath.lstrip("/")

    @staticmethod
    def incident_path(incident: Incident) -> str:
        return f"incidents/{incident.id}/"

    @staticmethod
    def component_path(component_id: str) -> str:
        return f"components/{component_id}/"


def public_view(site: Site, now: dt.datetime, published: Published | None = None) -> PublicView:
    """The public slice of a validated site as of ``now``. ``published``: what is known of the
    incidents as of ``now``, when the caller has it (the status board then looks only at those
    not settled: a settled incident is neither active nor upcoming)."""
    if published is None:
        incidents = [
            incident
            for incident in site.incidents
            if incident.visibility is Visibility.PUBLIC and incident.updates and incident.updates[0].at <= now
        ]
        incidents.sort(key=lambda i: (i.updates[0].at, i.id), reverse=True)
        return PublicView(site.config, now, tuple(incidents), status_board(site.config, incidents, now))
    announced, settled = published.announced, published.settled
    incidents = [
        incident for incident in site.incidents if incident.visibility is Visibility.PUBLIC and announced(incident)
    ]
    incidents.sort(key=published.newest_first, reverse=True)
    live = [incident for incident in incidents if not settled(incident)]
    return PublicView(site.config, now, tuple(incidents), status_board(site.config, live, now))
