"""The references layer: every id an incident names exists, and ids are unique."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from ..config import Component, Config, Group
from ..model import Incident, Visibility
from ..problems import Problem

__all__ = ["check_config_references", "check_incident_references"]


def _hint(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, sorted(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def check_config_references(config: Config) -> list[Problem]:
    problems: list[Problem] = []
    where = config.where
    kinds: tuple[tuple[str, Sequence[Group | Component]], ...] = (
        ("groups", config.groups),
        ("components", config.components),
    )
    for kind, items in kinds:
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            if item.id in seen:
                line = where.value((kind, seen[item.id], "id"))[0]
                problems.append(
                    Problem.at(
                        "statusgen.yml",
                        where.value((kind, index, "id")),
                        "SG303",
                        f"duplicate {kind[:-1]} id '{item.id}' (first on line {line}); ids must be unique",
                    )
                )
            else:
                seen[item.id] = index
    groups = {group.id for group in config.groups}
    for index, component in enumerate(config.components):
        if component.group is not None and component.group not in groups:
            problems.append(
                Problem.at(
                    "statusgen.yml",
                    where.value(("components", index, "group")),
                    "SG304",
                    f"unknown group '{component.group}'{_hint(component.group, groups)}; add it under 'groups:'",
                )
            )
    return problems


def check_incident_references(incident: Incident, config: Config, runbooks: frozenset[str]) -> list[Problem]:
    problems: list[Problem] = []
    known = config.component_ids
    where = incident.where

    def unknown_component(key_path: tuple[str | int, ...], component: str) -> None:
        problems.append(
            Problem.at(
                incident.path,
                where.key(key_path),
                "SG301",
                f"unknown component '{component}'{_hint(component, known)}; components are listed in statusgen.yml",
            )
        )

    for component in incident.components:
        if component not in known:
            unknown_component(("components", component), component)
    for index, update in enumerate(incident.updates):
        for component in update.components:
            if component not in known:
                unknown_component(("updates", index, "components", component), component)
    for index, runbook in enumerate(incident.runbooks):
        if runbook not in runbooks:
            problems.append(
                Problem.at(
                    incident.path,
                    where.value(("runbooks", index)),
                    "SG302",
                    f"unknown runbook '{runbook}'{_hint(runbook, runbooks)}; "
                    f"runbooks are the files content/runbooks/<id>.md",
                )
            )
    postmortem = incident.postmortem
    if (
        postmortem is not None
        and incident.visibility is Visibility.INTERNAL
        and postmortem.visibility is Visibility.PUBLIC
    ):
        problems.append(
            Problem.at(
                postmortem.path,
                postmortem.where.value(("visibility",)),
                "SG306",
                "the incident is internal, so its postmortem cannot be public; set 'visibility: internal'",
            )
        )
    return problems
