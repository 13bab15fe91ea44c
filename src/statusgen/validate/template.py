"""The report-template layer: postmortems have the template's sections, in order, filled in.

The template is a file the organization owns (``content/templates/postmortem.md``); its
level-2 headings are the required sections.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from ..loader import has_odd_breaks, read_text
from ..model import Postmortem, PostmortemStatus
from ..problems import Level, Problem

__all__ = ["TEMPLATE_PATH", "Section", "check_postmortem_sections", "level2_sections", "load_template_sections"]

TEMPLATE_PATH = "content/templates/postmortem.md"

_HEADING = re.compile(r" {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_MAY_START_STRUCTURE = frozenset(" #`~")
"""The first characters of a fence or heading line (an empty line starts neither)."""
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


@dataclass(frozen=True)
class Section:
    title: str
    line: int
    """1-based line of the heading within the text it was found in."""
    text: str
    """What stands under the heading up to the next level-2 heading."""

    @property
    def key(self) -> str:
        return " ".join(self.title.split()).casefold()

    @property
    def is_empty(self) -> bool:
        if "<!--" not in self.text:  # the usual section: no comment to take out
            return self.text.isspace() or not self.text
        return not _COMMENT.sub("", self.text).strip()


_STRUCTURE_LINE = re.compile("\n([ #`~][^\n]*)")
"""A line that may be a fence or a heading (see _MAY_START_STRUCTURE), after the line break
before it (a literal first character the search skips to)."""


def level2_sections(markdown: str) -> list[Section]:
    """The ``## `` sections of a Markdown text, ignoring fenced code and frontmatter."""
    if markdown.startswith("---") or has_odd_breaks(markdown):
        return _level2_sections_line_by_line(markdown)
    # Only the lines that may be a fence or a heading are looked at; a section's text is the
    # slice of the text under its heading.
    found: list[tuple[str, int, int, int]] = []  # title, line, where the heading starts and ends
    fence: str | None = None
    line, counted = 1, 0
    for match in _STRUCTURE_LINE.finditer("\n" + markdown):
        text = match.group(1)
        start = match.start(1) - 1
        if fence_match := _FENCE.match(text):
            fence = _fence_after(fence, fence_match.group(1))
        elif fence is None and (heading := _HEADING.fullmatch(text)):
            level = len(heading.group(1))
            if level == 2:
                line += markdown.count("\n", counted, start)
                counted = start
                found.append((heading.group(2), line, start, start + len(text)))
            elif level == 1 and found:
                return _level2_sections_line_by_line(markdown)  # a title within a section: rare
    sections: list[Section] = []
    for index, (title, line, _, end) in enumerate(found):
        stop = found[index + 1][2] if index + 1 < len(found) else len(markdown)
        body = markdown[end + 1 : stop]
        sections.append(Section(title, line, body[:-1] if body.endswith("\n") else body))
    return sections


def _fence_after(fence: str | None, marker: str) -> str | None:
    """The open code fence after a fence line with ``marker``, given the one open before it:
    a fence closes on a marker of its own character at least as long."""
    if fence is None:
        return marker
    return None if marker[0] == fence[0] and len(marker) >= len(fence) else fence


def _level2_sections_line_by_line(markdown: str) -> list[Section]:
    lines = markdown.splitlines()
    start = 0
    if lines and lines[0].rstrip() == "---":
        start = next((i + 1 for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), 0)
    sections: list[tuple[str, int, list[str]]] = []
    fence: str | None = None
    for index in range(start, len(lines)):
        line = lines[index]
        if line[:1] not in _MAY_START_STRUCTURE:  # neither a fence nor a heading: text
            if sections:
                sections[-1][2].append(line)
            continue
        if fence_match := _FENCE.match(line):
            fence = _fence_after(fence, fence_match.group(1))
        elif fence is None and (heading := _HEADING.fullmatch(line)):
            if len(heading.group(1)) == 2:
                sections.append((heading.group(2), index + 1, []))
                continue
            if len(heading.group(1)) == 1:
                continue  # a page title is not section content
        if sections:
            sections[-1][2].append(line)
    return [Section(title, line, "\n".join(text)) for title, line, text in sections]


def load_template_sections(root: Path) -> tuple[tuple[str, ...], list[Problem]]:
    """The required section titles, in order, from the report template."""
    if not (root / TEMPLATE_PATH).exists():
        return (), [
            Problem.at(
                TEMPLATE_PATH, (1, 1), "SG504", "the report template is missing; postmortem sections cannot be checked"
            )
        ]
    text, problems = read_text(root, TEMPLATE_PATH)
    if text is None:
        return (), problems
    titles = tuple(section.title for section in level2_sections(text))
    if not titles:
        return (), [
            Problem.at(
                TEMPLATE_PATH,
                (1, 1),
                "SG504",
                "the report template has no '## ' sections; add the sections a report needs",
            )
        ]
    return titles, []


@functools.lru_cache(maxsize=8)
def _order(template: tuple[str, ...]) -> dict[str, int]:
    """The position of each section of the template, by key (read-only: it is shared)."""
    return {" ".join(title.split()).casefold(): index for index, title in enumerate(template)}


def check_postmortem_sections(postmortem: Postmortem, body_line: int, template: tuple[str, ...]) -> list[Problem]:
    """Sections missing, empty or out of order; warnings only while the postmortem is a draft."""
    problems: list[Problem] = []
    level = Level.WARNING if postmortem.status is PostmortemStatus.DRAFT else Level.ERROR
    order = _order(template)
    found: dict[str, Section] = {}
    for section in level2_sections(postmortem.body):
        found.setdefault(section.key, section)
    highest: tuple[int, str] | None = None
    for key, section in found.items():
        position = order.get(key)
        if position is None:
            continue  # extra sections are welcome
        line = body_line + section.line - 1
        if highest is not None and position < highest[0]:
            problems.append(
                Problem.at(
                    postmortem.path,
                    (line, 1),
                    "SG503",
                    f"section '{section.title}' must come before '{highest[1]}', as in {TEMPLATE_PATH}",
                    level,
                )
            )
        else:
            highest = (position, section.title)
        if section.is_empty:
            problems.append(
                Problem.at(postmortem.path, (line, 1), "SG502", f"section '{section.title}' is empty; write it", level)
            )
    for title in template:
        if " ".join(title.split()).casefold() not in found:
            problems.append(
                Problem.at(
                    postmortem.path,
                    (body_line, 1),
                    "SG501",
                    f"missing section '## {title}' required by {TEMPLATE_PATH}",
                    level,
                )
            )
    return problems
