#!/usr/bin/env python3
"""Benchmark the knowledge-base build on large synthetic sites.

    python benchmarks/bench_kb.py [--sizes 100,1000] [--seed 1]

For each size N, ``generate.py`` writes a valid site with N incidents into a temporary folder;
the repository's ``mkdocs.yml`` (without its ``nav``, which names the demo's handbook pages,
so MkDocs makes the nav) and ``overrides/kb/`` are copied in, so the real theme is measured.
Then, in-process and timed separately:

- validate: ``validate_site`` (what ``statusgen build`` runs first; for context);
- stage: reading ``content/`` and the theme, deciding every staged file (Markdown, SVG, the
  staged ``mkdocs.yml``) and writing the staged tree;
- mkdocs: the strict MkDocs + Material build of the staged tree into the output.

The table: N, pages staged, the three times in seconds, the built site's size in MB and file
count, and the size per incident in kB.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from generate import REFERENCE_TIME, generate_site  # noqa: E402

from statusgen.kb import CONTENT_DIR, stage_tree, staging_dir  # noqa: E402
from statusgen.kb.engine import MKDOCS_FILE, load_site_config, read_tree, run_mkdocs  # noqa: E402
from statusgen.output import staged_tree, write_tree  # noqa: E402
from statusgen.validate import validate_site  # noqa: E402


def prepare(root: Path, size: int, seed: int) -> None:
    generate_site(root, incidents=size, seed=seed)
    config = yaml.safe_load((REPO / MKDOCS_FILE).read_text(encoding="utf-8"))
    config.pop("nav", None)
    (root / MKDOCS_FILE).write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    shutil.copytree(REPO / "overrides" / "kb", root / "overrides" / "kb")


def tree_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def bench(size: int, seed: int, scratch: Path) -> dict[str, float]:
    root = scratch / f"site-{size}"
    prepare(root, size, seed)
    now = REFERENCE_TIME

    started = time.perf_counter()
    result = validate_site(root, now=now)
    validated = time.perf_counter()
    assert result.site is not None and not result.problems, result.problems[:3]
    site = result.site

    destination = scratch / f"out-{size}" / "internal"
    config = load_site_config(root)
    files = stage_tree(
        site,
        now,
        content=read_tree(root / CONTENT_DIR),
        mkdocs_config=config,
        overrides=read_tree(root / "overrides" / "kb"),
    )
    write_tree(staging_dir(destination), files)
    staged = time.perf_counter()
    with staged_tree(destination) as output:
        run_mkdocs(staging_dir(destination) / MKDOCS_FILE, output, now)
    built = time.perf_counter()

    size_bytes, count = tree_size(destination)
    return {
        "pages": sum(1 for name in files if name.endswith(".md")),
        "validate": validated - started,
        "stage": staged - validated,
        "mkdocs": built - staged,
        "mb": size_bytes / 1e6,
        "files": count,
        "kb_per_incident": size_bytes / 1e3 / size,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000", help="comma-separated incident counts")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    print("| incidents | pages staged | validate s | stage s | mkdocs build s | output MB | files | kB/incident |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="statusgen-bench-kb-") as scratch:
        for size in sizes:
            r = bench(size, args.seed, Path(scratch))
            print(
                f"| {size:,} | {r['pages']:,.0f} | {r['validate']:.2f} | {r['stage']:.2f} | {r['mkdocs']:.1f} "
                f"| {r['mb']:.1f} | {r['files']:,.0f} | {r['kb_per_incident']:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
