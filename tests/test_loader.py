"""The loader keeps every place, refuses what is not plain data, and never raises."""

import datetime as dt
import os
from pathlib import Path

import pytest

from statusgen.cli import resolve_now
from statusgen.errors import UsageError
from statusgen.loader import load_markdown, load_yaml_file


def write(tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return name


def test_places_of_keys_and_values_count_the_frontmatter_fence(tmp_path: Path) -> None:
    text = "---\ntitle: Hello\nupdates:\n  - at: 2026-11-20T14:15:00Z\n    status: x\n---\nnotes\n"
    name = write(tmp_path, "a.md", text)
    document, problems = load_markdown(tmp_path, name)
    assert problems == []
    assert document is not None
    assert document.where.key(("title",)) == (2, 1)
    assert document.where.value(("title",)) == (2, 8)
    assert document.where.value(("updates", 0)) == (4, 5)
    assert document.where.value(("updates", 0, "status")) == (5, 13)
    assert document.data["updates"][0]["at"] == dt.datetime(2026, 11, 20, 14, 15, tzinfo=dt.UTC)
    assert document.body == "notes\n"
    assert document.body_line == 7


def test_missing_path_falls_back_to_the_nearest_enclosing_value(tmp_path: Path) -> None:
    name = write(tmp_path, "a.md", "---\ntimeline:\n  started: 2026-11-20T14:15:00Z\n---\n")
    document, _ = load_markdown(tmp_path, name)
    assert document is not None
    assert document.where.value(("timeline", "resolved")) == (3, 3)


def test_an_alias_bomb_is_shared_not_expanded(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 12):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*{'a' if level == 1 else f'l{level - 1}'}"] * 9) + "]")
    name = write(tmp_path, "bomb.yml", "\n".join(lines) + "\n")
    document, problems = load_yaml_file(tmp_path, name)
    assert problems == []
    assert document is not None
    # 9**12 strings if expanded; shared, the places recorded stay in the hundreds
    assert len(document.where.values) < 200


def test_deep_nesting_is_refused_before_the_parser_recurses(tmp_path: Path) -> None:
    name = write(tmp_path, "deep.yml", "x: " + "[" * 200_000 + "]" * 200_000 + "\n")
    document, problems = load_yaml_file(tmp_path, name)
    assert document is None
    assert [(p.code, p.line) for p in problems] == [("SG106", 1)]


def test_non_data_tags_are_refused_and_nothing_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    name = write(tmp_path, "a.yml", f'x: !!python/object/apply:os.system ["touch {marker}"]\ny: !custom 3\n')
    document, problems = load_yaml_file(tmp_path, name)
    assert [(p.code, p.line, p.column) for p in problems] == [("SG106", 1, 4), ("SG106", 2, 4)]
    assert not marker.exists()


def test_a_symlink_is_read_as_not_a_regular_file_when_dangling(tmp_path: Path) -> None:
    (tmp_path / "a.md").symlink_to(tmp_path / "nowhere.md")
    document, problems = load_markdown(tmp_path, "a.md")
    assert document is None
    assert [p.code for p in problems] == ["SG101"]


def test_now_comes_from_the_option_then_source_date_epoch() -> None:
    assert resolve_now("2026-01-20T12:00:00Z", {}) == dt.datetime(2026, 1, 20, 12, tzinfo=dt.UTC)
    assert resolve_now(None, {"SOURCE_DATE_EPOCH": "0"}) == dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    assert resolve_now(None, {}).tzinfo is not None
    with pytest.raises(UsageError, match="no time zone"):
        resolve_now("2026-01-20T12:00:00", {})
    with pytest.raises(UsageError, match="SOURCE_DATE_EPOCH"):
        resolve_now(None, {"SOURCE_DATE_EPOCH": "yesterday"})


