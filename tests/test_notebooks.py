import nbformat
import pytest

from tfbook import notebooks


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
    notebooks.write(notebooks.normalize(nb), path)
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
    notebooks.write(notebooks.normalize(nbformat.read(path, as_version=4)), path)
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


def test_main_rejects_unknown_command(capsys):
    assert notebooks.main(["run-everything"]) == 2


def test_refresh_executes_normalizes_and_is_repeatable(tmp_path):
    nb = _nb(
        _code("print(6 * 7)", count=None),
        _code("raise ValueError('old API')", count=None, tags=["raises-exception"]),
    )
    path = tmp_path / "tiny.ipynb"
    notebooks.write(nb, path)
    notebooks.refresh(path)
    first = path.read_text()
    stored = nbformat.read(path, as_version=4)
    assert stored.cells[0].outputs[0].text == "42\n"
    assert stored.cells[1].outputs[0].traceback == ["ValueError: old API"]
    assert notebooks.audit(path) == []
    notebooks.refresh(path)
    assert path.read_text() == first
