"""Give TensorFlow's matrix products the same block sizes on every CPU.

TensorFlow multiplies matrices on the CPU with Eigen, which cuts a product into
blocks sized to fit the CPU's caches, read once from the ``cpuid`` instruction.
The blocks decide which partial sums oneDNN's kernel adds first, so two CPUs
with different cache sizes round differently. Pinning oneDNN's instruction set
and the thread count (:mod:`tfbook.environment`) is not enough: with both
pinned, an AMD EPYC with a 1 MiB L2 cache failed 38 of the book's 390 cells
under strict nbval, whose outputs were made on one with 512 KiB; with the
sizes pinned as well, none.

Eigen keeps the sizes it read in one variable per shared library (the static
``m_cacheSizes`` of ``Eigen::internal::manage_caching_sizes``) and reads it
again before every product. :func:`pin` writes fixed sizes there, and marks
the variable as initialized so that Eigen does not read the CPU afterwards. It
finds the variable through the library's ELF symbol table; checked with
TensorFlow 2.21's Linux x86-64 wheels, the book's platform. Elsewhere
:func:`pin` changes nothing and returns an empty dict. The sizes only steer the
blocking: every choice gives an equally accurate product, rounded differently.

Command line, to compare CPUs (``scripts/check-cpus.sh`` runs it under QEMU
as other CPUs)::

    python -m tfbook.eigen_cache digest   # JSON: the products' digest, pinned and not
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import mmap
import numbers
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
_PT_LOAD = 1
_STT_OBJECT = 1
_ELF64_SYM = [("name", "<u4"), ("info", "u1"), ("other", "u1"), ("shndx", "<u2"),
              ("value", "<u8"), ("size", "<u8")]


def symbol_offsets(path: str) -> dict[str, int]:
    """Offsets of Eigen's cache-size variable and its guard in a shared library.

    Args:
        path: an ELF shared library.

    Returns:
        ``{"sizes": offset, "guard": offset}`` from the library's load address,
        or ``{}`` when its symbol table does not define both as data of the
        expected sizes (24 and 8 bytes), or the file is not a 64-bit
        little-endian ELF file whose first segment loads at address 0.
    """
    import numpy as np

    try:
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as elf:
            return _symbol_offsets(elf, np)
    except (OSError, ValueError, struct.error, IndexError):
        return {}


def _symbol_offsets(elf, np) -> dict[str, int]:
    if len(elf) < 64 or elf[:6] != b"\x7fELF\x02\x01":  # 64-bit, little-endian
        return {}
    phoff, shoff = struct.unpack_from("<QQ", elf, 0x20)
    phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", elf, 0x36)
    loads = [
        struct.unpack_from("<Q", elf, phoff + i * phentsize + 0x10)[0]
        for i in range(phnum)
        if struct.unpack_from("<I", elf, phoff + i * phentsize)[0] == _PT_LOAD
    ]
    if not loads or loads[0] != 0:
        return {}
    found = {}
    for i in range(shnum):
        header = shoff + i * shentsize
        if struct.unpack_from("<I", elf, header + 4)[0] != _SHT_SYMTAB:
            continue
        offset, size, link = struct.unpack_from("<QQI", elf, header + 0x18)
        str_offset, str_size = struct.unpack_from("<QQ", elf, shoff + link * shentsize + 0x18)
        symbols = np.frombuffer(elf, dtype=_ELF64_SYM, count=size // 24, offset=offset)
        try:
            for key, name, nbytes in (("sizes", _SIZES, 24), ("guard", _GUARD, 8)):
                at, positions = str_offset, []
                while (at := elf.find(name + b"\0", at, str_offset + str_size)) >= 0:
                    positions.append(at - str_offset)
                    at += 1
                hits = symbols[
                    np.isin(symbols["name"], positions)
                    & (symbols["info"] & 0xF == _STT_OBJECT)
                    & (symbols["shndx"] != 0)
                    & (symbols["size"] == nbytes)
                ]
                if len(set(hits["value"].tolist())) == 1:
                    found[key] = int(hits["value"][0])
        finally:
            del symbols  # the mmap cannot close while an array views it
    return found if len(found) == 2 else {}


def _load_address(path: str) -> int | None:
    # The mapping of this very file (same inode): not a deleted or replaced one.
    stat = os.stat(path)
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.rstrip("\n").split(maxsplit=5)
            if (
                len(fields) == 6
                and fields[2] == "00000000"
                and int(fields[4]) == stat.st_ino
                and not fields[5].endswith(" (deleted)")
                and os.path.realpath(fields[5]) == os.path.realpath(path)
            ):
                return int(fields[0].split("-")[0], 16)
    return None


def _variables():
    import tensorflow as tf

    directory = os.path.dirname(tf.__file__)
    for name in LIBRARIES:
        path = os.path.join(directory, name)
        try:
            offsets = symbol_offsets(path) if os.path.exists(path) else {}
            base = _load_address(path) if offsets else None
        except (OSError, ValueError):
            continue
        if base is not None:
            sizes = (ctypes.c_int64 * 3).from_address(base + offsets["sizes"])
            guard = ctypes.c_uint64.from_address(base + offsets["guard"])
            yield name, sizes, guard


def pin(sizes: tuple[int, int, int] = CACHE_SIZES) -> dict[str, tuple[int, int, int]]:
    """Make Eigen block TensorFlow's products as for caches of ``sizes`` bytes.

    Call it before the products whose digits matter (it imports TensorFlow);
    products computed before keep the blocks of the CPU's own sizes. No other
    thread may be running a product meanwhile.

    Args:
        sizes: a tuple of three positive integers, the L1, L2 and L3 sizes in
            bytes (below 2**62).

    Returns:
        The sizes each library now uses, by library name; ``{}`` where the
        libraries or their symbols were not found (not Linux, another build).

    Raises:
        ValueError: if ``sizes`` is not three positive integers.
    """
    if (
        not isinstance(sizes, tuple)
        or len(sizes) != 3
        or not all(
            isinstance(s, numbers.Integral) and not isinstance(s, bool) and 0 < s < 2**62
            for s in sizes
        )
    ):
        raise ValueError(
            "Received an invalid value for `sizes`, expected a tuple of three positive "
            f"integers (L1, L2, L3 in bytes). Received: sizes={sizes!r}"
        )
    if not sys.platform.startswith("linux"):
        return {}
    pinned = {}
    for name, variable, guard in _variables():
        variable[0], variable[1], variable[2] = (int(s) for s in sizes)
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


#: ``(m, k, n)`` of the products :func:`digest` computes: the book's ``Dense``
#: layers forward (batch x inputs @ inputs x units) and backward (their
#: transposes), on batches of 128 and 1,000, and one long sum (k = 5,000).
PRODUCTS = ((128, 784, 256), (128, 256, 128), (1000, 784, 256), (256, 128, 784),
            (784, 128, 256), (10, 5000, 32))


def digest(sizes: tuple[int, int, int] | None = CACHE_SIZES) -> str:
    """The first 16 hex digits of the sha256 of float32 products (:data:`PRODUCTS`).

    Each product multiplies matrices from a seeded generator. Call it in a
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
    sha = hashlib.sha256()
    for m, k, n in PRODUCTS:
        a = rng.standard_normal((m, k)).astype("float32")
        b = rng.standard_normal((k, n)).astype("float32")
        sha.update(tf.linalg.matmul(a, b).numpy().tobytes())
    return sha.hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    """``python -m tfbook.eigen_cache digest``: the products' digest as on this CPU and pinned.

    Prints one JSON line: ``cpu`` (the sizes Eigen read from this CPU; a
    library that computed no product yet shows zeros),
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
