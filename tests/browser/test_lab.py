"""The chapters in JupyterLab, for real: ``make lab``'s server driven through its UI.

``make browser`` (part of ``make test``) runs this too. It starts
``.venv/bin/jupyter lab`` with the flags of ``make lab`` on a free loopback
port, with a token, in a temporary root folder holding a copy of one chapter
whose stored outputs are cleared, and with temporary Jupyter config, data and
runtime folders and IPython folder, so that nothing of the machine's or the
user's Jupyter set-up leaks in. In headless Chromium it opens the notebook at
``/lab/tree/NAME.ipynb``, runs the first cells with Shift+Enter as a reader
would, and checks that

* the first cell displays the versions line, with the versions of the book's
  environment (so the kernel is the ``.venv``'s ``python3``);
* a later code cell prints what the chapter stores for it;
* the kernel process is the ``.venv``'s Python;
* the page requests nothing outside the server (JupyterLab must work offline:
  no news feed, no update check, no PyPI listing);
* no JavaScript exception occurs and the console reports no error.

The server, its kernels and every other process they started are stopped on
every exit path, also when the test fails. A screenshot goes to
``TFBOOK_SCREENSHOTS`` (default ``_build/screenshots``) as ``jupyterlab.png``.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv"
JUPYTER = VENV / "bin" / "jupyter"
#: The chapter opened: its first code cell imports TensorFlow (a few seconds),
#: its second is NumPy only.
CHAPTER = ROOT / "chapters" / "backpropagation.ipynb"
#: Code cells run through the UI, from the top.
CODE_CELLS = 2
SCREENSHOTS = Path(os.environ.get("TFBOOK_SCREENSHOTS", ROOT / "_build" / "screenshots")).resolve()
#: The flags of `make lab` (Makefile) that keep JupyterLab on loopback and offline.
LAB_FLAGS = [
    "--ip=127.0.0.1",
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    "--LabApp.extension_manager=readonly",
]
#: The status bar once the kernel is up (the display name of .venv's python3 kernelspec).
KERNEL_IDLE = re.compile(r"Python 3 \(ipykernel\) \| Idle")
#: Seconds for the server to answer; milliseconds for the page and for the cells.
SERVER_TIMEOUT_S = 30
PAGE_TIMEOUT_MS = 30_000
RUN_TIMEOUT_MS = 45_000


#: Loopback requests straight to the server, whatever *_proxy variables say.
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _copy_without_outputs(source: Path, target: Path) -> dict:
    """Copy a notebook with every output and execution count removed; return the original."""
    nb = json.loads(source.read_text(encoding="utf-8"))
    copy = json.loads(json.dumps(nb))
    for cell in copy["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    target.write_text(json.dumps(copy, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return nb


def _ours(runtime_dir: str) -> list[psutil.Process]:
    """Every process started with our JUPYTER_RUNTIME_DIR (the server's descendants)."""
    found = []
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            if proc.pid != os.getpid() and proc.environ().get("JUPYTER_RUNTIME_DIR") == runtime_dir:
                found.append(proc)
    return found


def _stop(server: subprocess.Popen, runtime_dir: str) -> None:
    """Stop the server, then kill whatever it or its kernels left running."""
    try:
        family = [psutil.Process(server.pid), *psutil.Process(server.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        family = []
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)  # the server shuts its kernels down
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    leftovers = {p.pid: p for p in family + _ours(runtime_dir)}
    for proc in leftovers.values():
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(list(leftovers.values()), timeout=10)
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(timeout=5)
    alive = [p.pid for p in _ours(runtime_dir) if p.is_running()]
    assert not alive, f"processes of the JupyterLab server still running: {alive}"


@pytest.fixture()
def lab(tmp_path):
    """A JupyterLab server as `make lab` starts it, on a copy of CHAPTER; stopped on every path."""
    if not JUPYTER.is_file():
        pytest.fail(f"No {JUPYTER}: create the environment first (`make test` or `make lab`).")
    dirs = {name: tmp_path / name for name in ("root", "config", "data", "runtime", "ipython")}
    for path in dirs.values():
        path.mkdir()
    original = _copy_without_outputs(CHAPTER, dirs["root"] / CHAPTER.name)
    port, token = _free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env.update(
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_DATA_DIR=str(dirs["data"]),
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        JUPYTER_PREFER_ENV_PATH="1",  # the .venv's kernelspec before any system-wide one
        IPYTHONDIR=str(dirs["ipython"]),
    )
    command = [
        str(JUPYTER), "lab", *LAB_FLAGS,
        f"--port={port}", "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={dirs['root']}",
        "--no-browser", "--allow-root",
        f"--IdentityProvider.token={token}", "--ServerApp.password=",
    ]  # fmt: skip
    log_path = tmp_path / "server.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}/"

    def server_log() -> str:
        return log_path.read_text(encoding="utf-8", errors="replace")[-4000:]

    try:
        deadline = time.monotonic() + SERVER_TIMEOUT_S
        while True:
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited with {server.returncode}:\n{server_log()}")
            try:
                with _NO_PROXY.open(f"{base}api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer in {SERVER_TIMEOUT_S} s:\n{server_log()}")
            time.sleep(0.25)
        yield SimpleNamespace(
            base=base, token=token, server=server, notebook=original, name=CHAPTER.name,
            log=server_log,
        )  # fmt: skip
    finally:
        _stop(server, str(dirs["runtime"]))


def _expected_versions_line() -> str:
    """The versions line tfbook.configure() shows, for the environment running the tests."""
    try:
        tf = importlib.metadata.version("tensorflow-cpu")
    except importlib.metadata.PackageNotFoundError:
        tf = importlib.metadata.version("tensorflow")
    keras = importlib.metadata.version("keras")
    numpy = importlib.metadata.version("numpy")
    return f"Outputs on this page were produced with TensorFlow {tf}, Keras {keras}, NumPy {numpy}."


def _stored_text(cell: dict) -> str:
    return "".join(
        "".join(out.get("text", "")) for out in cell["outputs"] if out["output_type"] == "stream"
    )


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_make_lab_has_the_flags_tested_here():
    """`make lab` starts JupyterLab as this test does: on loopback, offline."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    recipe = re.search(r"^lab:.*\n((?:\t.*\n?)+)", makefile, re.MULTILINE)
    assert recipe, "no `lab` target in the Makefile"
    words = recipe.group(1).split()
    assert "$(VENV)/bin/jupyter" in words and "lab" in words, recipe.group(1)
    missing = [flag for flag in LAB_FLAGS if flag not in words]
    assert not missing, f"`make lab` lacks {missing}:\n{recipe.group(1)}"


def test_chapter_runs_in_jupyterlab(browser, lab):
    cells = lab.notebook["cells"]
    code = [i for i, cell in enumerate(cells) if cell["cell_type"] == "code"][:CODE_CELLS]
    printed = _stored_text(cells[code[-1]])
    assert printed, f"{lab.name}: code cell {code[-1]} stores no printed output to compare with"

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        problems: list[str] = []
        server_urls = (lab.base, lab.base.replace("http://", "ws://", 1))

        def on_request(url: str) -> None:
            if not url.startswith((*server_urls, "data:", "blob:")):
                problems.append(f"request outside the server (would fail offline): {url}")

        def route(route):
            url = route.request.url
            if url.startswith((lab.base, "data:", "blob:")):
                route.continue_()
            else:
                on_request(url)
                route.abort()

        context.route("**/*", route)
        page.on("websocket", lambda ws: on_request(ws.url))
        page.on("pageerror", lambda exc: problems.append(f"JavaScript exception: {exc}"))
        page.on(
            "console",
            lambda msg: msg.type == "error" and problems.append(f"console error: {msg.text}"),
        )

        page.goto(f"{lab.base}lab/tree/{lab.name}?token={lab.token}", wait_until="load")
        notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")
        notebook.locator(".jp-Cell").first.wait_for(state="visible")
        # The kernel of the notebook's python3 kernelspec has started and is idle.
        page.locator(".jp-StatusBar-Widget").filter(has_text=KERNEL_IDLE).first.wait_for(
            state="attached"
        )

        # Select the first cell (command mode), then Shift+Enter through the cells,
        # one at a time: each press runs the active cell and selects the next one.
        cell = notebook.locator(".jp-Cell")
        cell.first.locator(".jp-InputPrompt").click()
        for index in range(code[-1] + 1):
            cell.nth(index).and_(page.locator(".jp-mod-active")).wait_for(state="attached")
            page.keyboard.press("Shift+Enter")

        def output(index: int):
            return notebook.locator(".jp-Cell").nth(index).locator(".jp-OutputArea-output")

        versions = output(code[0]).filter(has_text="Outputs on this page were produced with")
        try:
            versions.first.wait_for(state="attached", timeout=RUN_TIMEOUT_MS)
            # The last cell has finished: its prompt went from [*] to its count.
            cell.nth(code[-1]).locator(".jp-InputPrompt", has_text=f"[{len(code)}]:").wait_for(
                state="attached", timeout=RUN_TIMEOUT_MS
            )
        except Exception:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "jupyterlab.png"))
            pytest.fail(
                f"the cells' outputs did not appear in {RUN_TIMEOUT_MS / 1000:.0f} s "
                f"(screenshot: {SCREENSHOTS / 'jupyterlab.png'}); problems: {problems}\n"
                f"server log:\n{lab.log()}"
            )

        shown = _squash(versions.first.text_content() or "")
        if shown != _expected_versions_line():
            problems.append(f"versions line {shown!r}, expected {_expected_versions_line()!r}")
        got = _squash(" ".join(output(code[-1]).all_text_contents()))
        if got != _squash(printed):
            problems.append(f"cell {code[-1]} printed {got!r}, the chapter stores {printed!r}")
        for n, index in enumerate(code, start=1):
            prompt = notebook.locator(".jp-Cell").nth(index).locator(".jp-InputPrompt")
            text = (prompt.text_content() or "").strip()
            if text != f"[{n}]:":
                problems.append(f"cell {index} has prompt {text!r}, expected '[{n}]:'")
        errors = notebook.locator("[data-mime-type='application/vnd.jupyter.stderr']")
        problems += [f"stderr or error output: {t[:300]!r}" for t in errors.all_text_contents()]

        # The kernel is the .venv's Python.
        kernels = [
            p.cmdline()
            for p in psutil.Process(lab.server.pid).children(recursive=True)
            if "ipykernel_launcher" in " ".join(p.cmdline())
        ]
        if len(kernels) != 1:
            problems.append(f"expected one kernel process, found {kernels}")
        elif Path(kernels[0][0]).parent.resolve() != (VENV / "bin").resolve():
            problems.append(f"the kernel is not the .venv's Python: {kernels[0]}")

        page.wait_for_timeout(200)  # let late requests arrive
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "jupyterlab.png"))
        assert not problems, f"{lab.name} in JupyterLab:\n  " + "\n  ".join(problems)
    finally:
        context.close()
