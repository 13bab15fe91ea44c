"""The site engine's side: the staged ``mkdocs.yml`` and running MkDocs on the staged tree.

The staged tree is self-contained, so any engine that reads ``mkdocs.yml`` builds it::

    <staging>/mkdocs.yml      the site's mkdocs.yml with docs_dir, custom_dir and the tags
                              allow-list filled in (or a built-in default when the site has none)
    <staging>/docs/           content/ plus the generated pages
    <staging>/overrides/      a copy of the theme's custom_dir, if the site has one

MkDocs runs in-process, in strict mode: any warning fails the build with the warnings as the
message, and nothing is swapped in.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from ..errors import StatusgenError

__all__ = [
    "MKDOCS_FILE",
    "NOT_IN_NAV",
    "REQUIRED_EXTENSIONS",
    "default_config",
    "load_site_config",
    "read_tree",
    "run_mkdocs",
    "staged_config",
]

MKDOCS_FILE = "mkdocs.yml"
NOT_IN_NAV = "/incidents/*/"
"""Incident pages and the per-year, per-severity and per-component lists stay out of the nav."""

REQUIRED_EXTENSIONS: Sequence[str | Mapping[str, Any]] = (
    "admonition",
    "attr_list",
    "md_in_html",
    "tables",
    {"toc": {"permalink": True}},
    "pymdownx.details",
    "pymdownx.superfences",
    {"pymdownx.tasklist": {"custom_checkbox": True}},
)
"""What generated pages use; added to the site's ``markdown_extensions`` when missing."""


class _Tagged:
    """A YAML value with a tag statusgen does not interpret (``!ENV``, ``!!python/name:…``),
    kept so that it is written back unchanged."""

    def __init__(self, tag: str, value: object) -> None:
        self.tag = tag
        self.value = value


class _Loader(yaml.SafeLoader):
    pass


class _Dumper(yaml.SafeDumper):
    pass


def _construct_tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> _Tagged:
    value: object
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        assert isinstance(node, yaml.MappingNode)
        value = loader.construct_mapping(node, deep=True)
    return _Tagged(node.tag, value)


def _represent_tagged(dumper: yaml.SafeDumper, data: _Tagged) -> yaml.Node:
    if isinstance(data.value, list):
        return dumper.represent_sequence(data.tag, data.value)
    if isinstance(data.value, dict):
        return dumper.represent_mapping(data.tag, data.value)
    return dumper.represent_scalar(data.tag, str(data.value))


_Loader.add_multi_constructor("!", _construct_tagged)
_Loader.add_multi_constructor("tag:yaml.org,2002:python/", _construct_tagged)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(_Tagged, _represent_tagged)
_Dumper.add_representer(str, _represent_str)


def read_tree(folder: Path, boundary: Path | None = None) -> dict[str, bytes]:
    """Every regular file under ``folder`` (hidden ones left out) by POSIX relative path.

    A link that leads outside ``boundary`` (the site root; default ``folder``) is an error: a
    pull request must not be able to publish a file of the machine that builds it.
    """
    files: dict[str, bytes] = {}
    if not folder.is_dir():
        return files
    limit = (boundary or folder).resolve()
    for directory, subdirectories, names in os.walk(folder):
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        for name in sorted(names):
            path = Path(directory, name)
            if name.startswith("."):
                continue
            if not path.resolve().is_relative_to(limit):
                shown = path.relative_to(boundary or folder).as_posix()
                raise StatusgenError(f"{shown}: a link to a file outside the site; copy the file in instead")
            if not path.is_file():
                continue
            files[path.relative_to(folder).as_posix()] = path.read_bytes()
    return files


def load_site_config(root: Path) -> dict[str, Any] | None:
    """The site's ``mkdocs.yml`` as data, or None when it has none."""
    path = root / MKDOCS_FILE
    if not path.is_file():
        return None
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        raise StatusgenError(f"{MKDOCS_FILE}: not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise StatusgenError(f"{MKDOCS_FILE}: must be a mapping of settings")
    return data


def default_config(site_name: str) -> dict[str, Any]:
    """For a site without ``mkdocs.yml``: Material, search and tags, the nav made by MkDocs."""
    return {
        "site_name": site_name,
        "theme": {
            "name": "material",
            "features": ["navigation.sections", "navigation.top", "search.highlight", "content.code.copy"],
        },
        "plugins": ["search", "tags"],
        "exclude_docs": "!/templates/\n",
        "markdown_extensions": list(REQUIRED_EXTENSIONS),
    }


def _extension_name(entry: object) -> str | None:
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict) and len(entry) == 1:
        return str(next(iter(entry)))
    return None


