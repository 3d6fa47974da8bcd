"""Binder's configuration (binder/) agrees with requirements.txt and pyproject.toml.

repo2docker reads only ``binder/`` when that folder exists: it runs
``pip install -r binder/requirements.txt`` from the repository root (pip reads
a nested ``-r`` path from the including file's folder), takes the Python
version from ``binder/runtime.txt``, then runs ``binder/postBuild``.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from tfbook import notebooks

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"


def _lines(path: Path) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def _pins() -> dict[str, str]:
    """Package name -> exact version pinned in requirements.txt (for this platform)."""
    pins = {}
    for line in _lines(ROOT / "requirements.txt"):
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate():
            (spec,) = req.specifier
            assert spec.operator == "==", f"requirements.txt pins exact versions: {line}"
            pins[canonicalize_name(req.name)] = spec.version
    return pins


def _pyproject():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_binder_requirements_are_the_repository_requirements():
    lines = _lines(BINDER / "requirements.txt")
    assert lines == ["-r ../requirements.txt"]
    assert (BINDER / "../requirements.txt").resolve() == (ROOT / "requirements.txt").resolve()


def test_binder_python_is_the_oldest_the_book_supports():
    (runtime,) = _lines(BINDER / "runtime.txt")
    version = runtime.removeprefix("python-")
    requires = SpecifierSet(_pyproject()["project"]["requires-python"])
    assert requires.contains(version)
    assert version == min(v for v in ("3.10", "3.11", "3.12", "3.13") if requires.contains(v))


def test_requirements_pin_every_dependency_of_the_package():
    # postBuild installs the package with --no-deps: the pins must cover its dependencies.
    pins = _pins()
    for dependency in map(Requirement, _pyproject()["project"]["dependencies"]):
        name = canonicalize_name(dependency.name)
        assert name in pins, f"{dependency.name} is not pinned in requirements.txt"
        assert dependency.specifier.contains(pins[name]), (dependency, pins[name])


def test_postbuild_installs_the_package_and_fetches_the_data():
    script = BINDER / "postBuild"
    text = script.read_text()
    assert text.startswith("#!/bin/bash\n")
    assert os.access(script, os.X_OK)
    commands = [line for line in _lines(script) if not line.startswith("#!")]
    assert commands == [
        "set -euo pipefail",
        "pip install --no-cache-dir --no-deps .",
        "python -m tfbook.data fetch",
    ]
    subprocess.run(["bash", "-n", str(script)], check=True)


def test_launch_buttons_have_a_github_repository():
    # Binder and Colab launch from GitHub; the set-up cell installs from there too.
    import yaml

    buttons = yaml.safe_load((ROOT / "_config.yml").read_text())["launch_buttons"]
    assert buttons["binderhub_url"] and buttons["colab_url"]
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", notebooks.repository_url(ROOT))
