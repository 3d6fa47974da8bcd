import json
from pathlib import Path

import nbformat
import pytest

from tfbook import notebooks

ROOT = Path(__file__).resolve().parent.parent


def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def _code(source="x = 1", outputs=(), count=1, tags=()):
    cell = nbformat.v4.new_code_cell(source, execution_count=count)
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def _stored(tmp_path, nb, name="a.ipynb"):
    path = tmp_path / name
    nbformat.write(notebooks.normalize(nb), path)
    return path


def _stdout(text):
    return {"output_type": "stream", "name": "stdout", "text": text}


def test_normalize_keeps_only_tags_in_cell_metadata():
    cell = _code(tags=["hide-input"])
    cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01"}
    nb = notebooks.normalize(_nb(cell))
    assert nb.cells[0].metadata == {"tags": ["hide-input"]}


def test_normalize_replaces_notebook_metadata():
    nb = _nb(_code())
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    nb.metadata["widgets"] = {}
    assert notebooks.normalize(nb).metadata.language_info == {"name": "python"}
    assert "widgets" not in nb.metadata


def test_normalize_shortens_traceback_to_last_line():
    error = {
        "output_type": "error",
        "ename": "ValueError",
        "evalue": "bad \x1b[31mthing\x1b[0m",
        "traceback": ["File /work/x.py, line 3", "\x1b[31mValueError\x1b[0m: bad"],
    }
    nb = notebooks.normalize(_nb(_code(outputs=[error], tags=["raises-exception"])))
    assert nb.cells[0].outputs[0].traceback == ["ValueError: bad thing"]


def test_normalize_merges_split_stream_outputs():
    outputs = [_stdout("a\n"), _stdout("b\n"), {"output_type": "stream", "name": "stderr",
                                                "text": "w\n"}, _stdout("c\n")]
    nb = notebooks.normalize(_nb(_code(outputs=outputs)))
    assert [o.text for o in nb.cells[0].outputs] == ["a\nb\n", "w\n", "c\n"]


def test_normalize_is_idempotent(tmp_path):
    path = _stored(tmp_path, _nb(_code(outputs=[_stdout("1\n")])))
    before = path.read_text()
    nbformat.write(notebooks.normalize(nbformat.read(path, as_version=4)), path)
    assert path.read_text() == before


def test_audit_accepts_a_clean_notebook(tmp_path):
    assert notebooks.audit(_stored(tmp_path, _nb(_code(outputs=[_stdout("ok\n")])))) == []


def test_audit_finds_unexecuted_cell(tmp_path):
    problems = notebooks.audit(_stored(tmp_path, _nb(_code(count=None))))
    assert any("never executed" in p for p in problems)


def test_audit_ignores_empty_unexecuted_cell(tmp_path):
    assert notebooks.audit(_stored(tmp_path, _nb(_code(source="", count=None)))) == []


@pytest.mark.parametrize(
    "text",
    [
        "<object at 0x7f3a2b1c9d00>",
        "saved to /home/reader/model.keras",
        "/work/main/.venv/lib/python3.11/site-packages/keras/x.py",
        "I0000 00:00:1700000000.1 123 cpu_feature_guard.cc:210] This TensorFlow binary",
        "oneDNN custom operations are on.",
        "1875/1875 ━━━━━━━━━━━━━━━━━━━━ 3s 1ms/step - loss: 0.5",
    ],
)
def test_audit_finds_volatile_output(tmp_path, text):
    problems = notebooks.audit(_stored(tmp_path, _nb(_code(outputs=[_stdout(text)]))))
    assert any("volatile text" in p for p in problems)


def test_audit_accepts_figure_sizes_and_small_hex(tmp_path):
    nb = _nb(_code(outputs=[_stdout("<Figure size 640x360 with 1 Axes> 0xff\n")]))
    assert notebooks.audit(_stored(tmp_path, nb)) == []


def test_audit_finds_stderr(tmp_path):
    out = {"output_type": "stream", "name": "stderr", "text": "UserWarning: careful"}
    problems = notebooks.audit(_stored(tmp_path, _nb(_code(outputs=[out]))))
    assert any("stderr" in p for p in problems)


def test_audit_finds_untagged_error(tmp_path):
    error = {"output_type": "error", "ename": "E", "evalue": "x", "traceback": []}
    problems = notebooks.audit(_stored(tmp_path, _nb(_code(outputs=[error]))))
    assert any("not tagged 'raises-exception'" in p for p in problems)


def test_audit_finds_tagged_cell_without_error(tmp_path):
    problems = notebooks.audit(_stored(tmp_path, _nb(_code(tags=["raises-exception"]))))
    assert any("stored no error" in p for p in problems)


def test_audit_finds_unnormalized_file(tmp_path):
    path = _stored(tmp_path, _nb(_code()))
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].metadata["execution"] = {"shell.execute_reply": "now"}
    nbformat.write(nb, path)
    assert any("not normalized" in p for p in notebooks.audit(path))


