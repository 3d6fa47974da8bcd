"""Wall time of each notebook's execution, as `make test` would run it.

Usage: .venv/bin/python bench/notebooks.py [chapters/NAME.ipynb ...]

Each notebook runs top to bottom in a fresh kernel, one after another, on a
copy in memory (the stored file is not touched). Not a test: the numbers
depend on the machine and its load.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from tfbook import notebooks


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or notebooks.toc_notebooks(".")
    total = 0.0
    print(f"{'notebook':45s} {'seconds':>8s}")
    for path in paths:
        start = time.perf_counter()
        notebooks.execute(path)
        elapsed = time.perf_counter() - start
        total += elapsed
        print(f"{str(path):45s} {elapsed:8.1f}", flush=True)
    print(f"{'total':45s} {total:8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
