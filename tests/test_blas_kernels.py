from pathlib import Path

import nbformat
import pytest

from tfbook import blas_kernels


@pytest.mark.parametrize(
    "source",
    [
        "z = x @ w + b",
        "y = (a + b) @ c",
        "y = m[0] @ v",
        "d = np.dot(a, b)",
        "q, r = np.linalg.qr(a)",
        "t = np.einsum('ij,jk->ik', a, b)",
    ],
)
def test_matrix_products_are_found(source):
    assert blas_kernels.uses_numpy_linalg(source)


@pytest.mark.parametrize(
    "source",
    [
        "@property\ndef f(self):\n    return 1\n",
        "@tf.function\ndef step():\n    pass\n",
        "s = 'tfbook @ git+https://example.org/x@v1'",
        "# a comment: x @ w",
        "out = inputs @ self.kernel",
        "out = self.a @ x",
        "%pip install 'tfbook @ git+https://example.org/x'",
    ],
)
def test_decorators_strings_comments_and_layer_weights_do_not_count(source):
    assert not blas_kernels.uses_numpy_linalg(source)


def test_unparsable_source_counts_as_no_use():
    assert not blas_kernels.uses_numpy_linalg("def f(:\n")


def test_linalg_modules_finds_the_modules_that_multiply(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "mlp.py").write_text("def f(a, w):\n    return a @ w\n")
    (package / "plain.py").write_text("@property\ndef g(self):\n    return '@'\n")
    assert blas_kernels.linalg_modules(package) == {"pkg.mlp"}


def test_linalg_modules_looks_into_subpackages(tmp_path):
    package = tmp_path / "pkg"
    (package / "chapters").mkdir(parents=True)
    (package / "chapters" / "backprop.py").write_text("def f(a, w):\n    return a @ w\n")
    assert blas_kernels.linalg_modules(package) == {"pkg.chapters.backprop"}


def test_notebooks_importing_from_a_subpackage_are_chosen(tmp_path):
    names = _notebook(tmp_path / "names.ipynb", "from pkg.chapters.backprop import NumpyMLP")
    module = _notebook(tmp_path / "module.ipynb", "from pkg.chapters import backprop")
    other = _notebook(tmp_path / "other.ipynb", "from pkg.chapters import metrics")
    chosen = blas_kernels.numpy_linalg_notebooks([names, module, other], {"pkg.chapters.backprop"})
    assert chosen == [names, module]


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)
    return path


def test_notebooks_are_chosen_by_code_or_by_import(tmp_path):
    direct = _notebook(tmp_path / "direct.ipynb", "y = x @ w")
    imported = _notebook(tmp_path / "imported.ipynb", "from pkg.mlp import NumpyMLP")
    module = _notebook(tmp_path / "module.ipynb", "from pkg import mlp")
    neither = _notebook(tmp_path / "neither.ipynb", "import keras\nmodel = keras.Sequential()")
    chosen = blas_kernels.numpy_linalg_notebooks([direct, imported, module, neither], {"pkg.mlp"})
    assert chosen == [direct, imported, module]


def test_cpu_flags_reads_proc_cpuinfo_and_names_sse3():
    cpuinfo = "processor\t: 0\nflags\t\t: fpu pni avx avx2 fma\n"
    assert blas_kernels.cpu_flags(cpuinfo) == {"fpu", "pni", "sse3", "avx", "avx2", "fma"}


def test_cpu_flags_without_a_flags_line_is_empty():
    assert blas_kernels.cpu_flags("processor\t: 0\n") == set()


def test_variants_leave_out_the_native_kernel():
    envs = blas_kernels.variants({"sse3", "avx", "avx2", "fma"}, "Haswell", ["X86_V3"])
    assert envs == [
        {"OPENBLAS_CORETYPE": "Prescott", "NPY_DISABLE_CPU_FEATURES": "X86_V3"},
        {"OPENBLAS_CORETYPE": "Sandybridge"},
    ]


def test_variants_use_only_kernels_the_cpu_can_run():
    envs = blas_kernels.variants({"sse3", "avx"}, "Sandybridge", [])
    assert envs == [{"OPENBLAS_CORETYPE": "Prescott"}]


def test_variants_on_an_avx512_cpu_are_the_oldest_and_newest_safe_kernels():
    envs = blas_kernels.variants({"sse3", "avx", "avx2", "fma", "avx512f"}, "SkylakeX", [])
    assert [e["OPENBLAS_CORETYPE"] for e in envs] == ["Prescott", "Haswell"]


def test_this_machine_offers_two_variants():
    envs = blas_kernels.variants(
        blas_kernels.cpu_flags(),
        blas_kernels.native_coretype(),
        blas_kernels.dispatched_numpy_features(),
    )
    assert len(envs) == 2
    assert all(e["OPENBLAS_CORETYPE"] in blas_kernels.SAFE_CORETYPES for e in envs)


def test_the_book_runs_the_backpropagation_chapter_under_other_kernels():
    _, notebooks = blas_kernels.plan()
    assert "backpropagation.ipynb" in {p.name for p in notebooks}


def test_main_rejects_unknown_commands(capsys):
    assert blas_kernels.main(["frobnicate"]) == 2
    assert "usage" in capsys.readouterr().err


def test_run_gives_each_variant_a_working_copy_of_its_own(tmp_path, monkeypatch):
    # Variants run at once; sharing chapters/_scratch/ let one delete the other's files.
    chapter = tmp_path / "chapters" / "a.ipynb"
    chapter.parent.mkdir()
    chapter.write_text("{}")
    envs = [{"OPENBLAS_CORETYPE": "Prescott"}, {"OPENBLAS_CORETYPE": "Sandybridge"}]
    monkeypatch.setattr(blas_kernels, "plan", lambda root: (envs, [chapter]))
    seen = []

    class FakeProcess:
        returncode = 0

        def __init__(self, command, cwd, **kwargs):
            seen.append((Path(cwd), (Path(cwd) / "chapters" / "a.ipynb").exists(), command))

        def communicate(self):
            return "1 passed\n", None

    monkeypatch.setattr(blas_kernels.subprocess, "Popen", FakeProcess)
    assert blas_kernels.run(tmp_path) == 0
    (first, first_copied, command), (second, second_copied, _) = seen
    assert first != second and first_copied and second_copied
    assert tmp_path not in first.parents and command[-1] == "chapters/a.ipynb"
    assert not first.exists() and not second.exists()