def test_toc_notebooks_in_reading_order(tmp_path):
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nparts:\n  - caption: A\n    chapters:\n"
        "      - file: ch/b\n      - file: ch/a\n        sections:\n          - file: ch/c\n"
    )
    (tmp_path / "ch").mkdir()
    for name in "abc":
        (tmp_path / "ch" / f"{name}.ipynb").write_text("{}")
    (tmp_path / "intro.md").write_text("# Intro")
    found = [p.relative_to(tmp_path).as_posix() for p in notebooks.toc_notebooks(tmp_path)]
    assert found == ["ch/b.ipynb", "ch/a.ipynb", "ch/c.ipynb"]


def test_toc_pages_are_notebooks_and_markdown_pages_in_reading_order(tmp_path):
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nparts:\n  - caption: A\n    chapters:\n"
        "      - file: ch/a\n        sections:\n          - file: ch/b\n"
    )
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "a.ipynb").write_text("{}")
    (tmp_path / "ch" / "b.md").write_text("# B")
    (tmp_path / "intro.md").write_text("# Intro")
    found = [p.as_posix() for p in notebooks.toc_pages(tmp_path)]
    assert found == ["intro.md", "ch/a.ipynb", "ch/b.md"]


def test_toc_pages_rejects_a_page_that_does_not_exist(tmp_path):
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: intro\n")
    with pytest.raises(ValueError, match="file='intro'"):
        notebooks.toc_pages(tmp_path)


def test_main_rejects_unknown_command(capsys):
    assert notebooks.main(["run-everything"]) == 2


def test_refresh_executes_normalizes_and_is_repeatable(tmp_path):
    nb = _nb(
        _code("print(6 * 7)", count=None),
        _code("raise ValueError('old API')", count=None, tags=["raises-exception"]),
    )
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    notebooks.refresh(path)
    first = path.read_text()
    stored = nbformat.read(path, as_version=4)
    assert stored.cells[0].outputs[0].text == "42\n"
    assert stored.cells[1].outputs[0].traceback == ["ValueError: old API"]
    assert notebooks.audit(path) == []
    notebooks.refresh(path)
    assert path.read_text() == first


# The set-up cell ------------------------------------------------------------

OLD_SETUP = "import tfbook\n\ntfbook.configure(seed=42)"
VERSIONS_LINE = {
    "output_type": "display_data",
    "metadata": {},
    "data": {"text/markdown": "*Outputs on this page were produced with ...*",
             "text/plain": "<IPython.core.display.Markdown object>"},
}


@pytest.fixture
def book(tmp_path, monkeypatch):
    """A repository root with the two files the set-up cell is generated from, and a toc."""
    (tmp_path / "_config.yml").write_text(
        "title: t\nrepository:\n  url: https://github.com/someone/some-book.git/\n"
    )
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\n\n[project]\nname = "tfbook"\n'
        'version = "2.3.4"\n\n[tool.other]\nversion = "9"\n'
    )
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n  - file: ch/a\n  - file: ch/b\n"
    )
    (tmp_path / "intro.md").write_text("# Intro")
    (tmp_path / "ch").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _chapter(book, name="a", setup=OLD_SETUP, tags=("remove-input",)):
    nb = _nb(
        nbformat.v4.new_markdown_cell("# A chapter"),
        _code(setup, outputs=[VERSIONS_LINE], count=1, tags=tags),
        _code("print(1)", outputs=[_stdout("1\n")], count=2),
    )
    return _stored(book, nb, f"ch/{name}.ipynb")


def test_setup_cell_source_pins_the_book_version_from_the_repository(book):
    assert notebooks.book_version(book) == "2.3.4"
    assert notebooks.repository_url(book) == "https://github.com/someone/some-book"
    assert notebooks.setup_cell_source("seed=7", book) == (
        "try:\n"
        "    import tfbook\n"
        "except ModuleNotFoundError:  # Colab or a downloaded notebook: install the book's package\n"
        '    %pip install --quiet "tfbook @ git+https://github.com/someone/some-book@v2.3.4"\n'
        "    import tfbook\n"
        "\n"
        "tfbook.configure(seed=7)"
    )


def test_setup_cell_source_of_this_book_matches_its_version():
    import tfbook

    assert f"@v{tfbook.__version__}\"" in notebooks.setup_cell_source(root=ROOT)


@pytest.mark.parametrize(
    ("source", "arguments"),
    [
        (OLD_SETUP, "seed=42"),
        ("import tfbook\ntfbook.configure(seed=0, threads=1)\n", "seed=0, threads=1"),
        ("import tfbook\ntfbook.configure()", ""),
        ("import tfbook", None),
        ("x = tfbook.configure(seed=1)", None),
    ],
)
def test_configure_arguments(source, arguments):
    assert notebooks.configure_arguments(source) == arguments


