"""The book's offline editions: a PDF of the whole book and a notebooks bundle.

Command line (run from the repository root; ``make pdf`` runs ``all``)::

    python -m tfbook.pdf pdf      # _build/pdf/<name>.pdf and, in Chinese, <name>-zh.pdf
    python -m tfbook.pdf bundle   # _build/pdf/<name>-notebooks.zip
    python -m tfbook.pdf all      # all three

``<name>`` is the last part of the repository address in ``_config.yml``
(:func:`book_name`).

The PDF is the site's content typeset by LaTeX: Jupyter Book's LaTeX builder
(Sphinx with sphinx-jupyterbook-latex) writes one ``.tex`` file of the whole
book in the order of ``_toc.yml``, from the outputs stored in the notebooks
(nothing is executed), with the book's own Sphinx extension for the PDF
(``book/_ext/tfbook_pdf.py``: fonts, wrapping of long code lines, no ANSI
codes); then ``latexmk`` runs XeLaTeX until the table of contents and the
cross-references settle. XeLaTeX, not pdfLaTeX: the book has Chinese text,
set in an embedded Noto CJK font through xeCJK. ``scripts/get-pdf-tools.sh``
installs TeX Live's parts and the fonts from Debian's packages.

The bundle is a zip of every chapter notebook with its stored outputs, with
``requirements.txt``, the ``tfbook`` package they import and a README that
says how to run them (:func:`bundle_readme`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

#: The Sphinx extension of the PDF, in ``book/_ext``.
PDF_EXTENSION = "tfbook_pdf"

#: Where ``make pdf`` writes the PDF and the bundle.
OUTPUT_DIR = Path("_build") / "pdf"

#: Jupyter Book's working folder for the LaTeX build (sources, logs).
LATEX_WORK_DIR = Path("_build") / "pdf-latex"

#: Where the site serves the editions (book/_ext/tfbook_offline.py copies them there).
SITE_DOWNLOADS = Path("_build") / "html" / "_downloads"

#: Files of a checkout that the bundle carries besides the notebooks.
BUNDLE_FILES = ("requirements.txt", "pyproject.toml")


def book_name(root: str | Path = ".") -> str:
    """The file name stem of the offline editions: the repository's name.

    Example:
        >>> book_name()  # doctest: +SKIP
        'tensorflow-keras-book'
    """
    from tfbook.notebooks import repository_url

    return repository_url(root).rsplit("/", 1)[-1]


def edition(root: str | Path = ".") -> str:
    """The edition a project is: ``"zh"`` for the Chinese one (``tfbook.i18n``), else ``"en"``."""
    import yaml

    config = yaml.safe_load((Path(root) / "_config.yml").read_text(encoding="utf-8"))
    return ((config.get("sphinx") or {}).get("config") or {}).get("tfbook_edition", "en")


def _stem(root: str | Path) -> str:
    """``book_name``, with ``-zh`` for the Chinese edition: the two files differ by name."""
    language = edition(root)
    return book_name(root) + ("" if language == "en" else f"-{language}")


def pdf_path(root: str | Path = ".") -> Path:
    """Where :func:`build_pdf` writes the PDF, relative to ``root``."""
    return Path(root) / OUTPUT_DIR / f"{_stem(root)}.pdf"


def bundle_path(root: str | Path = ".") -> Path:
    """Where :func:`build_bundle` writes the notebooks bundle, relative to ``root``."""
    return Path(root) / OUTPUT_DIR / f"{_stem(root)}-notebooks.zip"


#: Where ``make pdf`` writes the Chinese edition's project (``tfbook.i18n``).
CHINESE_PROJECT = Path("_build") / "pdf-zh-src"


def build_chinese_pdf(root: str | Path = ".", verbose: bool = False) -> Path:
    """Build the Chinese edition's PDF into ``<root>/_build/pdf/<name>-zh.pdf``; return its path.

    The Chinese project (``tfbook.i18n.build_project``) is written into
    :data:`CHINESE_PROJECT` and built like the English book.
    """
    from tfbook import i18n

    root = Path(root).resolve()
    project = i18n.build_project(root / CHINESE_PROJECT, root)
    built = build_pdf(project, verbose=verbose)
    target = root / OUTPUT_DIR / built.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(built, target)
    return target


def pdf_config(root: str | Path = ".") -> dict:
    """The site's ``_config.yml`` with what the LaTeX build adds.

    The Sphinx extension :data:`PDF_EXTENSION` (from ``book/_ext``, as an
    absolute path: Jupyter Book resolves ``local_extensions`` against the
    folder of the configuration file, which is not the book's root here) and
    the name of the ``.tex`` file, and the book's version for the title page.
    """
    import yaml

    from tfbook.notebooks import book_version

    root = Path(root).resolve()
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    sphinx = config.setdefault("sphinx", {})
    local = sphinx.get("local_extensions") or {}
    local = {name: str((root / path).resolve()) for name, path in local.items()}
    local[PDF_EXTENSION] = str(root / "book" / "_ext")
    sphinx["local_extensions"] = local
    # The title page names the version (Jupyter Book leaves `release` empty).
    sphinx.setdefault("config", {})["release"] = book_version(root)
    latex = config.setdefault("latex", {})
    latex["latex_engine"] = "xelatex"
    latex["use_jupyterbook_latex"] = True
    latex["latex_documents"] = {"targetname": f"{book_name(root)}.tex"}
    return config


def _run(command: list[str], cwd: Path, log: Path) -> None:
    """Run ``command`` in ``cwd`` with its output in ``log``; on failure show the log's end."""
    with log.open("w", encoding="utf-8") as stream:
        result = subprocess.run(command, cwd=cwd, stdout=stream, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-40:]
        raise RuntimeError(
            f"`{' '.join(command)}` failed (exit {result.returncode}); the end of {log}:\n"
            + "\n".join(tail)
        )


def build_latex(root: str | Path = ".") -> Path:
    """Write the book as one ``.tex`` file; return the folder that holds it.

    Jupyter Book's LaTeX builder, into :data:`LATEX_WORK_DIR`, with warnings
    as errors as the site build has them.
    """
    import yaml

    root = Path(root).resolve()
    work = root / LATEX_WORK_DIR
    work.mkdir(parents=True, exist_ok=True)
    # Read every page again: Sphinx does not notice a change in an extension's
    # transforms. The LaTeX folder stays, so latexmk starts from its last run.
    shutil.rmtree(work / "_build" / ".doctrees", ignore_errors=True)
    config = work / "_config.yml"
    config.write_text(
        yaml.safe_dump(pdf_config(root), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    command = [
        str(jupyter_book),
        "build",
        str(root),
        "--builder",
        "latex",
        "--config",
        str(config),
        "--path-output",
        str(work),
        "--warningiserror",
        "--keep-going",
    ]
    _run(command, root, work / "sphinx.log")
    latex_dir = work / "_build" / "latex"
    caption = appendix_caption(root)
    if caption:
        number_appendices(latex_dir / f"{book_name(root)}.tex", caption)
    return latex_dir


def appendix_caption(root: str | Path = ".") -> str | None:
    """The caption of the last part of ``_toc.yml`` if it is not numbered, else None.

    Such a part holds the appendices: the site numbers the chapters of the
    parts marked ``numbered: true`` only.
    """
    import yaml

    toc = yaml.safe_load((Path(root) / "_toc.yml").read_text(encoding="utf-8"))
    parts = toc.get("parts") or []
    if not parts or parts[-1].get("numbered"):
        return None
    return parts[-1].get("caption")


def number_appendices(tex: str | Path, caption: str) -> bool:
    r"""Letter the chapters of the part ``caption`` (A, B, C...) in the LaTeX file ``tex``.

    LaTeX would go on numbering chapters after the last numbered part;
    ``\appendix`` right after that part's title switches to letters, as a
    book's appendices are. Returns whether ``tex`` has that part.

    Example:
        >>> import tempfile
        >>> tex = Path(tempfile.mkdtemp()) / "book.tex"
        >>> _ = tex.write_text("\\part{Appendices}\n\\chapter{Glossary}")
        >>> number_appendices(tex, "Appendices"), tex.read_text().splitlines()[1]
        (True, '\\appendix')
    """
    tex = Path(tex)
    text = tex.read_text(encoding="utf-8")
    marker = f"\\part{{{caption}}}"
    index = text.rfind(marker)
    if index < 0:
        return False
    end = index + len(marker)
    tex.write_text(text[:end] + "\n\\appendix" + text[end:], encoding="utf-8")
    return True


#: latexmk's setting (Perl) that leaves the page count out of its check of the
#: ``.aux``. LaTeX writes it there for the next run; it grows by the pages of
#: the table of contents between the first and the second run, which took a
#: third run. The kernel reads it for code placed on the last page (the hook
#: ``shipout/lastpage``) and for ``\PreviousTotalPages``; nothing in the book
#: uses either, and the PDF's preamble stops the build if code is placed on
#: the last page. The page labels, the other thing that changed, are written
#: from the same run (``book/_ext/tfbook_pdf.py``).
LATEXMK_IGNORE_PAGE_COUNT = r"$hash_calc_ignore_pattern{'aux'} = '^\\\\gdef \\\\@abspage@last\\{';"


def typeset(latex_dir: str | Path, name: str) -> Path:
    """Run ``latexmk`` (XeLaTeX) on ``<name>.tex`` in ``latex_dir``; return the PDF.

    Sphinx writes a ``latexmkrc`` next to the ``.tex`` file that makes
    ``latexmk -pdf`` call ``xelatex``; latexmk reruns it until the table of
    contents and the page references no longer change: twice from scratch,
    with the index made in between. The page count that LaTeX writes into
    the ``.aux`` does not count as a change (:data:`LATEXMK_IGNORE_PAGE_COUNT`).
    """
    latex_dir = Path(latex_dir)
    if shutil.which("latexmk") is None or shutil.which("xelatex") is None:
        raise RuntimeError(
            "latexmk and xelatex are missing: run `bash scripts/get-pdf-tools.sh` first."
        )
    command = [
        "latexmk",
        "-e",
        LATEXMK_IGNORE_PAGE_COUNT,
        "-pdf",
        "-dvi-",
        "-ps-",
        "-interaction=nonstopmode",
        "-halt-on-error",
        "-file-line-error",
        f"{name}.tex",
    ]
    _run(command, latex_dir, latex_dir / "latexmk.log")
    return latex_dir / f"{name}.pdf"


def build_pdf(root: str | Path = ".", verbose: bool = False) -> Path:
    """Build the PDF of the whole book into :func:`pdf_path`; return its path.

    Args:
        root: the book's repository.
        verbose: print how long each of the two steps took.
    """
    root = Path(root).resolve()
    name = book_name(root)
    start = time.perf_counter()
    latex_dir = build_latex(root)
    middle = time.perf_counter()
    built = typeset(latex_dir, name)
    target = pdf_path(root)
    if verbose:
        print(
            f"tfbook.pdf: {target.name}: LaTeX source in {middle - start:.0f} s, "
            f"typeset in {time.perf_counter() - middle:.0f} s"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(built, target)
    return target


def bundle_readme(root: str | Path = ".") -> str:
    """The README of the notebooks bundle: what it holds and how to run it."""
    import yaml

    from tfbook.notebooks import book_version, package_requirement, repository_url

    root = Path(root)
    title = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))["title"]
    version = book_version(root)
    if edition(root) == "zh":
        return _BUNDLE_README_ZH.format(
            title=title, version=version, url=repository_url(root),
            requirement=package_requirement(root),
        )
    return f"""# {title}: the notebooks

Version {version} of the book, from {repository_url(root)}.
`chapters/` holds every chapter as a Jupyter notebook, with the outputs that
the site and the PDF show; `src/tfbook` is the package the chapters import,
and `requirements.txt` pins the exact versions the outputs were produced with
(Python 3.11, 3.12 or 3.13).

## Run them on your machine

Once, with internet access:

```bash
python3 -m venv .venv
.venv/bin/pip install -r requirements.txt   # Windows: .venv\\Scripts\\pip
.venv/bin/pip install --no-deps .
.venv/bin/python -m tfbook.data fetch       # Fashion-MNIST, checked by sha256
```

Then, offline: `.venv/bin/jupyter lab chapters/` and run a chapter from the
top. Its first cell imports `tfbook` and calls `tfbook.configure(...)`, which
seeds every random generator, so a re-run prints the outputs you see.

## Or open one notebook anywhere (Colab, another Jupyter)

The first cell of every notebook installs the book's package when `import
tfbook` fails:

```python
%pip install --quiet "{package_requirement(root)}"
```

and the chapters that use Fashion-MNIST download it once through Keras.
"""


_BUNDLE_README_ZH = """# {title}：notebook 合集

本书 {version} 版，来自 {url}。
`chapters/` 中是每一章的 Jupyter notebook，带有网站和 PDF 所展示的输出；
`src/tfbook` 是各章导入的包；`requirements.txt` 固定了产生这些输出所用的
确切版本（Python 3.11、3.12 或 3.13）。

## 在自己的电脑上运行

联网时执行一次：

```bash
python3 -m venv .venv
.venv/bin/pip install -r requirements.txt   # Windows: .venv\\Scripts\\pip
.venv/bin/pip install --no-deps .
.venv/bin/python -m tfbook.data fetch       # Fashion-MNIST，用 sha256 校验
```

之后即可离线：运行 `.venv/bin/jupyter lab chapters/`，从头运行某一章。它的第一个
单元格导入 `tfbook` 并调用 `tfbook.configure(...)`，为每个随机数生成器设定种子，
所以重新运行会打印出你看到的这些输出。

## 或者在任何地方打开单个 notebook（Colab 或其他 Jupyter）

每个 notebook 的第一个单元格会在 `import tfbook` 失败时安装本书的包：

```python
%pip install --quiet "{requirement}"
```

用到 Fashion-MNIST 的章节会通过 Keras 下载它一次。
"""


def build_bundle(root: str | Path = ".", target: str | Path | None = None) -> Path:
    """Write the notebooks bundle (a zip); return its path.

    The zip holds one folder, ``<name>-notebooks/``, with ``README.md``
    (:func:`bundle_readme`), ``requirements.txt``, ``pyproject.toml``, the
    package ``src/tfbook`` (without bytecode) and ``chapters/*.ipynb`` in the
    order of ``_toc.yml``. Its entries carry a fixed date, so the same
    notebooks give the same zip.

    Args:
        root: the book's repository.
        target: the zip to write; default :func:`bundle_path`.
    """
    from tfbook.notebooks import toc_notebooks

    root = Path(root).resolve()
    target = Path(target) if target is not None else bundle_path(root)
    target.parent.mkdir(parents=True, exist_ok=True)
    folder = f"{book_name(root)}-notebooks"
    members: list[tuple[str, bytes]] = [("README.md", bundle_readme(root).encode("utf-8"))]
    members += [(name, (root / name).read_bytes()) for name in BUNDLE_FILES]
    for path in sorted((root / "src" / "tfbook").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            members.append((path.relative_to(root).as_posix(), path.read_bytes()))
    for path in toc_notebooks(root):
        members.append((path.relative_to(root).as_posix(), path.read_bytes()))
    partial = target.with_name(target.name + ".part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    os.replace(partial, target)
    return target


def _timed(build) -> tuple[Path, float]:
    start = time.perf_counter()
    path = build(verbose=True)
    return path, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """``python -m tfbook.pdf {pdf,bundle,all}``; prints what it wrote and how long it took."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0] not in ("pdf", "bundle", "all"):
        print("usage: python -m tfbook.pdf {pdf,bundle,all}", file=sys.stderr)
        return 2
    what = argv[0]
    written = []
    if what in ("bundle", "all"):
        path = build_bundle()
        written.append(path)
        print(f"tfbook.pdf: wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    builds = (build_pdf, build_chinese_pdf) if what in ("pdf", "all") else ()
    # The two editions side by side: each runs one process at a time (Sphinx,
    # then XeLaTeX), and they share no file.
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [(build, pool.submit(_timed, build)) for build in builds]
    for build, future in futures:
        try:
            path, seconds = future.result()
        except RuntimeError as error:
            print(f"tfbook.pdf: {build.__name__}: {error}", file=sys.stderr)
            return 1
        written.append(path)
        print(f"tfbook.pdf: wrote {path} ({path.stat().st_size / 1e6:.1f} MB) in {seconds:.0f} s")
    # A site built before serves the editions it found then: bring them up to date.
    for path in written:
        served = Path(SITE_DOWNLOADS) / path.name
        if served.is_file():
            shutil.copyfile(path, served)
            print(f"tfbook.pdf: updated {served}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
