"""The PDF edition, checked as a reader would: ``make pdf-check``, after ``make pdf``.

With poppler's tools (``scripts/get-pdf-tools.sh`` installs them) on the PDF
that ``python -m tfbook.pdf pdf`` wrote, it checks that

* the file opens, is A4 and carries the book's title;
* its bookmarks (the outline a PDF reader shows) have one entry per part of
  ``_toc.yml`` and, under it, one per chapter, in the toc's order;
* its text (``pdftotext``) holds every chapter's title and Chinese terms,
  and no ANSI escape code and no raw LaTeX;
* every font is embedded (``pdffonts``), a CJK font among them;
* it holds as many images as the chapters show figures (``pdfimages``);
* no word runs past the margins (``pdftotext -bbox``): long code lines wrap;
* a PDF reader shows the page numbers printed on the pages (the catalog's
  ``/PageLabels``: i, ii... for the contents, then 1, 2...);
* a few pages render (``pdftoppm``) into ``_build/pdf/pages/``: title, the
  contents, the first page of the first chapter and of the glossary, and the
  first page with a figure, for a person to look at.

``TFBOOK_PDF_EDITION=zh`` checks the Chinese edition's PDF against its own
project (``tfbook.pdf.CHINESE_PROJECT``: Chinese titles and captions), its
pages rendered into ``_build/pdf/pages-zh/``. ``TFBOOK_PDF`` checks another
file. Without a PDF the module is skipped, unless ``TFBOOK_PDF_REQUIRED=1``
(``make pdf-check`` sets it).
"""

from __future__ import annotations

import functools
import html
import os
import re
import subprocess
import zlib
from pathlib import Path

import nbformat
import pytest
import yaml

from tfbook import pdf
from tfbook.notebooks import toc_notebooks

REPOSITORY = Path(__file__).resolve().parents[2]
EDITION = os.environ.get("TFBOOK_PDF_EDITION", "en")
if EDITION not in ("en", "zh"):
    raise ValueError(f"Expected TFBOOK_PDF_EDITION to be 'en' or 'zh'. Received: {EDITION!r}")
#: The project the PDF is made from: its toc, titles and notebooks are what the PDF must hold.
ROOT = REPOSITORY if EDITION == "en" else REPOSITORY / pdf.CHINESE_PROJECT
PDF = Path(os.environ.get("TFBOOK_PDF", REPOSITORY / pdf.OUTPUT_DIR / f"{pdf.book_name(REPOSITORY)}"
                          f"{'' if EDITION == 'en' else '-' + EDITION}.pdf")).resolve()
PAGES = PDF.parent / ("pages" if EDITION == "en" else f"pages-{EDITION}")
#: The PDF's own words (book/_ext/tfbook_pdf.py): the landing page's title, the contents'.
INTRO_TITLE, CONTENTS_TITLE = {"en": ("About this book", "CONTENTS"),
                               "zh": ("关于本书", "目录")}[EDITION]

#: Chinese terms a reader searches for: the author, glossary terms.
CHINESE_TERMS = ["龙良曲", "反向传播", "过拟合", "梯度下降"]
#: Cell tags whose figures the PDF leaves out, as the site folds or removes them.
HIDDEN_TAGS = {"hide-cell", "hide-output", "remove-cell", "remove-output"}
#: How far (points) a word may reach into the margin: hanging punctuation.
MARGIN_TOLERANCE = 8.0
#: xeCJK hangs a line's last full-width punctuation mark (，。；：) in the
#: margin: its box is one em of the 10 pt body text wide, its ink the left half.
CJK_PUNCTUATION = "，。；：、！？）"
CJK_MARGIN_TOLERANCE = 10.0
#: Text that only a LaTeX source has: a leak of the .tex file into the page.
RAW_TEX = re.compile(
    r"\\(sphinx\w*|DUrole|hyperref|detokenize|begin\{|end\{|label\{|textbf|textit|emph\{"
    r"|mathrm|mathcal|nabla|lVert|sigma)|\$\$"
)
ANSI = re.compile(r"\x1b|\[[0-9;]{1,8}m")
#: A line of code that writes TeX on purpose (a matplotlib label, a docstring's
#: math role) is printed as code, not a typesetting leak.
TEX_IN_CODE = re.compile(r"""r["']\$|:math:`""")


