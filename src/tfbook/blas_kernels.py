"""Re-run the notebooks that use NumPy's linear algebra under other CPU kernels.

NumPy's wheels ship OpenBLAS, which picks its matrix kernel by the CPU it runs
on (``threadpoolctl.threadpool_info()`` names it), and NumPy itself dispatches
some loops to AVX2 or AVX-512 code where the CPU has them. Kernels for
different CPUs add the same products in different orders, so a float result
can differ in its last bits from one machine to the next. The book promises
that its stored outputs are what a fresh run prints on any x86-64 CPU; this
stage checks the promise on one machine by making NumPy behave as on others:

* ``OPENBLAS_CORETYPE`` forces an OpenBLAS kernel. Only kernels that run on
  every CPU with the instructions they need are used, and only those this CPU
  has (:data:`SAFE_CORETYPES`); the machine's own kernel is left out, since the
  ``nbval`` stage already ran it.
* ``NPY_DISABLE_CPU_FEATURES`` turns NumPy's dispatched SIMD loops off, as on a
  CPU with only the baseline instructions.

Which notebooks: those whose code uses the matrix-product operator ``@`` (or
``np.dot``, ``np.linalg``, ...) on NumPy arrays, directly or through a module
of ``tfbook`` that does (:func:`numpy_linalg_notebooks`).

Command line (from the repository root)::

    python -m tfbook.blas_kernels list   # the variants and notebooks it would run
    python -m tfbook.blas_kernels run    # run them under strict nbval; exit 1 on a difference
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tokenize
from pathlib import Path

import nbformat

#: OpenBLAS kernels safe on any CPU that has the listed instruction sets
#: (``/proc/cpuinfo`` flag names): SSE3 (every x86-64 CPU since 2004), AVX, AVX2.
SAFE_CORETYPES = {
    "Prescott": ("sse3",),
    "Sandybridge": ("avx",),
    "Haswell": ("avx2", "fma"),
}

#: NumPy calls whose result comes from BLAS or LAPACK.
_NUMPY_LINALG = {"dot", "vdot", "inner", "outer", "matmul", "tensordot", "einsum", "linalg"}


def _python_tokens(source: str):
    # IPython magics and shell escapes are not Python.
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        return list(tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return []


def uses_numpy_linalg(source: str) -> bool:
    """Whether Python ``source`` multiplies matrices: a binary ``@`` or a NumPy linalg call.

    A ``@`` inside a string, a decorator, and a product with an attribute of
    ``self`` (in the book, always a Keras layer's weights) do not count.

    Example:
        >>> uses_numpy_linalg("z = x @ w + b")
        True
        >>> uses_numpy_linalg('@property\\ndef f(self): return "tfbook @ git+https://x"')
        False
        >>> uses_numpy_linalg("y = inputs @ self.kernel")  # a Keras layer's weights
        False
    """
    tokens = [t for t in _python_tokens(source) if t.type not in (tokenize.COMMENT, tokenize.NL)]
    words = [t.string for t in tokens]
    for i, token in enumerate(tokens[1:], start=1):
        if token.type != tokenize.OP or token.string != "@":
            continue
        previous = tokens[i - 1]
        if not (previous.type in (tokenize.NAME, tokenize.NUMBER) or previous.string in (")", "]")):
            continue  # a decorator
        # `inputs @ self.kernel`: inside a Keras layer, the weights are backend tensors.
        if words[i - 3 : i - 1] == ["self", "."] or words[i + 1 : i + 3] == ["self", "."]:
            continue
        return True
    return any(
        words[i : i + 2] == ["np", "."] and words[i + 2] in _NUMPY_LINALG
        for i in range(len(words) - 2)
    )


def linalg_modules(package_dir: str | Path) -> set[str]:
    """Names of the package's modules, subpackages included, that use NumPy linear algebra.

    Example: ``{"tfbook.chapters.backpropagation"}`` (the NumPy MLP).
    """
    package_dir = Path(package_dir)
    return {
        ".".join((package_dir.name, *path.relative_to(package_dir).with_suffix("").parts))
        for path in sorted(package_dir.rglob("*.py"))
        if uses_numpy_linalg(path.read_text(encoding="utf-8"))
    }


def numpy_linalg_notebooks(notebooks, modules) -> list[Path]:
    """The notebooks whose code cells use NumPy linear algebra or import one of ``modules``."""
    imports = re.compile(
        r"\b(from\s+(" + "|".join(re.escape(m) for m in sorted(modules)) + r")\s+import"
        r"|import\s+(" + "|".join(re.escape(m) for m in sorted(modules)) + r")\b"
        r"|from\s+([\w.]+)\s+import\s+[^\n]*\b("
        + "|".join(re.escape(m.rsplit(".", 1)[-1]) for m in sorted(modules)) + r")\b)"
    ) if modules else None
    chosen = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        code = [c.source for c in nb.cells if c.cell_type == "code"]
        if any(uses_numpy_linalg(s) for s in code) or (
            imports is not None and any(imports.search(s) for s in code)
        ):
            chosen.append(Path(path))
    return chosen


def cpu_flags(cpuinfo: str | None = None) -> set[str]:
    """The instruction-set flags of this CPU, from ``/proc/cpuinfo`` (Linux)."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8")
        except OSError:
            return set()
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            if "pni" in flags:  # Linux calls SSE3 "pni"
                flags.add("sse3")
            return flags
    return set()


