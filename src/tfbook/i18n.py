"""The Chinese edition (中文版): translations keyed by cell, checked for staleness.

The English pages are the source. Every page of the toc is cut into *units*
a translator works on: each Markdown cell of a notebook (keyed by its cell
id), each section of a Markdown page (keyed by its heading). A translation
file per page, ``locale/zh/<page>.md``, holds one block per unit::

    <!-- tfbook-unit 7c1f0d2a en:3b9a51c0e4d2 -->
    中文的 Markdown ……

``en:`` is the start of the sha256 of the English unit the block translates.
When an English cell changes, its hash changes and :func:`check` reports the
block as stale, naming page and cell, until a translator has updated the text
and run ``stamp``. Code cells and outputs are never translated: the Chinese
notebooks are generated (:func:`build_project`) by replacing the Markdown of
the English ones, so code and outputs are the very bytes strict nbval checked.

Site-wide strings (the book's title, the toc's captions) are in
``locale/zh/site.yml``.

Command line (from the repository root)::

    python -m tfbook.i18n check                 # exit 1 on a missing, stale or extra unit
    python -m tfbook.i18n update                # add English blocks for new units
    python -m tfbook.i18n stamp PAGE [UNIT ...] # record the current English hashes
    python -m tfbook.i18n build OUT             # write the Chinese project into OUT
"""

from __future__ import annotations

import hashlib
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from tfbook.notebooks import toc_pages

LANGUAGE = "zh"
LOCALE_DIR = Path("locale") / LANGUAGE
SITE_FILE = "site.yml"

_MARKER = re.compile(r"^<!-- tfbook-unit (?P<key>\S+) en:(?P<hash>[0-9a-f]{12}) -->$", re.MULTILINE)
_HEADING = re.compile(r"^#{1,6} (?P<title>.+?)\s*$")
_FENCE = re.compile(r"^(?P<fence>`{3,}|:{3,})")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Unit:
    """One piece of an English page a translator translates as a whole."""

    key: str
    text: str

    @property
    def hash(self) -> str:
        return english_hash(self.text)


@dataclass(frozen=True)
class Problem:
    """What :func:`check` found wrong with one unit of one page."""

    page: str
    key: str
    what: str

    def __str__(self) -> str:
        return f"{self.page}: unit {self.key}: {self.what}"


def english_hash(text: str) -> str:
    """The first 12 hex digits of the sha256 of an English unit."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _slug(title: str) -> str:
    return re.sub(r"[^0-9a-z]+", "-", title.lower()).strip("-") or "section"


def markdown_sections(text: str) -> list[Unit]:
    """Cut a Markdown page at its headings (never inside a code fence or directive).

    Keys are the headings' slugs (``top`` for text before the first heading),
    numbered when a slug repeats.

    Example:
        >>> [u.key for u in markdown_sections("# A b\\n\\nx\\n\\n## C\\n\\n```\\n# not\\n```\\n")]
        ['a-b', 'c']
    """
    sections: list[tuple[str, list[str]]] = []
    fence = None
    for line in text.splitlines():
        match = _FENCE.match(line)
        if fence is None and match:
            fence = match["fence"]
        elif fence is not None and line.strip() == fence:
            fence = None
        heading = _HEADING.match(line) if fence is None else None
        if heading or not sections:
            sections.append((_slug(heading["title"]) if heading else "top", []))
        sections[-1][1].append(line)
    units, seen = [], {}
    for key, lines in sections:
        seen[key] = seen.get(key, 0) + 1
        key = key if seen[key] == 1 else f"{key}-{seen[key]}"
        units.append(Unit(key, "\n".join(lines).strip("\n")))
    return [u for u in units if u.text]


def english_units(path: str | Path) -> list[Unit]:
    """The units of one English page: a notebook's Markdown cells, or a page's sections."""
    path = Path(path)
    if path.suffix == ".ipynb":
        nb = nbformat.read(path, as_version=4)
        return [Unit(cell.id, cell.source) for cell in nb.cells if cell.cell_type == "markdown"]
    if path.suffix == ".md":
        return markdown_sections(path.read_text(encoding="utf-8"))
    raise ValueError(f"Expected a page that is a .ipynb or .md file. Received: path={str(path)!r}")


def translation_path(page: str | Path, root: str | Path = ".") -> Path:
    """Where the translation of ``page`` lives: ``locale/zh/<page without suffix>.md``."""
    return Path(root) / LOCALE_DIR / Path(page).with_suffix(".md")


def read_translation(path: str | Path) -> dict[str, tuple[str, str]]:
    """A translation file as ``{unit key: (English hash, translated text)}``."""
    text = Path(path).read_text(encoding="utf-8")
    markers = list(_MARKER.finditer(text))
    blocks = {}
    for marker, after in zip(markers, markers[1:] + [None], strict=True):
        end = after.start() if after else len(text)
        key = marker["key"]
        if key in blocks:
            raise ValueError(f"{path}: the unit {key!r} appears twice.")
        blocks[key] = (marker["hash"], text[marker.end():end].strip("\n"))
    return blocks


def write_translation(path: str | Path, page: str | Path, blocks: dict[str, tuple[str, str]]) -> None:
    """Write ``blocks`` (as returned by :func:`read_translation`) for ``page``, in their order."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    head = (f"<!-- 中文版 of {Path(page).as_posix()}: one block per unit; "
            "see src/tfbook/i18n.py and CONTRIBUTING.md. -->\n")
    body = "".join(f"\n<!-- tfbook-unit {key} en:{h} -->\n{text}\n"
                   for key, (h, text) in blocks.items())
    path.write_text(head + body, encoding="utf-8")