def _tool(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module", autouse=True)
def pdf_file() -> Path:
    # `make pdf-check` sets TFBOOK_PDF_REQUIRED=1: there a missing PDF fails.
    # Elsewhere (the unit tests collect all of tests/) it skips this module.
    if not PDF.is_file():
        message = f"{PDF} does not exist: run `make pdf` first."
        if os.environ.get("TFBOOK_PDF_REQUIRED") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return PDF


@functools.cache
def page_texts() -> list[str]:
    """The text of each page, as ``pdftotext`` extracts it for copy and search."""
    return _tool("pdftotext", "-enc", "UTF-8", str(PDF), "-").split("\f")


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@functools.cache
def outline() -> list[tuple[str, int, list[tuple[str, int]]]]:
    """The bookmarks: ``(title, page, [(child title, page), ...])`` per top-level entry."""
    xml = _tool("pdftohtml", "-xml", "-i", "-q", "-stdout", "-f", "1", "-l", "1", str(PDF))
    tree: list[tuple[str, int, list[tuple[str, int]]]] = []
    depth = 0
    for line in xml.splitlines():
        depth += line.count("<outline>") - line.count("</outline>")
        found = re.search(r'<item page="(\d+)">(.*?)</item>', line)
        if not found:
            continue
        title = html.unescape(re.sub(r"<[^>]+>", "", found.group(2))).strip()
        page = int(found.group(1))
        if depth == 1:
            tree.append((title, page, []))
        elif depth == 2 and tree:
            tree[-1][2].append((title, page))
    return tree


def bookmark_page(title: str) -> int:
    """The page a chapter's bookmark leads to."""
    for _, _, children in outline():
        for child, page in children:
            if child == title:
                return page
    raise AssertionError(f"no bookmark {title!r}")


def _title(path: Path) -> str:
    """The first ``# `` heading of a notebook or Markdown page."""
    if path.suffix == ".ipynb":
        cells = nbformat.read(path, as_version=4).cells
        text = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    else:
        text = path.read_text(encoding="utf-8")
    return re.search(r"^# (.+)$", text, re.MULTILINE).group(1).strip()


def toc_parts() -> list[tuple[str, list[str]]]:
    """``(caption, [chapter titles])`` for each part of ``_toc.yml``."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    parts = []
    for part in toc["parts"]:
        titles = []
        for chapter in part["chapters"]:
            path = ROOT / chapter["file"]
            path = next(p for p in (path.with_suffix(".ipynb"), path.with_suffix(".md")) if p.exists())
            titles.append(_title(path))
        parts.append((part["caption"], titles))
    return parts


@functools.cache
def pdf_info() -> str:
    return _tool("pdfinfo", str(PDF))


def page_count() -> int:
    """The number of pages, as ``pdfinfo`` reads it."""
    found = re.search(r"^Pages:\s+(\d+)", pdf_info(), re.MULTILINE)
    assert found, f"pdfinfo gives no page count:\n{pdf_info()}"
    return int(found.group(1))


def test_opens_as_an_a4_book():
    info = pdf_info()
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert re.search(rf"^Title:\s+{re.escape(config['title'])}$", info, re.MULTILINE)
    assert "(A4)" in info
    pages = page_count()
    assert pages == len(page_texts()) - 1  # pdftotext ends every page with \f
    assert pages > 50


def test_one_bookmark_per_part_and_chapter():
    tree = outline()
    assert tree[0][0] == INTRO_TITLE
    parts = [(title, children) for title, _, children in tree if title.split(" ", 1)[0] in _ROMAN]
    expected = toc_parts()
    assert [title.split(" ", 1)[1] for title, _ in parts] == [caption for caption, _ in expected]
    for (_, children), (caption, chapters) in zip(parts, expected, strict=True):
        # LaTeX adds its own entries (bibliography, module index) after the chapters.
        assert [title for title, _ in children[: len(chapters)]] == chapters, caption


_ROMAN = {"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"}


def test_text_holds_every_chapter_title_and_chinese_terms():
    text = _flat(" ".join(page_texts()))
    for _, chapters in toc_parts():
        for title in chapters:
            assert _flat(title) in text, title
    for term in CHINESE_TERMS:
        assert term in text, term


#: A chapter's and an appendix's label above its title, in the edition's language.
CHAPTER_LABELS = {"en": (r"CHAPTER\s+ONE\b", r"APPENDIX\s+A\b"),
                  "zh": (r"第\s*1\s*章", r"附录\s*A\b")}[EDITION]


def test_chapter_labels_are_in_the_language_of_the_edition():
    text = " ".join(page_texts())
    for label in CHAPTER_LABELS:
        assert re.search(label, text), label
    if EDITION == "zh":
        assert not re.search(r"\b(CHAPTER|APPENDIX)\b", text)


def test_no_ansi_codes_and_no_raw_tex():
    for number, text in enumerate(page_texts(), start=1):
        assert not ANSI.search(text), f"page {number}: {ANSI.search(text).group()!r}"
        for line in text.splitlines():
            leak = RAW_TEX.search(line)
            assert not leak or TEX_IN_CODE.search(line), f"page {number}: raw TeX in {line!r}"


def test_every_font_is_embedded_and_one_is_cjk():
    rows = _tool("pdffonts", str(PDF)).splitlines()[2:]
    assert rows
    names = []
    for row in rows:
        # name type... encoding emb sub uni object ID: read the flags from the right.
        fields = row.split()
        emb = fields[-5]
        assert emb == "yes", row
        names.append(fields[0])
    assert any("CJK" in name for name in names), names


def _figure_count() -> int:
    count = 0
    for path in toc_notebooks(ROOT):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code" or HIDDEN_TAGS & set(cell.metadata.get("tags", [])):
                continue
            count += sum("image/png" in out.get("data", {}) for out in cell.get("outputs", []))
    return count


def test_as_many_images_as_the_chapters_show_figures():
    rows = _tool("pdfimages", "-list", str(PDF)).splitlines()[2:]
    images = [row for row in rows if row.split()[2] == "image"]
    assert len(images) == _figure_count()


def test_no_word_runs_into_the_margins():
    bbox = _tool("pdftotext", "-bbox", str(PDF), "-")
    word = re.compile(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</word>')
    outside = []
    for number, page in enumerate(bbox.split("<page ")[1:], start=1):
        width = float(re.match(r'width="([\d.]+)"', page).group(1))
        # The text block: 2 cm margins left and right (book/_ext/tfbook_pdf.py).
        left, right = 56.69, width - 56.69
        for found in word.finditer(page):
            x0, x1 = float(found.group(1)), float(found.group(2))
            text = html.unescape(found.group(3))
            hang = CJK_MARGIN_TOLERANCE if text[-1:] in CJK_PUNCTUATION else MARGIN_TOLERANCE
            if x0 < left - MARGIN_TOLERANCE or x1 > right + hang:
                outside.append((number, found.group(3), round(x0), round(x1)))
    assert not outside, outside[:10]


def _roman(number: int) -> str:
    """``14`` -> ``"xiv"``."""
    digits = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
              (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
    out = ""
    for value, letters in digits:
        count, number = divmod(number, value)
        out += letters * count
    return out


def page_labels() -> list[str]:
    """The page number a PDF reader shows for each page, from the catalog's ``/PageLabels``.

    The catalog may sit in a compressed object stream, so every stream is
    inflated and searched. Only the styles the book uses are read: decimal
    (``/S/D``) and lower-case roman (``/S/r``), with an optional start (``/St``).
    The title page and its blank back, which print no number, are "1" and "2"
    (hyperref numbers the pages before the contents as it finds them).
    """
    data = PDF.read_bytes()
    chunks = [data]
    for found in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", found.end())
        try:
            chunks.append(zlib.decompress(data[found.end():end]))
        except zlib.error:
            continue
    catalog = re.compile(rb"/PageLabels\s*<<\s*/Nums\s*\[(.*?)\]")
    nums = [m.group(1) for chunk in chunks for m in catalog.finditer(chunk)]
    assert len(nums) == 1, f"expected one /PageLabels in the catalog, found {len(nums)}"
    ranges = [(int(start), entry) for start, entry in re.findall(rb"(\d+)\s*<<(.*?)>>", nums[0])]
    assert ranges and ranges[0][0] == 0, f"/PageLabels must start at page 0: {nums[0]!r}"
    labels = []
    for page in range(page_count()):
        start, entry = max((r for r in ranges if r[0] <= page), key=lambda r: r[0])
        first = re.search(rb"/St\s+(\d+)", entry)
        number = (int(first.group(1)) if first else 1) + page - start
        style = re.search(rb"/S\s*/(\w)", entry)
        assert style and style.group(1) in (b"D", b"r"), f"a label style not D or r: {entry!r}"
        labels.append(str(number) if style.group(1) == b"D" else _roman(number))
    return labels


def test_a_pdf_reader_shows_the_printed_page_numbers():
    labels = page_labels()
    assert "i" in labels, f"no page labelled 'i' (the contents): {labels[:10]}"
    first_numbered = labels.index("i")  # the title page and its back print no number
    layout = _tool("pdftotext", "-enc", "UTF-8", "-layout", str(PDF), "-").split("\f")
    checked = 0
    # pdftotext ends every page with a form feed: one text more than pages.
    for index, (label, text) in enumerate(zip(labels, layout[:-1], strict=True)):
        lines = [line.split() for line in text.splitlines() if line.strip()]
        if index < first_numbered or not lines:
            continue
        # The foot: the number alone, or at one end beside the chapter or section.
        foot = lines[-1]
        assert label in (foot[0], foot[-1]), (
            f"page {index + 1}: a reader shows {label!r}, the foot reads {foot}"
        )
        checked += 1
    assert checked > 50, f"only {checked} pages had a foot to compare with their label"


def test_pages_render_for_a_person_to_look_at():
    """Title, contents, first chapter, a figure, glossary: PNGs in _build/pdf/pages."""
    rows = _tool("pdfimages", "-list", str(PDF)).splitlines()[2:]
    texts = page_texts()
    pages = {
        "title": 1,
        "contents": next(n for n, t in enumerate(texts, 1) if t.lstrip().startswith(CONTENTS_TITLE)),
        "first-chapter": bookmark_page(toc_parts()[0][1][0]),
        "figure": int(rows[0].split()[0]),
        "glossary": bookmark_page(_title(ROOT / "book" / "glossary.md")),
    }
    PAGES.mkdir(parents=True, exist_ok=True)
    for name, number in pages.items():
        stem = PAGES / name
        _tool(
            "pdftoppm",
            "-f",
            str(number),
            "-l",
            str(number),
            "-r",
            "60",
            "-png",
            "-singlefile",
            str(PDF),
            str(stem),
        )
        png = stem.with_suffix(".png")
        assert png.stat().st_size > 5_000, f"{png} looks blank"