def test_apply_setup_cell_keeps_arguments_tags_outputs_and_id(book):
    path = _chapter(book, setup="import tfbook\n\ntfbook.configure(seed=3)")
    before = nbformat.read(path, as_version=4)
    assert notebooks.apply_setup_cell(path, book) is True
    after = nbformat.read(path, as_version=4)
    assert after.cells[1].source == notebooks.setup_cell_source("seed=3", book)
    for key in ("id", "metadata", "outputs", "execution_count"):
        assert after.cells[1][key] == before.cells[1][key]
    assert after.cells[0] == before.cells[0] and after.cells[2] == before.cells[2]
    assert notebooks.audit(path) == [] and notebooks.check_setup_cell(path, book) == []
    text = path.read_text()
    assert notebooks.apply_setup_cell(path, book) is False
    assert path.read_text() == text


def test_generated_setup_cell_runs_in_ipython_and_installs_only_when_missing(book):
    import builtins

    from IPython.core.inputtransformer2 import TransformerManager

    code = TransformerManager().transform_cell(notebooks.setup_cell_source("seed=5", book))
    calls, installed = [], set()

    class FakeIPython:
        def run_line_magic(self, name, line):
            calls.append((name, line))
            installed.add("tfbook")

    class FakeTfbook:
        @staticmethod
        def configure(**kwargs):
            calls.append(("configure", kwargs))

    def fake_import(name, *args, **kwargs):
        if name != "tfbook":
            return __import__(name, *args, **kwargs)
        if name not in installed:
            raise ModuleNotFoundError("No module named 'tfbook'", name="tfbook")
        return FakeTfbook

    pip = ("pip", 'install --quiet "tfbook @ git+https://github.com/someone/some-book@v2.3.4"')
    for present, expected in [(set(), [pip]), ({"tfbook"}, [])]:
        calls.clear()
        installed.clear()
        installed.update(present)
        namespace = {
            "__builtins__": {**vars(builtins), "__import__": fake_import},
            "get_ipython": FakeIPython,
        }
        exec(compile(code, "<set-up cell>", "exec"), namespace)
        assert calls == [*expected, ("configure", {"seed": 5})]


def test_audit_command_names_a_notebook_whose_setup_cell_differs(book, capsys):
    _chapter(book, "a")
    notebooks.apply_setup_cell(_chapter(book, "b"), book)
    assert notebooks.main(["audit"]) == 1
    out = capsys.readouterr().out
    assert "ch/a.ipynb: the first code cell differs from the generated set-up cell" in out
    assert "ch/b.ipynb" not in out
    assert "2 notebooks audited, 1 problems." in out


def test_audit_requires_the_setup_cell_first_and_tagged(book):
    path = _chapter(book, setup="x = 1")
    assert any("not the set-up cell" in p for p in notebooks.check_setup_cell(path, book))
    path = _chapter(book, "b", tags=())
    notebooks.apply_setup_cell(path, book)
    assert notebooks.check_setup_cell(path, book) == [
        f"{path}: the set-up cell is not tagged 'remove-input'"
    ]


def test_setup_cell_command_rewrites_the_toc_notebooks(book, capsys):
    paths = [_chapter(book, "a"), _chapter(book, "b", setup="import tfbook\ntfbook.configure(seed=1)")]
    assert notebooks.main(["setup-cell"]) == 0
    assert capsys.readouterr().out.count("set-up cell rewritten") == 2
    sources = [nbformat.read(p, as_version=4).cells[1].source for p in paths]
    assert sources == [notebooks.setup_cell_source(a, book) for a in ("seed=42", "seed=1")]
    assert notebooks.main(["audit"]) == 0
    assert notebooks.main(["setup-cell", "ch/a.ipynb"]) == 0
    assert "ch/a.ipynb: set-up cell already current" in capsys.readouterr().out


def test_setup_cell_command_refuses_a_notebook_without_setup_cell(book, capsys):
    _chapter(book, "a", setup="print('no set-up')")
    before = (book / "ch" / "a.ipynb").read_text()
    assert notebooks.main(["setup-cell", "ch/a.ipynb"]) == 1
    assert "ch/a.ipynb: the first code cell has no `tfbook.configure(...)`" in capsys.readouterr().err
    assert (book / "ch" / "a.ipynb").read_text() == before


def test_makefile_orders_every_toc_notebook_once():
    import re

    makefile = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    order = re.search(r"^NBVAL_ORDER := (.*)$", makefile, re.M).group(1).split()
    toc = [(ROOT / p).relative_to(ROOT).as_posix() for p in notebooks.toc_notebooks(ROOT)]
    missing = [p for p in toc if p not in order]
    extra = [p for p in order if p not in toc]
    repeated = sorted({p for p in order if order.count(p) > 1})
    assert not (missing or extra or repeated), (
        f"NBVAL_ORDER must name every notebook of the toc once. Missing: {missing}; "
        f"not in the toc: {extra}; named twice: {repeated}"
    )


def test_audit_reports_an_invalid_notebook(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# T")]
    nb.cells[0]["bogus"] = 1  # not in the nbformat 4 schema
    path = tmp_path / "bad.ipynb"
    path.write_text(json.dumps(nb))
    assert any("not a valid notebook" in p for p in notebooks.audit(path))