def _with_tags_allowed(plugins: object, known: Sequence[str]) -> object:
    """The plugin list with the tags plugin limited to ``known`` plus what the site allows."""

    def limited(options: object) -> dict[str, Any]:
        result = dict(options) if isinstance(options, dict) else {}
        listed = result.get("tags_allowed") or []
        result["tags_allowed"] = sorted({*map(str, listed), *known})
        return result

    names = ("tags", "material/tags")
    if isinstance(plugins, dict):
        return {name: limited(options) if name in names else options for name, options in plugins.items()}
    if not isinstance(plugins, list):
        return plugins
    out: list[object] = []
    for entry in plugins:
        name = _extension_name(entry)
        if name in names:
            out.append({name: limited(entry[name] if isinstance(entry, dict) else None)})
        else:
            out.append(entry)
    return out


def staged_config(
    base: Mapping[str, Any],
    *,
    known_tags: Sequence[str],
    has_overrides: bool,
    extra: Mapping[str, Any],
) -> str:
    """The staged ``mkdocs.yml``: ``base`` pointed at the staged tree, the tags plugin limited
    to ``known_tags``, the required Markdown extensions and ``extra.statusgen`` added."""
    config = dict(base)
    config["docs_dir"] = "docs"
    config["site_dir"] = "site"
    theme = config.get("theme")
    theme = dict(theme) if isinstance(theme, dict) else {"name": theme or "material"}
    theme.pop("custom_dir", None)
    if has_overrides:
        theme["custom_dir"] = "overrides"
    config["theme"] = theme
    config["plugins"] = _with_tags_allowed(config.get("plugins", ["search"]), known_tags)

    extensions = list(config.get("markdown_extensions") or [])
    present = {_extension_name(entry) for entry in extensions}
    extensions += [entry for entry in REQUIRED_EXTENSIONS if _extension_name(entry) not in present]
    config["markdown_extensions"] = extensions

    not_in_nav = str(config.get("not_in_nav") or "")
    if NOT_IN_NAV not in not_in_nav.split("\n"):
        config["not_in_nav"] = (not_in_nav.rstrip("\n") + "\n" + NOT_IN_NAV + "\n").lstrip("\n")

    extra_settings = dict(config.get("extra") or {})
    extra_settings["statusgen"] = dict(extra)
    config["extra"] = extra_settings
    header = "# Generated by statusgen from the site's mkdocs.yml; edit that file, not this one.\n"
    return header + yaml.dump(config, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname}: {record.getMessage()}")


@contextmanager
def _source_date_epoch(now: dt.datetime) -> Iterator[None]:
    """MkDocs reads build dates (sitemap, gzip) from ``SOURCE_DATE_EPOCH``: pin them to ``now``."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(now.timestamp()))
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


def run_mkdocs(config_file: Path, site_dir: Path, now: dt.datetime) -> None:
    """``mkdocs build --strict`` of ``config_file`` into ``site_dir``; a StatusgenError listing
    MkDocs' warnings and errors when it fails."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    logger = logging.getLogger("mkdocs")
    handler = _Collect()
    logger.addHandler(handler)
    try:
        with _source_date_epoch(now):
            config = load_config(str(config_file.absolute()), site_dir=str(site_dir.absolute()), strict=True)
            config.plugins.on_startup(command="build", dirty=False)
            try:
                build(config)
            finally:
                config.plugins.on_shutdown()
    except Exception as error:  # MkDocs raises Abort, ConfigurationError, PluginError or a plugin's own
        details = "\n".join(f"  {message}" for message in handler.messages) or f"  {error}"
        raise StatusgenError(f"the knowledge base did not build ({config_file}):\n{details}") from error
    finally:
        logger.removeHandler(handler)
    if handler.messages:  # strict mode aborts on warnings; this catches what slipped past it
        raise StatusgenError("the knowledge base built with warnings:\n" + "\n".join(handler.messages))