def test_a_symlink_out_of_the_site_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("---\ntitle: secret\n---\n", encoding="utf-8")
    site = tmp_path / "site"
    site.mkdir()
    (site / "a.md").symlink_to(outside)
    document, problems = load_markdown(site, "a.md")
    assert document is None
    assert [(p.code, p.message) for p in problems] == [
        ("SG101", "is a link to a file outside the site; copy the file in")
    ]


@pytest.mark.parametrize("size", [0, 1, 5000, 16383, 16384, 16385, 70_000, 200_000])
def test_a_file_is_read_to_its_end_whatever_its_size(tmp_path: Path, size: int) -> None:
    """The reader's first read takes a usual record whole; a longer file is read on to its end."""
    from statusgen.loader import _read_bytes, read_text

    content = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    (tmp_path / "file.md").write_bytes(content)
    assert _read_bytes(str(tmp_path / "file.md")) == content
    text, problems = read_text(tmp_path, "file.md")
    assert not problems or size  # (bytes 0x80 and up are no UTF-8)
    if not problems:
        assert text == content.decode()


def _listed(site: Path, relpath: str) -> set[str]:
    """What a walk of ``site`` leaves in ``plain_folders`` for a regular file it listed."""
    top = str(site)
    parts = relpath.split("/")
    return {f"{top}/{'/'.join(parts[:index])}" for index in range(1, len(parts) + 1)}


def test_a_file_a_walk_listed_is_looked_at_again_when_it_is_no_regular_file_any_more(tmp_path: Path) -> None:
    """A walk lists an incident file as a regular file; whatever takes its place before it is read
    is refused as if the walk had never seen it: a link out of the site, a pipe (which would
    never open), a folder."""
    from statusgen.loader import read_text

    site = tmp_path / "site"
    (site / "incidents/2026/2026-11-20-x").mkdir(parents=True)
    relpath = "incidents/2026/2026-11-20-x/incident.md"
    path = site / relpath
    outside = tmp_path / "outside.md"
    outside.write_text("---\ntitle: secret\n---\n", encoding="utf-8")
    listed = _listed(site, relpath)

    path.write_text("---\ntitle: ok\n---\n", encoding="utf-8")
    assert read_text(site, relpath, set(listed)) == ("---\ntitle: ok\n---\n", [])
    path.write_bytes(b"x" * 20_000 + b"\xff")
    assert [p.message for p in read_text(site, relpath, set(listed))[1]] == [
        "is not valid UTF-8 (byte 0xff); save it as UTF-8"
    ]

    path.unlink()
    path.symlink_to(outside)
    assert [p.message for p in read_text(site, relpath, set(listed))[1]] == [
        "is a link to a file outside the site; copy the file in"
    ]
    path.unlink()
    os.mkfifo(path)
    assert [p.message for p in read_text(site, relpath, set(listed))[1]] == [
        "not a regular file; remove it or replace it with a file"
    ]
    path.unlink()
    path.mkdir()
    assert [p.message for p in read_text(site, relpath, set(listed))[1]] == [
        "not a regular file; remove it or replace it with a file"
    ]
    path.rmdir()
    assert [p.message for p in read_text(site, relpath, set(listed))[1]][0].startswith("cannot be read")


def test_a_listed_file_below_a_folder_not_known_to_be_plain_is_looked_at(tmp_path: Path) -> None:
    """Only a file whose every folder is known to be no link is opened without looking: a year
    folder that is a link out of the site is found out, even with the file itself listed."""
    from statusgen.loader import read_text

    site = tmp_path / "site"
    (site / "incidents").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "2026-11-20-x").mkdir(parents=True)
    (elsewhere / "2026-11-20-x/incident.md").write_text("---\ntitle: secret\n---\n", encoding="utf-8")
    (site / "incidents/2026").symlink_to(elsewhere)
    relpath = "incidents/2026/2026-11-20-x/incident.md"
    listed = _listed(site, relpath) - {f"{site}/incidents/2026"}
    assert [p.message for p in read_text(site, relpath, listed)[1]] == [
        "is a link to a file outside the site; copy the file in"
    ]
