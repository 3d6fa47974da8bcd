"""Give TensorFlow's matrix products the same block sizes on every CPU.

TensorFlow multiplies matrices on the CPU with Eigen, which cuts a product into
blocks sized to fit the CPU's caches, read once from the ``cpuid`` instruction.
The blocks decide which partial sums oneDNN's kernel adds first, so two CPUs
with different cache sizes round differently: measured on TensorFlow 2.21, a
CPU with a 1 MiB L2 cache and one with 512 KiB give a different
``(1000, 784) @ (784, 256)`` product, and a network trained for two epochs ends
one validation image apart. Pinning oneDNN's instruction set and the thread
count (:mod:`tfbook.environment`) is not enough.

Eigen keeps the sizes it read in one variable per shared library (the static
``m_cacheSizes`` of ``Eigen::internal::manage_caching_sizes``) and reads it
again before every product. :func:`pin` writes fixed sizes there, and marks
the variable as initialized so that Eigen does not read the CPU afterwards. It
finds the variable through the library's ELF symbol table; this works on Linux
with TensorFlow's wheels from PyPI, the book's platform. Elsewhere :func:`pin`
changes nothing and returns an empty dict. The sizes only steer the blocking;
every choice gives the correct product.

Command line, to compare CPUs (``scripts/check-cpus.sh`` runs it under QEMU
as other CPUs)::

    python -m tfbook.eigen_cache digest   # JSON: a product's digest, pinned and not
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import mmap
import os
import struct
import sys

#: The sizes pinned, in bytes: 32 KiB L1 data cache, 512 KiB L2, 32 MiB L3
#: (those of the AMD EPYC the stored outputs were first produced on).
CACHE_SIZES = (32 * 1024, 512 * 1024, 32 * 1024 * 1024)

#: TensorFlow's libraries that link Eigen's products (each has its own copy).
LIBRARIES = ("libtensorflow_cc.so.2", "libtensorflow_framework.so.2")

_SIZES = b"_ZZN5Eigen8internal20manage_caching_sizesENS_6ActionEPlS2_S2_E12m_cacheSizes"
_GUARD = b"_ZGVZN5Eigen8internal20manage_caching_sizesENS_6ActionEPlS2_S2_E12m_cacheSizes"
_SHT_SYMTAB = 2


def symbol_offsets(path: str) -> dict[str, int]:
    """Offsets of Eigen's cache-size variable and its guard in a shared library.

    Args:
        path: an ELF shared library.

    Returns:
        ``{"sizes": offset, "guard": offset}`` from the library's load address,
        or ``{}`` when its symbol table does not name both.
    """
    import numpy as np

    symbol = np.dtype(
        [("name", "<u4"), ("info", "u1"), ("other", "u1"), ("shndx", "<u2"),
         ("value", "<u8"), ("size", "<u8")]
    )
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as elf:
        if elf[:5] != b"\x7fELF\x02":
            return {}
        shoff, = struct.unpack_from("<Q", elf, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", elf, 0x3A)
        found = {}
        for i in range(shnum):
            header = shoff + i * shentsize
            sh_type, = struct.unpack_from("<I", elf, header + 4)
            if sh_type != _SHT_SYMTAB:
                continue
            offset, size, link = struct.unpack_from("<QQI", elf, header + 0x18)
            str_offset, str_size = struct.unpack_from("<QQ", elf, shoff + link * shentsize + 0x18)
            names = elf[str_offset : str_offset + str_size]
            symbols = np.frombuffer(elf[offset : offset + size], dtype=symbol)
            for key, name in (("sizes", _SIZES), ("guard", _GUARD)):
                at = names.find(name + b"\0")
                while at > 0 and names[at - 1] != 0:  # a longer name ending with it
                    at = names.find(name + b"\0", at + 1)
                hits = symbols["value"][(symbols["name"] == at) & (symbols["value"] != 0)]
                if at > 0 and len(hits):
                    found[key] = int(hits[0])
        return found if len(found) == 2 else {}


def _load_address(path: str) -> int | None:
    real = os.path.realpath(path)
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            if len(fields) >= 6 and fields[2] == "00000000" and os.path.realpath(fields[5]) == real:
                return int(fields[0].split("-")[0], 16)
    return None


def _variables():
    import tensorflow as tf

    directory = os.path.dirname(tf.__file__)
    for name in LIBRARIES:
        path = os.path.join(directory, name)
        if not os.path.exists(path):
            continue
        offsets = symbol_offsets(path)
        base = _load_address(path)
        if offsets and base is not None:
            sizes = (ctypes.c_int64 * 3).from_address(base + offsets["sizes"])
            guard = ctypes.c_uint8.from_address(base + offsets["guard"])
            yield name, sizes, guard


def pin(sizes: tuple[int, int, int] = CACHE_SIZES) -> dict[str, tuple[int, int, int]]:
    """Make Eigen block TensorFlow's products as for caches of ``sizes`` bytes.

    Call it after ``import tensorflow``; products computed before keep the
    blocks of the CPU's own sizes.

    Args:
        sizes: L1, L2 and L3 sizes in bytes, positive integers.

    Returns:
        The sizes each library now uses, by library name; ``{}`` where the
        libraries or their symbols were not found (not Linux, another build).

    Raises:
        ValueError: if ``sizes`` is not three positive integers.
    """
    if (
        not isinstance(sizes, tuple)
        or len(sizes) != 3
        or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in sizes)
    ):
        raise ValueError(
            "Received an invalid value for `sizes`, expected a tuple of three positive "
            f"integers (L1, L2, L3 in bytes). Received: sizes={sizes!r}"
        )
    if not sys.platform.startswith("linux"):
        return {}
    pinned = {}
    for name, variable, guard in _variables():
        variable[0], variable[1], variable[2] = sizes
        guard.value = 1  # initialized: Eigen no longer asks the CPU
        pinned[name] = tuple(variable)
    return pinned


def current() -> dict[str, tuple[int, int, int]]:
    """The cache sizes each TensorFlow library's Eigen uses now (``{}`` if not found).

    Before the first product (and before :func:`pin`) Eigen has not read the
    CPU yet, and the sizes are zero.
    """
    if not sys.platform.startswith("linux"):
        return {}
    return {name: tuple(variable) for name, variable, _ in _variables()}


def digest(sizes: tuple[int, int, int] | None = CACHE_SIZES) -> str:
    """The first 16 hex digits of the sha256 of one float32 product.

    ``(1000, 784) @ (784, 256)`` from a seeded generator: the shape of the
    book's first ``Dense`` layer on a batch of 1,000 images. Call it in a
    process that ran :func:`tfbook.configure <tfbook.environment.configure>`
    (oneDNN and threads pinned).

    Args:
        sizes: the cache sizes to pin first, or ``None`` for those in use now.
    """
    import numpy as np
    import tensorflow as tf

    if sizes is not None:
        pin(sizes)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((1000, 784)).astype("float32")
    b = rng.standard_normal((784, 256)).astype("float32")
    return hashlib.sha256(tf.linalg.matmul(a, b).numpy().tobytes()).hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    """``python -m tfbook.eigen_cache digest``: the product's digest as on this CPU and pinned.

    Prints one JSON line: ``cpu`` (the sizes Eigen read from this CPU),
    ``unpinned`` (the digest with them), ``pinned`` (with :data:`CACHE_SIZES`).
    """
    argv = sys.argv[1:] if argv is None else argv
    if argv != ["digest"]:
        print("usage: python -m tfbook.eigen_cache digest", file=sys.stderr)
        return 2
    import tfbook

    # configure() pins the sizes; the CPU's own come back by letting Eigen ask again.
    tfbook.configure(show_versions=False)
    for _, variable, guard in _variables():
        variable[0] = variable[1] = variable[2] = 0
        guard.value = 0
    unpinned = digest(None)
    cpu = current()
    pinned = digest(CACHE_SIZES)
    print(json.dumps({"cpu": cpu, "unpinned": unpinned, "pinned": pinned}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