def native_coretype() -> str | None:
    """The OpenBLAS kernel NumPy uses in this process (``threadpoolctl``), or None."""
    import numpy  # noqa: F401  (threadpoolctl sees only loaded libraries)
    import threadpoolctl

    for info in threadpoolctl.threadpool_info():
        if info.get("internal_api") == "openblas":
            return info.get("architecture")
    return None


def dispatched_numpy_features() -> list[str]:
    """NumPy's dispatch targets this CPU has (what ``NPY_DISABLE_CPU_FEATURES`` may turn off)."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    return [name for name in __cpu_dispatch__ if __cpu_features__.get(name)]


def variants(flags: set[str], native: str | None, numpy_features: list[str]) -> list[dict]:
    """Environments to re-run the notebooks in, one per variant.

    The oldest safe OpenBLAS kernel (Prescott), with NumPy's dispatched SIMD
    loops turned off too, and the newest other safe kernel this CPU can run;
    never the CPU's own kernel.

    Args:
        flags: the CPU's instruction-set flags (:func:`cpu_flags`).
        native: the OpenBLAS kernel chosen without ``OPENBLAS_CORETYPE``.
        numpy_features: NumPy's dispatch targets present on this CPU.

    Returns:
        A list of dicts of environment variables.

    Example:
        >>> for env in variants({"sse3", "avx", "avx2", "fma"}, "SkylakeX", ["X86_V3"]):
        ...     print(env)
        {'OPENBLAS_CORETYPE': 'Prescott', 'NPY_DISABLE_CPU_FEATURES': 'X86_V3'}
        {'OPENBLAS_CORETYPE': 'Haswell'}
    """
    usable = [
        name for name, needs in SAFE_CORETYPES.items() if name != native and set(needs) <= flags
    ]
    # Two runs are enough to catch a kernel-dependent digit: the oldest kernel
    # and the newest other one this CPU offers.
    chosen = []
    for coretype in dict.fromkeys(usable[:1] + usable[-1:]):
        env = {"OPENBLAS_CORETYPE": coretype}
        if coretype == "Prescott" and numpy_features:
            env["NPY_DISABLE_CPU_FEATURES"] = " ".join(numpy_features)
        chosen.append(env)
    return chosen


def _describe(env: dict) -> str:
    return " ".join(f"{k}={v!r}" for k, v in env.items())


def plan(root: str | Path = ".") -> tuple[list[dict], list[Path]]:
    """The variants for this machine and the notebooks of the toc to run under them."""
    import tfbook
    from tfbook.notebooks import toc_notebooks

    modules = linalg_modules(Path(tfbook.__file__).parent)
    notebooks = numpy_linalg_notebooks(toc_notebooks(root), modules)
    return variants(cpu_flags(), native_coretype(), dispatched_numpy_features()), notebooks


def run(root: str | Path = ".", sanitize: str = "tests/nbval_sanitize.cfg") -> int:
    """Run every notebook of :func:`plan` under strict nbval in every variant, in parallel.

    Returns:
        0 if every run passed, else 1.
    """
    envs, notebooks = plan(root)
    if len(envs) < 2:
        print(f"blas_kernels: this CPU offers {len(envs)} other safe kernel(s), 2 are needed",
              file=sys.stderr)
        return 1
    if not notebooks:
        print("blas_kernels: no notebook uses NumPy linear algebra", file=sys.stderr)
        return 1
    root = Path(root).resolve()
    relative = [Path(path).resolve().relative_to(root) for path in notebooks]
    command = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider",
        "--nbval", "--nbval-current-env", "--nbval-sanitize-with", str(root / sanitize),
        *map(str, relative),
    ]
    runs = []
    for env in envs:
        print(f"blas_kernels: {_describe(env)}: {' '.join(map(str, relative))}", flush=True)
        # The variants run at once, and a chapter writes its files into _scratch/
        # beside the notebook: each variant works in a copy of its own.
        workdir = Path(tempfile.mkdtemp(prefix="tfbook-blas-"))
        for path in relative:
            (workdir / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / path, workdir / path)
        runs.append((env, workdir, subprocess.Popen(
            command, cwd=workdir, env={**os.environ, **env},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )))
    failed = 0
    for env, workdir, process in runs:
        output, _ = process.communicate()
        shutil.rmtree(workdir, ignore_errors=True)
        summary = output.strip().splitlines()[-1] if output.strip() else "(no output)"
        print(f"blas_kernels: {_describe(env)}: {summary}")
        if process.returncode != 0:
            failed += 1
            print(output)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["list"]:
        envs, notebooks = plan()
        print(f"native OpenBLAS kernel: {native_coretype()}")
        for env in envs:
            print("variant:", _describe(env))
        for path in notebooks:
            print("notebook:", path)
        return 0
    if argv == ["run"]:
        return run()
    print("usage: python -m tfbook.blas_kernels {list,run}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
