"""statusgen: incident communication that lives in git.

The public API is what this module exports; it is pinned by ``tests/test_exported_members.py``.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .config import Component, Config, Group, SeverityPolicy  # noqa: E402
from .errors import NotASiteError, ProblemsFound, StatusgenError, UsageError  # noqa: E402
from .model import (  # noqa: E402
    ActionItem,
    ComponentStatus,
    Incident,
    IncidentStatus,
    IncidentType,
    MaintenanceStatus,
    Postmortem,
    PostmortemStatus,
    Severity,
    Update,
    Visibility,
)
from .problems import Level, Problem  # noqa: E402
from .validate import Site, ValidationResult, validate_site  # noqa: E402

__all__ = [
    "ActionItem",
    "Component",
    "ComponentStatus",
    "Config",
    "Group",
    "Incident",
    "IncidentStatus",
    "IncidentType",
    "Level",
    "MaintenanceStatus",
    "NotASiteError",
    "Postmortem",
    "PostmortemStatus",
    "Problem",
    "ProblemsFound",
    "Severity",
    "SeverityPolicy",
    "Site",
    "StatusgenError",
    "Update",
    "UsageError",
    "ValidationResult",
    "Visibility",
    "__version__",
    "validate_site",
]