_NOT_PROSE = re.compile(r"```.*?```|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|\]\([^)]*\)|<[^>]*>", re.DOTALL)


def _untranslated(english: str, translated: str) -> bool:
    """True if a unit with words in it does not read as Chinese.

    Code, math and link targets do not count; a bare label or formula may stay
    as it is. Chinese prose has more Chinese characters than English words.
    """
    english_words = len(re.findall(r"[A-Za-z]{3,}", _NOT_PROSE.sub(" ", english)))
    prose = _NOT_PROSE.sub(" ", translated)
    chinese, words = len(_CJK.findall(prose)), len(re.findall(r"[A-Za-z]{3,}", prose))
    return english_words >= 3 and chinese < words


def check(root: str | Path = ".") -> list[Problem]:
    """Every unit of every page of the toc that has no up-to-date translation.

    A unit is reported when its translation is missing, stale (the English
    text changed after it was translated) or still English; a block is
    reported when its unit no longer exists. Returns an empty list when the
    Chinese edition is complete and current.
    """
    root = Path(root)
    problems = []
    for page in toc_pages(root):
        name = page.as_posix()
        path = translation_path(page, root)
        blocks = read_translation(path) if path.exists() else {}
        units = english_units(root / page)
        for index, unit in enumerate(units):
            where = f"{unit.key} (Markdown unit {index + 1} of {len(units)})"
            if unit.key not in blocks:
                problems.append(Problem(name, where, "no translation"))
                continue
            recorded, translated = blocks[unit.key]
            if recorded != unit.hash:
                problems.append(Problem(name, where, (
                    "stale: the English text changed after it was translated "
                    f"(translated en:{recorded}, now en:{unit.hash})")))
            elif _untranslated(unit.text, translated):
                problems.append(Problem(name, where, "not translated (reads as English)"))
        for key in blocks.keys() - {u.key for u in units}:
            problems.append(Problem(name, key, "translates a unit the English page no longer has"))
    return problems


def update(root: str | Path = ".") -> list[Path]:
    """Give every page a translation file with a block for each unit (English text for new ones).

    Existing blocks are kept as they are, hashes included, so :func:`check`
    still reports them when stale. Returns the files written.
    """
    root = Path(root)
    written = []
    for page in toc_pages(root):
        path = translation_path(page, root)
        old = read_translation(path) if path.exists() else {}
        blocks = {u.key: old.get(u.key, (u.hash, u.text)) for u in english_units(root / page)}
        blocks.update({k: v for k, v in old.items() if k not in blocks})
        if blocks != old or not path.exists():
            write_translation(path, page, blocks)
            written.append(path)
    return written


def stamp(page: str | Path, keys: list[str] | None = None, root: str | Path = ".") -> list[str]:
    """Record the current English hash for ``keys`` of ``page`` (all its units if None)."""
    root = Path(root)
    path = translation_path(page, root)
    blocks = read_translation(path)
    units = {u.key: u for u in english_units(root / page)}
    unknown = sorted(set(keys or []) - units.keys())
    if unknown:
        raise ValueError(f"Expected unit keys of {page}. Received: keys={unknown}")
    changed = []
    for key in keys or list(units):
        if key in blocks and blocks[key][0] != units[key].hash:
            blocks[key] = (units[key].hash, blocks[key][1])
            changed.append(key)
    write_translation(path, page, blocks)
    return changed


