#!/usr/bin/env python3
"""Benchmark the knowledge-base build on large synthetic sites.

    python benchmarks/bench_kb.py [--sizes 100,1000] [--seed 1]

For each size N, ``generate.py`` makes a valid site with N incidents (cached under
``benchmarks/corpora/`` like ``bench_validate.py``). The repository's ``mkdocs.yml`` (without its
``nav``, which names the demo's handbook pages, so MkDocs makes the nav) and ``overrides/kb/`` are
staged with it, so the real theme is measured. Then, in one process, timed separately:

- validate: ``validate_site`` (what ``statusgen build`` runs first; for context);
- stage: reading ``content/`` and the theme, deciding every staged file (Markdown, SVG, the
  staged ``mkdocs.yml``) and writing the staged tree into an empty folder;
- mkdocs: the strict MkDocs + Material build of the staged tree into the output (with the
  process's CPU time, steadier than the wall clock on a shared machine).

The table: N, pages staged, the three times in seconds, the built site's size in MB and file
count, the size per incident in kB, and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from bench_validate import corpus  # noqa: E402
from generate import REFERENCE_TIME  # noqa: E402

from statusgen.kb import CONTENT_DIR, stage_tree, staging_dir  # noqa: E402
from statusgen.kb.engine import MKDOCS_FILE, read_tree, run_mkdocs  # noqa: E402
from statusgen.output import staged_tree, write_tree  # noqa: E402
from statusgen.validate import validate_site  # noqa: E402


def tree_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def bench(size: int, seed: int, scratch: Path) -> dict[str, float]:
    root = corpus(size, seed, 0.33)
    now = REFERENCE_TIME

    started = time.perf_counter()
    result = validate_site(root, now=now)
    validated = time.perf_counter()
    assert result.site is not None and not result.problems, result.problems[:3]
    site = result.site

    destination = scratch / f"out-{size}" / "internal"
    config = yaml.safe_load((REPO / MKDOCS_FILE).read_text(encoding="utf-8"))
    config.pop("nav", None)
    files = stage_tree(
        site,
        now,
        content=read_tree(root / CONTENT_DIR),
        mkdocs_config=config,
        overrides=read_tree(REPO / "overrides" / "kb"),
    )
    write_tree(staging_dir(destination), files)
    staged, cpu = time.perf_counter(), time.process_time()
    with staged_tree(destination) as output:
        run_mkdocs(staging_dir(destination) / MKDOCS_FILE, output, now)
    built = time.perf_counter()
    cpu = time.process_time() - cpu

    size_bytes, count = tree_size(destination)
    return {
        "pages": sum(1 for name in files if name.endswith(".md")),
        "validate": validated - started,
        "stage": staged - validated,
        "mkdocs": built - staged,
        "mkdocs_cpu": cpu,
        "mb": size_bytes / 1e6,
        "files": count,
        "kb_per_incident": size_bytes / 1e3 / size,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000", help="comma-separated incident counts")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    columns = ["incidents", "pages staged", "validate s", "stage s", "mkdocs build s (CPU s)", "output MB", "files"]
    print("| " + " | ".join([*columns, "kB/incident", "peak RSS MB"]) + " |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="statusgen-bench-kb-") as scratch:
        for size in sizes:
            r = bench(size, args.seed, Path(scratch))
            print(
                f"| {size:,} | {r['pages']:,.0f} | {r['validate']:.2f} | {r['stage']:.2f} "
                f"| {r['mkdocs']:.1f} ({r['mkdocs_cpu']:.1f}) "
                f"| {r['mb']:.1f} | {r['files']:,.0f} | {r['kb_per_incident']:.0f} | {r['rss_mb']:,.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
