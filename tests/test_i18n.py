"""The Chinese edition's translations (tfbook.i18n): keyed by cell, never stale."""

from pathlib import Path

import nbformat
import pytest

from tfbook import i18n
from tfbook.notebooks import toc_pages

ROOT = Path(__file__).resolve().parents[1]


def _book(tmp_path, markdown=("# Title\n\nSome English words here.",), page_md=None):
    """A tiny book: one notebook chapter (and optionally a Markdown page) in a toc."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(text) for text in markdown]
    nb.cells.insert(1, nbformat.v4.new_code_cell("print(1)"))
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    (tmp_path / "chapters").mkdir()
    nbformat.write(nb, tmp_path / "chapters" / "a.ipynb")
    toc = "format: jb-book\nroot: chapters/a\n"
    if page_md is not None:
        (tmp_path / "book").mkdir()
        (tmp_path / "book" / "p.md").write_text(page_md, encoding="utf-8")
        toc += "parts:\n  - caption: Back\n    chapters:\n      - file: book/p\n"
    (tmp_path / "_toc.yml").write_text(toc, encoding="utf-8")
    return nb


def _translate(tmp_path, page, text="中文的段落，翻译好了。"):
    path = i18n.translation_path(page, tmp_path)
    blocks = i18n.read_translation(path)
    i18n.write_translation(path, page, {k: (h, text) for k, (h, _) in blocks.items()})


def _translated_then_changed(tmp_path):
    """A book translated in full, whose first English cell then gained a sentence."""
    nb = _book(tmp_path)
    i18n.update(tmp_path)
    _translate(tmp_path, "chapters/a.ipynb")
    nb.cells[0].source += " One more sentence."
    nbformat.write(nb, tmp_path / "chapters" / "a.ipynb")
    return nb
def test_a_complete_translation_passes(tmp_path):
    _book(tmp_path)
    i18n.update(tmp_path)
    _translate(tmp_path, "chapters/a.ipynb")
    assert i18n.check(tmp_path) == []


def test_a_changed_english_cell_makes_its_translation_stale(tmp_path):
    nb = _translated_then_changed(tmp_path)
    (problem,) = i18n.check(tmp_path)
    assert problem.page == "chapters/a.ipynb" and nb.cells[0].id in problem.key
    assert "stale" in problem.what


def test_stamp_records_the_new_english_text(tmp_path):
    nb = _translated_then_changed(tmp_path)
    assert i18n.stamp("chapters/a.ipynb", root=tmp_path) == [nb.cells[0].id]
    assert i18n.check(tmp_path) == []


def test_a_new_cell_has_no_translation_until_update_adds_its_english(tmp_path):
    nb = _book(tmp_path)
    i18n.update(tmp_path)
    _translate(tmp_path, "chapters/a.ipynb")
    nb.cells.append(nbformat.v4.new_markdown_cell("A new paragraph in English."))
    nbformat.write(nb, tmp_path / "chapters" / "a.ipynb")
    (problem,) = i18n.check(tmp_path)
    assert problem.what == "no translation"
    i18n.update(tmp_path)
    (problem,) = i18n.check(tmp_path)
    assert problem.what.startswith("not translated")


def test_a_deleted_cell_leaves_an_extra_block(tmp_path):
    nb = _book(tmp_path, markdown=("# Title\n\nWords, words and words.", "Second cell of words."))
    i18n.update(tmp_path)
    _translate(tmp_path, "chapters/a.ipynb")
    gone = nb.cells.pop().id
    nbformat.write(nb, tmp_path / "chapters" / "a.ipynb")
    (problem,) = i18n.check(tmp_path)
    assert problem.key == gone and "no longer has" in problem.what


def test_english_text_with_a_few_chinese_terms_is_not_a_translation():
    english = "Backpropagation (反向传播) applies the chain rule backwards through the network."
    assert i18n._untranslated(english, english)
    chinese = "反向传播（backpropagation）把链式法则从损失反向应用到每个权重。"
    assert not i18n._untranslated(english, chinese)


def test_labels_and_formulas_need_no_translation():
    assert not i18n._untranslated("(layers)=", "(layers)=")
    assert not i18n._untranslated("$$y = Wx + b$$", "$$y = Wx + b$$")


def test_markdown_pages_are_cut_at_headings_outside_fences():
    text = "Intro.\n\n# A\n\nx\n\n```{glossary}\n# not a heading\n```\n\n## A\n\ny\n"
    units = i18n.markdown_sections(text)
    assert [u.key for u in units] == ["top", "a", "a-2"]
    assert "# not a heading" in units[1].text


def test_the_chinese_notebook_keeps_code_and_outputs_byte_for_byte(tmp_path):
    english = _book(tmp_path)
    i18n.update(tmp_path)
    _translate(tmp_path, "chapters/a.ipynb")
    chinese = i18n.translated_page("chapters/a.ipynb", tmp_path)
    assert chinese.cells[0].source == "中文的段落，翻译好了。"
    assert chinese.cells[1] == english.cells[1]


def test_a_stale_page_is_not_built(tmp_path):
    nb = _book(tmp_path)
    i18n.update(tmp_path)
    nb.cells[0].source = "# Title\n\nChanged."
    nbformat.write(nb, tmp_path / "chapters" / "a.ipynb")
    with pytest.raises(ValueError, match="chapters/a.ipynb: unit .* is missing or stale"):
        i18n.translated_page("chapters/a.ipynb", tmp_path)


def test_a_marker_may_not_appear_twice(tmp_path):
    path = tmp_path / "x.md"
    marker = "<!-- tfbook-unit k en:0123456789ab -->"
    path.write_text(f"{marker}\na\n{marker}\nb\n")
    with pytest.raises(ValueError, match="'k' appears twice"):
        i18n.read_translation(path)


def test_a_page_that_is_neither_notebook_nor_markdown_is_rejected(tmp_path):
    with pytest.raises(ValueError, match=r"\.ipynb or \.md.*path="):
        i18n.english_units(tmp_path / "page.rst")


# The book itself: this is the staleness test of `make test` (stage i18n runs
# the same check from the command line, naming every unit at once).
def test_every_page_of_the_book_has_a_current_chinese_translation():
    problems = i18n.check(ROOT)
    assert not problems, "\n".join(map(str, problems))


def test_every_chinese_page_has_the_english_code_and_outputs():
    for page in toc_pages(ROOT):
        if page.suffix != ".ipynb":
            continue
        english = nbformat.read(ROOT / page, as_version=4)
        chinese = i18n.translated_page(page, ROOT)
        for a, b in zip(english.cells, chinese.cells, strict=True):
            assert a.cell_type == b.cell_type, f"{page}: cell {a.id}"
            if a.cell_type == "code":
                assert a == b, f"{page}: code cell {a.id} differs between the editions"


def test_the_toc_captions_have_chinese_names():
    import yaml

    site = yaml.safe_load((ROOT / i18n.LOCALE_DIR / i18n.SITE_FILE).read_text(encoding="utf-8"))
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    assert {part["caption"] for part in toc["parts"]} <= set(site["captions"])


def test_the_chinese_project_has_the_site_icon(tmp_path):
    import yaml

    project = i18n.build_project(tmp_path / "zh", ROOT)
    icon = yaml.safe_load((project / "_config.yml").read_text(encoding="utf-8"))["html"]["favicon"]
    assert (project / icon).read_bytes() == (ROOT / icon).read_bytes()
