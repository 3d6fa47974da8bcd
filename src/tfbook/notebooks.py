"""Keep the book's notebooks executed, normalized and free of volatile output.

Command line (run from the repository root)::

    python -m tfbook.notebooks refresh [chapters/NAME.ipynb ...]   # re-execute in place
    python -m tfbook.notebooks audit                               # check, do not run
    python -m tfbook.notebooks list                                # the toc's notebooks

``refresh`` executes each notebook in a fresh kernel in its own folder, then
:func:`normalize` strips what changes from run to run without the code
changing (timings, kernel versions, long tracebacks with machine paths), so a
refresh with no code change leaves ``git diff`` empty.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import nbformat

#: Text that must never be stored in an output: machine paths, memory
#: addresses, TensorFlow's C++ log lines and notices, progress bars.
VOLATILE_OUTPUT = re.compile(
    r"(/root/|/home/|/Users/|/tmp/|/work/|site-packages|[A-Za-z]:\\\\"
    r"|0x[0-9a-fA-F]{6,}"
    r"|^[IWEF]\d{4} \d\d:\d\d|I0000 |oneDNN custom operations|absl::InitializeLog"
    r"|cuda_dnn|Unable to register cu|\d+/\d+ \S*[━=]+)",
    re.MULTILINE,
)

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

#: Cell tags that mark an expected exception for nbval.
RAISES_TAG = "raises-exception"


def toc_notebooks(root: str | Path = ".") -> list[Path]:
    """Return the notebooks named in ``_toc.yml``, in reading order."""
    import yaml

    root = Path(root)
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    files: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for key in ("root", "parts", "chapters", "sections"):
                if key == "root" and isinstance(node.get(key), str):
                    files.append(node[key])
                elif isinstance(node.get(key), list):
                    for child in node[key]:
                        walk(child)

    walk(toc)
    paths = []
    for name in files:
        path = root / name
        if path.suffix == "":
            path = path.with_suffix(".ipynb")
        if path.suffix == ".ipynb" and path.exists():
            paths.append(path)
    return paths


def normalize(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip volatile metadata in place and return the notebook.

    Keeps: sources, outputs, execution counts, cell ids and ``tags``.
    Drops: timing and other cell metadata, kernel version details.
    Merges neighbouring pieces of one stream (how a kernel splits its
    output depends on timing; nbval compares the merged text too).
    Shortens an error's traceback to its last line ``Name: message``, which
    is what a reader needs and what nbval compares (``ename``, ``evalue``).
    """
    nb.metadata = nbformat.from_dict(
        {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        }
    )
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        cell.metadata = nbformat.from_dict({"tags": tags} if tags else {})
        if cell.cell_type != "code":
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
            continue
        cell.outputs = _coalesce_streams(cell.outputs)
        for out in cell.outputs:
            out.pop("transient", None)
            if out.output_type == "error":
                out.traceback = [f"{out.ename}: {_ANSI.sub('', out.evalue)}"]
    return nb


def _coalesce_streams(outputs):
    """Merge neighbouring outputs of one stream: a busy kernel may split a print in two."""
    merged = []
    for out in outputs:
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and out.output_type == "stream"
            and prev.output_type == "stream"
            and prev.name == out.name
        ):
            prev.text = "".join(prev.text) + "".join(out.text)
        else:
            merged.append(out)
    return merged


def execute(path: str | Path, timeout: int = 900) -> nbformat.NotebookNode:
    """Run a notebook top to bottom in a fresh kernel, in its own folder."""
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent.resolve())}},
    )
    client.execute()
    return nb


def write(nb: nbformat.NotebookNode, path: str | Path) -> None:
    """Write a notebook in the book's canonical form (1-space indent, final newline)."""
    text = nbformat.writes(nb, version=4)
    Path(path).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def refresh(path: str | Path) -> float:
    """Execute ``path`` in place, normalize it, and return the wall time in seconds."""
    start = time.perf_counter()
    nb = execute(path)
    elapsed = time.perf_counter() - start
    write(normalize(nb), path)
    return elapsed


def _output_text(out) -> str:
    parts = []
    if "text" in out:
        parts.append("".join(out["text"]))
    for key, value in out.get("data", {}).items():
        if key.startswith("text/"):
            parts.append("".join(value))
    if out.get("output_type") == "error":
        parts += [out.get("ename", ""), out.get("evalue", ""), "\n".join(out.get("traceback", []))]
    return "\n".join(parts)


def audit(path: str | Path) -> list[str]:
    """Return the problems of a stored notebook, one line each.

    A problem is: a code cell never executed (no ``execution_count``), an
    output holding volatile text (:data:`VOLATILE_OUTPUT`), output on stderr,
    an error in a cell not tagged ``raises-exception``, a tagged cell that
    stored no error, or metadata that :func:`normalize` would remove.
    """
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        where = f"{path} cell {i}"
        tags = cell.metadata.get("tags", [])
        if cell.execution_count is None:
            problems.append(f"{where}: never executed (no execution_count)")
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if errors and RAISES_TAG not in tags:
            problems.append(f"{where}: stored error in a cell not tagged {RAISES_TAG!r}")
        if RAISES_TAG in tags and not errors:
            problems.append(f"{where}: tagged {RAISES_TAG!r} but stored no error")
        for out in cell.outputs:
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                problems.append(f"{where}: output on stderr: {''.join(out.text)[:120]!r}")
            match = VOLATILE_OUTPUT.search(_output_text(out))
            if match:
                problems.append(f"{where}: volatile text in output: {match.group(0)!r}")
    clean = normalize(nbformat.from_dict(nbformat.read(path, as_version=4)))
    if nbformat.writes(clean, version=4).rstrip("\n") != path.read_text(encoding="utf-8").rstrip(
        "\n"
    ):
        problems.append(f"{path}: not normalized; run `make refresh NB={path}`")
    return problems


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in ("refresh", "audit", "list"):
        print(
            "usage: python -m tfbook.notebooks refresh|audit|list [NOTEBOOK ...]",
            file=sys.stderr,
        )
        return 2
    paths = [Path(p) for p in argv[1:]] or toc_notebooks(".")
    if argv[0] == "list":
        print(" ".join(str(p) for p in paths))
        return 0
    if argv[0] == "refresh":
        for path in paths:
            print(f"{path}: executed in {refresh(path):.1f} s", flush=True)
        return 0
    problems = [line for path in paths for line in audit(path)]
    for line in problems:
        print(line)
    print(f"{len(paths)} notebooks audited, {len(problems)} problems.")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
