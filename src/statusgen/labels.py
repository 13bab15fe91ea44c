"""The words people read for the model's values, shared by every output that shows them
(status page, feeds, notifications), so a status is called the same everywhere."""

from __future__ import annotations

from collections.abc import Mapping

from .model import ComponentStatus, IncidentStatus, MaintenanceStatus, UpdateStatus
from .timeline import Indicator

__all__ = ["COMPONENT_STATUS_LABELS", "IMPACT_LABELS", "UPDATE_LABELS"]

COMPONENT_STATUS_LABELS: Mapping[ComponentStatus, str] = {
    ComponentStatus.OPERATIONAL: "Operational",
    ComponentStatus.UNDER_MAINTENANCE: "Under maintenance",
    ComponentStatus.DEGRADED_PERFORMANCE: "Degraded performance",
    ComponentStatus.PARTIAL_OUTAGE: "Partial outage",
    ComponentStatus.MAJOR_OUTAGE: "Major outage",
}
IMPACT_LABELS: Mapping[Indicator, str] = {
    Indicator.NONE: "No impact",
    Indicator.MINOR: "Minor impact",
    Indicator.MAJOR: "Major impact",
    Indicator.CRITICAL: "Critical impact",
    Indicator.MAINTENANCE: "Maintenance",
}
UPDATE_LABELS: Mapping[UpdateStatus, str] = {
    IncidentStatus.INVESTIGATING: "Investigating",
    IncidentStatus.IDENTIFIED: "Identified",
    IncidentStatus.MONITORING: "Monitoring",
    IncidentStatus.RESOLVED: "Resolved",
    MaintenanceStatus.SCHEDULED: "Scheduled",
    MaintenanceStatus.IN_PROGRESS: "In progress",
    MaintenanceStatus.VERIFYING: "Verifying",
    MaintenanceStatus.COMPLETED: "Completed",
}
