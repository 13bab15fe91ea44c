"""The package's public API is pinned: changing it is a decision, not an accident."""

import statusgen

EXPECTED = [
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


def test_exported_members() -> None:
    assert sorted(statusgen.__all__) == sorted(EXPECTED)
    for name in statusgen.__all__:
        assert hasattr(statusgen, name), name
