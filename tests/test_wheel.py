"""The book away from its repository: the package as a wheel, a chapter run elsewhere.

What a reader who downloads a notebook gets: ``tfbook`` built as a wheel (no
editable install), installed into a fresh virtual environment outside the
repository, and a chapter copied to a temporary folder, run there under strict
nbval against its stored outputs.

Nothing is downloaded. The wheel is built with the build backend of the running
environment (``--no-build-isolation``); the fresh environment gets the book's
other requirements from the running one through a ``.pth`` file naming its
``site-packages``. Python adds the folders a ``.pth`` file lists to ``sys.path``
but does not process the ``.pth`` files inside them, so the editable install of
the running environment stays inactive and ``import tfbook`` can only find the
wheel's copy (checked, in a subprocess and in the chapter's kernel).
``TFBOOK_OFFLINE=1`` keeps :func:`tfbook.data.load_fashion_mnist` from
downloading: the data comes from the machine (``make data``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile
from importlib import metadata
from pathlib import Path

import nbformat
import pytest

from tfbook import notebooks

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
#: The chapter run from the wheel: it loads the MNIST digits, imports code the
#: layers chapter exported and tfbook's plotting, trains small models; about 9 s.
CHAPTER = ROOT / "chapters" / "containers.ipynb"
#: Appended to the copied chapter; its stored output says the kernel imported the wheel.
WHERE_CELL = (
    "import sys\n\nimport tfbook\n\n"
    'print(tfbook.__file__.startswith(sys.prefix), "site-packages" in tfbook.__file__)'
)


def _run(cmd, *, timeout, cwd=None, env=None) -> subprocess.CompletedProcess:
    """Run ``cmd``; on a timeout kill it and every process it started (kernels too)."""
    import psutil

    proc = subprocess.Popen(
        [str(c) for c in cmd],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        children = psutil.Process(proc.pid).children(recursive=True)
        for child in children:
            child.kill()
        proc.kill()
        out, _ = proc.communicate()
        psutil.wait_procs(children, timeout=10)
        pytest.fail(f"{' '.join(map(str, cmd))} took more than {timeout} s:\n{out}")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, None)


def _check(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, f"{' '.join(result.args)} failed:\n{result.stdout}"
    return result.stdout


def _copy_sources(dest: Path) -> Path:
    """The files a build reads, copied so that it writes nothing into the repository."""
    dest.mkdir()
    for name in ("pyproject.toml", "README.md", "setup.cfg", "setup.py", "MANIFEST.in", "LICENSE"):
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(
        ROOT / "src", dest / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    return dest


def _adapt_license_for_old_setuptools(pyproject: Path) -> None:
    """Write ``license = "MIT"`` as ``{text = "MIT"}`` if the backend predates PEP 639.

    setuptools < 77 (the one ``python -m venv`` seeds on Python 3.11) rejects
    a license expression. Only the metadata's license field changes; what goes
    into the wheel is decided by ``[tool.setuptools]``, left as it is.
    """
    if int(metadata.version("setuptools").split(".")[0]) >= 77:
        return
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(
        re.sub(r'^license\s*=\s*"([^"]+)"', r'license = {text = "\1"}', text, flags=re.M),
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def workspace():
    with tempfile.TemporaryDirectory(prefix="tfbook-wheel-") as folder:
        yield Path(folder)


@pytest.fixture(scope="module")
def wheel(workspace) -> Path:
    try:
        metadata.version("setuptools")
    except metadata.PackageNotFoundError:
        pytest.skip(
            "setuptools is not installed here, so tfbook cannot be built without "
            "downloading its build backend; pin setuptools in requirements.txt"
        )
    source = _copy_sources(workspace / "source")
    _adapt_license_for_old_setuptools(source / "pyproject.toml")
    dist = workspace / "dist"
    _check(
        _run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index",
             "--no-build-isolation", "--no-cache-dir", "--wheel-dir", dist, source],
            timeout=120,
        )
    )
    (found,) = dist.glob("tfbook-*.whl")
    return found


@pytest.fixture(scope="module")
def fresh_python(workspace, wheel) -> Path:
    """A new virtual environment holding the wheel, the book's requirements through a .pth."""
    venv = workspace / "venv"
    _check(_run([sys.executable, "-m", "venv", "--without-pip", venv], timeout=120))
    python = venv / "bin" / "python"
    # Install before the .pth exists, so pip sees an empty environment.
    _check(
        _run(
            [sys.executable, "-m", "pip", "--python", python, "install", "--quiet",
             "--no-deps", "--no-index", "--no-cache-dir", wheel],
            timeout=120,
        )
    )
    site_packages = _check(
        _run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], timeout=60)
    ).strip()
    ours = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    (Path(site_packages) / "tfbook-test-requirements.pth").write_text("\n".join(ours) + "\n")
    return python


def _environment() -> dict[str, str]:
    """This process's environment without what would point Python or pytest back here."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "PYTEST", "VIRTUAL_ENV", "COV_CORE", "COVERAGE"))
    }
    env.update(TFBOOK_OFFLINE="1", PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    return env


def test_wheel_holds_every_file_of_the_package(wheel):
    package = ROOT / "src" / "tfbook"
    expected = {
        f"tfbook/{p.relative_to(package).as_posix()}"
        for p in package.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    with zipfile.ZipFile(wheel) as archive:
        shipped = {n for n in archive.namelist() if n.startswith("tfbook/")}
    assert shipped == expected, (
        "the wheel must carry every file of src/tfbook (data files: list them in "
        "[tool.setuptools.package-data] of pyproject.toml)"
    )


def test_wheel_version_is_the_book_version(wheel):
    import tfbook

    with zipfile.ZipFile(wheel) as archive:
        (meta,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        version = re.search(r"^Version: (.+)$", archive.read(meta).decode(), re.M).group(1)
    assert version == notebooks.book_version(ROOT) == tfbook.__version__


def test_fresh_environment_imports_the_wheel_not_the_sources(fresh_python, workspace):
    where = _check(
        _run(
            [fresh_python, "-c", "import tfbook; print(tfbook.__file__)"],
            cwd=workspace,
            env=_environment(),
            timeout=60,
        )
    ).strip()
    assert Path(where).is_relative_to(fresh_python.parent.parent)
    assert not Path(where).is_relative_to(ROOT)


def test_chapter_runs_outside_the_repository_from_the_wheel(fresh_python, workspace):
    work = workspace / "reader"
    work.mkdir()
    nb = nbformat.read(CHAPTER, as_version=4)
    check = nbformat.v4.new_code_cell(WHERE_CELL, execution_count=len(nb.cells) + 1)
    check.outputs = [nbformat.v4.new_output("stream", name="stdout", text="True True\n")]
    nb.cells.append(check)
    nbformat.write(nb, work / CHAPTER.name)
    (work / "pytest.ini").write_text("[pytest]\n")

    start = time.perf_counter()
    result = _run(
        [fresh_python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "nbval.plugin",
         "-c", work / "pytest.ini", "--rootdir", work,
         "--nbval", "--nbval-current-env",
         "--nbval-sanitize-with", ROOT / "tests" / "nbval_sanitize.cfg",
         work / CHAPTER.name],
        cwd=work,
        env=_environment(),
        timeout=300,
    )
    print(f"{CHAPTER.name} from the wheel: {time.perf_counter() - start:.1f} s")
    _check(result)
    assert f"{sum(c.cell_type == 'code' for c in nb.cells)} passed" in result.stdout