def translated_page(page: str | Path, root: str | Path = ".") -> str | nbformat.NotebookNode:
    """The Chinese page: a notebook with its Markdown replaced, or a Markdown text.

    Raises:
        ValueError: if the translation is missing, stale or incomplete.
    """
    root = Path(root)
    page = Path(page)
    path = translation_path(page, root)
    if not path.exists():
        raise ValueError(f"{page}: no translation file; run `python -m tfbook.i18n update`. "
                         f"Expected: {path}")
    blocks = read_translation(path)
    units = english_units(root / page)
    for unit in units:
        if unit.key not in blocks or blocks[unit.key][0] != unit.hash:
            raise ValueError(f"{page}: unit {unit.key} is missing or stale; run "
                             "`python -m tfbook.i18n check` to see all.")
    if page.suffix == ".md":
        return "\n\n".join(blocks[u.key][1] for u in units) + "\n"
    nb = nbformat.read(root / page, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = blocks[cell.id][1]
    return nb


def glossary_terms(root: str | Path = ".") -> list[str]:
    """The term lines of ``book/glossary.md``: unindented lines inside its glossary blocks."""
    terms, inside = [], False
    for line in (Path(root) / "book" / "glossary.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("```{glossary}"):
            inside = True
        elif inside and line.startswith("```"):
            inside = False
        elif inside and line.strip() and not line[0].isspace() and not line.startswith(":"):
            terms.append(line.strip())
    return terms


def build_project(out: str | Path, root: str | Path = ".") -> Path:
    """Write the Chinese edition as a Jupyter Book project into ``out``.

    The project has the English one's configuration with Chinese title,
    ``language: zh_CN`` (the theme's interface and the search's word
    splitting, with ``jieba``), the toc with Chinese captions, every page
    translated, and the rest (extensions, bibliography, API templates, the
    site's icon) copied.
    """
    import yaml

    root, out = Path(root), Path(out)
    site = yaml.safe_load((root / LOCALE_DIR / SITE_FILE).read_text(encoding="utf-8"))
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)

    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    config["title"] = site["title"]
    config["author"] = site.get("author", config.get("author"))
    sphinx_config = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx_config["language"] = "zh_CN"
    sphinx_config["html_search_language"] = "zh"
    sphinx_config["tfbook_edition"] = LANGUAGE
    # jieba's own dictionary lacks words such as 反向传播 and 过拟合: the
    # glossary's Chinese terms are added, so the search finds them as words.
    words = out / "search-words.txt"
    words.write_text("".join(f"{t}\n" for t in glossary_terms(root) if _CJK.search(t)),
                     encoding="utf-8")
    sphinx_config["html_search_options"] = {"dict": str(words.resolve())}
    (out / "_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
                                     encoding="utf-8")

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    captions = site.get("captions", {})
    for part in toc.get("parts", []):
        if part.get("caption") not in captions:
            raise ValueError(f"{LOCALE_DIR / SITE_FILE}: no Chinese caption for the toc's part. "
                             f"Received: caption={part.get('caption')!r}")
        part["caption"] = captions[part["caption"]]
    (out / "_toc.yml").write_text(yaml.safe_dump(toc, allow_unicode=True, sort_keys=False),
                                  encoding="utf-8")

    # What the site's extensions read from the project: the notebooks bundle
    # (the Chinese notebooks with the package), MathJax already fetched.
    for linked in ("src", "_vendor"):
        if (root / linked).exists():
            (out / linked).symlink_to((root / linked).resolve(), target_is_directory=True)
    favicon = (config.get("html") or {}).get("favicon")
    for extra in ("pyproject.toml", "requirements.txt", "book/_ext", "book/api/_templates",
                  "book/references.bib", *([favicon] if favicon else [])):
        source = root / extra
        if source.is_dir():
            shutil.copytree(source, out / extra, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            (out / extra).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, out / extra)
    # The Chinese PDF, if `make pdf` built it, for the site to serve (tfbook_offline).
    from tfbook import pdf

    built = root / pdf.OUTPUT_DIR / pdf.pdf_path(out).name
    if built.is_file():
        (out / pdf.OUTPUT_DIR).mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, out / pdf.OUTPUT_DIR / built.name)
    for page in toc_pages(root):
        target = out / page
        target.parent.mkdir(parents=True, exist_ok=True)
        translated = translated_page(page, root)
        if isinstance(translated, str):
            target.write_text(translated, encoding="utf-8")
        else:
            nbformat.write(translated, target)
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command, args = (argv[0], argv[1:]) if argv else ("", [])
    if command == "check" and not args:
        problems = check()
        for problem in problems:
            print(problem)
        pages = len(toc_pages())
        print(f"i18n: {pages} pages, {len(problems)} unit(s) without an up-to-date translation",
              file=sys.stderr)
        return 1 if problems else 0
    if command == "update" and not args:
        for path in update():
            print("wrote", path)
        return 0
    if command == "stamp" and args:
        print("stamped:", *stamp(args[0], args[1:] or None))
        return 0
    if command == "build" and len(args) == 1:
        print("wrote", build_project(args[0]))
        return 0
    print(__doc__.split("Command line")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
