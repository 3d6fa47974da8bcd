"""Unit tests of tfbook.pdf: the configuration of the PDF build and the notebooks bundle.

The PDF itself is checked by tests/pdf (``make pdf-check``), after ``make pdf``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import yaml

from tfbook import pdf
from tfbook.notebooks import book_version, toc_notebooks

ROOT = Path(__file__).resolve().parents[1]


def test_book_name_is_the_repository_name():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["repository"]["url"].rstrip("/").endswith("/" + pdf.book_name(ROOT))
    assert pdf.pdf_path(ROOT).name == f"{pdf.book_name(ROOT)}.pdf"
    assert pdf.bundle_path(ROOT).parent == pdf.pdf_path(ROOT).parent


def test_the_chinese_edition_has_files_of_its_own(tmp_path):
    (tmp_path / "_config.yml").write_text(yaml.safe_dump({
        "repository": {"url": "https://github.com/x/tensorflow-keras-book"},
        "sphinx": {"config": {"tfbook_edition": "zh"}},
    }))
    assert pdf.edition(ROOT) == "en"
    assert pdf.edition(tmp_path) == "zh"
    assert pdf.pdf_path(tmp_path).name == "tensorflow-keras-book-zh.pdf"
    assert pdf.bundle_path(tmp_path).name == "tensorflow-keras-book-zh-notebooks.zip"


def test_pdf_config_is_the_site_config_plus_the_pdf_extension():
    site = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config = pdf.pdf_config(ROOT)
    assert config["title"] == site["title"]
    assert config["bibtex_bibfiles"] == site["bibtex_bibfiles"]
    local = config["sphinx"]["local_extensions"]
    assert set(site["sphinx"]["local_extensions"]) < set(local)
    for name, folder in local.items():
        assert Path(folder).is_absolute() and (Path(folder) / f"{name}.py").is_file(), name
    assert pdf.PDF_EXTENSION in local
    assert config["latex"]["latex_engine"] == "xelatex"
    assert config["latex"]["latex_documents"]["targetname"] == f"{pdf.book_name(ROOT)}.tex"
    assert config["sphinx"]["config"]["release"] == book_version(ROOT)
    # The site's own configuration is left as it was.
    assert pdf.PDF_EXTENSION not in site["sphinx"]["local_extensions"]


def test_appendices_are_the_last_unnumbered_part():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    assert pdf.appendix_caption(ROOT) == toc["parts"][-1]["caption"]
    assert not toc["parts"][-1].get("numbered")


def test_number_appendices_without_that_part_changes_nothing(tmp_path):
    tex = tmp_path / "book.tex"
    tex.write_text("\\part{Foundations}\n\\chapter{One}\n", encoding="utf-8")
    assert pdf.number_appendices(tex, "Appendices") is False
    assert tex.read_text(encoding="utf-8") == "\\part{Foundations}\n\\chapter{One}\n"


def test_bundle_holds_every_chapter_the_package_and_a_readme(tmp_path):
    target = pdf.build_bundle(ROOT, tmp_path / "bundle.zip")
    folder = f"{pdf.book_name(ROOT)}-notebooks"
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        readme = archive.read(f"{folder}/README.md").decode("utf-8")
        first = toc_notebooks(ROOT)[0]
        stored = archive.read(f"{folder}/{first.relative_to(ROOT).as_posix()}")
    assert all(name.startswith(folder + "/") for name in names)
    chapters = [n for n in names if n.endswith(".ipynb")]
    assert chapters == [f"{folder}/{p.relative_to(ROOT).as_posix()}" for p in toc_notebooks(ROOT)]
    for name in ("requirements.txt", "pyproject.toml", "src/tfbook/__init__.py", "src/tfbook/pdf.py"):
        assert f"{folder}/{name}" in names, name
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    # The notebooks go in as they are, outputs included.
    assert stored == first.read_bytes()
    assert "requirements.txt" in readme and f"@v{book_version(ROOT)}" in readme


def test_bundle_is_the_same_zip_when_nothing_changed(tmp_path):
    one = pdf.build_bundle(ROOT, tmp_path / "one.zip").read_bytes()
    two = pdf.build_bundle(ROOT, tmp_path / "two.zip").read_bytes()
    assert one == two


def test_typeset_without_latex_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="get-pdf-tools.sh"):
        pdf.typeset(tmp_path, "book")


def test_command_line_rejects_an_unknown_command(capsys):
    assert pdf.main(["epub"]) == 2
    assert "usage" in capsys.readouterr().err


def test_chinese_bundle_readme_is_in_chinese_with_the_same_commands(tmp_path):
    from tfbook import i18n

    project = i18n.build_project(tmp_path / "zh", ROOT)

    def commands(text):
        return [line.split("#")[0].strip() for line in text.splitlines()
                if line.startswith((".venv/", "python3 ", "%pip"))]

    chinese, english = pdf.bundle_readme(project), pdf.bundle_readme(ROOT)
    assert "在自己的电脑上运行" in chinese and "Run them on your machine" not in chinese
    assert commands(chinese) == commands(english) and len(commands(english)) == 5
