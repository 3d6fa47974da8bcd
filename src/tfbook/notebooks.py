"""Keep the book's notebooks executed, normalized and free of volatile output.

Command line (run from the repository root)::

    python -m tfbook.notebooks refresh [chapters/NAME.ipynb ...]   # re-execute in place
    python -m tfbook.notebooks audit [NOTEBOOK ...]                # check, do not run
    python -m tfbook.notebooks list                                # the toc's notebooks
    python -m tfbook.notebooks setup-cell [NOTEBOOK ...]           # rewrite first cells

``refresh`` executes each notebook in a fresh kernel in its own folder, then
:func:`normalize` strips what changes from run to run without the code
changing (timings, kernel versions, long tracebacks with machine paths), so a
refresh with no code change leaves ``git diff`` empty.

``setup-cell`` rewrites the first code cell of each notebook (default: all of
the toc) to :func:`setup_cell_source`: import ``tfbook``, installing it from
the book's repository at the book's version when it is missing (Colab, a
notebook downloaded from the site), then ``tfbook.configure(...)`` with the
notebook's own arguments. Its tags, outputs and execution count are kept.
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

#: Tag of the set-up cell: the site shows only the versions line it prints.
SETUP_CELL_TAG = "remove-input"

#: The first code cell of every chapter; filled in by :func:`setup_cell_source`.
SETUP_CELL_TEMPLATE = """\
try:
    import tfbook
except ModuleNotFoundError:  # Colab or a downloaded notebook: install the book's package
    %pip install --quiet "{requirement}"
    import tfbook

tfbook.configure({arguments})"""

_CONFIGURE_CALL = re.compile(r"^tfbook\.configure\((?P<arguments>.*)\)[ \t]*$", re.MULTILINE)


def toc_pages(root: str | Path = ".") -> list[Path]:
    """Every page named in ``_toc.yml`` (notebook or Markdown), relative to ``root``, in reading order.

    Raises:
        ValueError: if the toc names a page that exists neither as ``.ipynb`` nor as ``.md``.
    """
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
    pages = []
    for name in files:
        path = Path(name)
        candidates = [path] if path.suffix else [path.with_suffix(".ipynb"), path.with_suffix(".md")]
        found = next((c for c in candidates if (root / c).exists()), None)
        if found is None:
            raise ValueError(f"The toc names a page that does not exist. Received: file={name!r}")
        pages.append(found)
    return pages


def toc_notebooks(root: str | Path = ".") -> list[Path]:
    """Return the notebooks named in ``_toc.yml``, in reading order."""
    root = Path(root)
    return [root / page for page in toc_pages(root) if page.suffix == ".ipynb"]


def book_version(root: str | Path = ".") -> str:
    """The book's version: ``version`` in the ``[project]`` table of ``pyproject.toml``."""
    text = (Path(root) / "pyproject.toml").read_text(encoding="utf-8")
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: the one line is enough
        table = re.search(r"^\[project\]$(.*?)(?=^\[|\Z)", text, re.MULTILINE | re.DOTALL)
        found = table and re.search(r'^version\s*=\s*"([^"]+)"', table.group(1), re.MULTILINE)
        if not found:
            raise ValueError(f"No version in the [project] table of {root}/pyproject.toml") from None
        return found.group(1)
    return tomllib.loads(text)["project"]["version"]


def repository_url(root: str | Path = ".") -> str:
    """The book's repository, ``repository.url`` in ``_config.yml`` (set once there)."""
    import yaml

    config = yaml.safe_load((Path(root) / "_config.yml").read_text(encoding="utf-8"))
    url = (config.get("repository") or {}).get("url")
    if not url:
        raise ValueError(f"No `repository: url:` in {root}/_config.yml")
    return url.rstrip("/").removesuffix(".git")


def package_requirement(root: str | Path = ".") -> str:
    """The pip requirement of the book's package at the book's version.

    A release tags the repository ``v<version>`` (CONTRIBUTING.md), so this
    installs exactly the package the stored outputs were produced with.

    Example:
        >>> package_requirement()  # doctest: +SKIP
        'tfbook @ git+https://github.com/OWNER/REPO@v0.1.0'
    """
    return f"tfbook @ git+{repository_url(root)}@v{book_version(root)}"


def setup_cell_source(arguments: str = "seed=42", root: str | Path = ".") -> str:
    """The source of a chapter's first code cell.

    ``import tfbook``, and when that fails (the notebook runs where the package
    is not installed: Colab, a notebook downloaded from the site) ``%pip
    install`` :func:`package_requirement` first; then
    ``tfbook.configure(<arguments>)``. Where ``tfbook`` is installed the cell
    prints only what :func:`tfbook.environment.configure` shows.

    Args:
        arguments: the text between the parentheses of ``tfbook.configure(...)``.
        root: the repository root, holding ``_config.yml`` and ``pyproject.toml``.
    """
    return SETUP_CELL_TEMPLATE.format(
        requirement=package_requirement(root), arguments=arguments
    )


def _first_code_cell(nb: nbformat.NotebookNode):
    return next((cell for cell in nb.cells if cell.cell_type == "code"), None)


def configure_arguments(source: str) -> str | None:
    """The arguments of the one-line ``tfbook.configure(...)`` call in ``source``, if any."""
    match = _CONFIGURE_CALL.search(source)
    return match.group("arguments") if match else None


def expected_setup_cell(path: str | Path, root: str | Path = ".") -> str:
    """The set-up cell source ``path`` should have, keeping its ``configure`` arguments.

    Raises:
        ValueError: if the notebook's first code cell has no ``tfbook.configure(...)`` line.
    """
    cell = _first_code_cell(nbformat.read(Path(path), as_version=4))
    arguments = configure_arguments(cell.source) if cell is not None else None
    if arguments is None:
        raise ValueError(
            f"{path}: the first code cell has no `tfbook.configure(...)` line, so it is "
            "not the set-up cell; make it the first code cell (CONTRIBUTING.md)."
        )
    return setup_cell_source(arguments, root)


def apply_setup_cell(path: str | Path, root: str | Path = ".") -> bool:
    """Rewrite the first code cell of ``path`` to :func:`expected_setup_cell`.

    Keeps the cell's tags, outputs, execution count and id. Returns whether
    the file changed.
    """
    path = Path(path)
    expected = expected_setup_cell(path, root)
    nb = nbformat.read(path, as_version=4)
    cell = _first_code_cell(nb)
    if cell.source == expected:
        return False
    cell.source = expected
    nbformat.write(nb, path)
    return True


def check_setup_cell(path: str | Path, root: str | Path = ".") -> list[str]:
    """Problems of the set-up cell of ``path``: not :func:`expected_setup_cell`, or untagged."""
    try:
        expected = expected_setup_cell(path, root)
    except ValueError as e:
        return [str(e)]
    cell = _first_code_cell(nbformat.read(Path(path), as_version=4))
    problems = []
    if cell.source != expected:
        problems.append(
            f"{path}: the first code cell differs from the generated set-up cell; run "
            f"`python -m tfbook.notebooks setup-cell {path}`"
        )
    if SETUP_CELL_TAG not in cell.metadata.get("tags", []):
        problems.append(f"{path}: the set-up cell is not tagged {SETUP_CELL_TAG!r}")
    return problems


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


def refresh(path: str | Path) -> float:
    """Execute ``path`` in place, normalize it, and return the wall time in seconds."""
    start = time.perf_counter()
    nb = execute(path)
    elapsed = time.perf_counter() - start
    nbformat.write(normalize(nb), path)
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

    A problem is: a notebook that ``nbformat.validate`` rejects, a code cell
    never executed (no ``execution_count``), an output holding volatile text
    (:data:`VOLATILE_OUTPUT`), output on stderr,
    an error in a cell not tagged ``raises-exception``, a tagged cell that
    stored no error, or metadata that :func:`normalize` would remove.
    """
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    problems = []
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as error:
        problems.append(f"{path}: not a valid notebook (nbformat 4): {error.message}")
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
    """``python -m tfbook.notebooks refresh|audit|list|setup-cell [NOTEBOOK ...]``.

    Run from the repository root; without notebooks, every notebook of the toc.
    """
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in ("refresh", "audit", "list", "setup-cell"):
        print(
            "usage: python -m tfbook.notebooks refresh|audit|list|setup-cell [NOTEBOOK ...]",
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
    if argv[0] == "setup-cell":
        failed = 0
        for path in paths:
            try:
                changed = apply_setup_cell(path, ".")
            except ValueError as e:
                print(e, file=sys.stderr)
                failed += 1
                continue
            print(f"{path}: set-up cell {'rewritten' if changed else 'already current'}")
        return 1 if failed else 0
    problems = [
        line for path in paths for line in audit(path) + check_setup_cell(path, ".")
    ]
    for line in problems:
        print(line)
    print(f"{len(paths)} notebooks audited, {len(problems)} problems.")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
