import gzip
import shutil

import numpy as np
import pytest

from tfbook import data


@pytest.fixture(scope="module")
def digits():
    return data.load_mnist_digits()


def test_mnist_digits_split_sizes(digits):
    assert [len(a) for a in digits] == [3500, 3500, 500, 500, 1000, 1000]


def test_mnist_digits_images_are_scaled_float32(digits):
    assert digits.x_train.shape[1:] == (28, 28)
    assert digits.x_train.dtype == np.float32
    assert 0.0 <= digits.x_train.min() and digits.x_train.max() <= 1.0


def test_mnist_digits_splits_are_class_balanced(digits):
    assert np.bincount(digits.y_train).tolist() == [350] * 10
    assert np.bincount(digits.y_val).tolist() == [50] * 10
    assert np.bincount(digits.y_test).tolist() == [100] * 10


def test_mnist_digits_same_seed_same_split(digits):
    again = data.load_mnist_digits()
    np.testing.assert_array_equal(digits.y_train, again.y_train)
    np.testing.assert_array_equal(digits.x_test, again.x_test)


def test_mnist_digits_other_seed_other_split(digits):
    other = data.load_mnist_digits(seed=1)
    assert not np.array_equal(digits.y_train, other.y_train)


def test_mnist_digits_splits_do_not_overlap(digits):
    train = {a.tobytes() for a in digits.x_train}
    assert not any(a.tobytes() in train for a in digits.x_test)


@pytest.mark.parametrize("name", ["val_fraction", "test_fraction"])
@pytest.mark.parametrize("value", [0, 1, -0.1, 1.5, "0.1", True])
def test_mnist_digits_rejects_bad_fraction(name, value):
    with pytest.raises(ValueError, match=rf"`{name}`.*Received: {name}="):
        data.load_mnist_digits(**{name: value})


def test_mnist_digits_rejects_fractions_summing_to_one():
    with pytest.raises(ValueError, match="val_fraction=0.5, test_fraction=0.5"):
        data.load_mnist_digits(val_fraction=0.5, test_fraction=0.5)


@pytest.mark.parametrize("seed", [-1, 0.5, "0"])
def test_mnist_digits_rejects_bad_seed(seed):
    with pytest.raises(ValueError, match="Received: seed="):
        data.load_mnist_digits(seed=seed)


def test_verify_file_missing_names_file_and_fix(tmp_path):
    missing = tmp_path / "nothing.gz"
    with pytest.raises(data.DataFileError, match=r"nothing\.gz.*make data"):
        data.verify_file(missing, "0" * 64)


def test_verify_file_corrupt_names_both_digests(tmp_path):
    path = tmp_path / "file.gz"
    path.write_bytes(b"not the data")
    with pytest.raises(data.DataFileError, match=r"corrupt.*expected 0{64}"):
        data.verify_file(path, "0" * 64)


def test_verify_file_accepts_matching_digest(tmp_path):
    path = tmp_path / "file.gz"
    path.write_bytes(b"abc")
    digest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert data.verify_file(path, digest) == path


def _write_idx(path, array):
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape
    )
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_read_idx_round_trip(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    _write_idx(tmp_path / "a.gz", array)
    np.testing.assert_array_equal(data.read_idx(tmp_path / "a.gz"), array)


def test_read_idx_rejects_other_formats(tmp_path):
    with gzip.open(tmp_path / "b.gz", "wb") as f:
        f.write(b"\x00\x00\x0d\x01\x00\x00\x00\x01abcd")
    with pytest.raises(ValueError, match="IDX file of unsigned bytes"):
        data.read_idx(tmp_path / "b.gz")


def test_read_idx_rejects_truncated_file(tmp_path):
    with gzip.open(tmp_path / "c.gz", "wb") as f:
        f.write(bytes([0, 0, 8, 1]) + (10).to_bytes(4, "big") + b"abc")
    with pytest.raises(ValueError, match="declares shape"):
        data.read_idx(tmp_path / "c.gz")


def test_fashion_mnist_dirs_honours_override(monkeypatch, tmp_path):
    monkeypatch.setenv("TFBOOK_FASHION_MNIST_DIR", str(tmp_path))
    assert data.fashion_mnist_dirs()[0] == tmp_path


def test_fashion_mnist_missing_everywhere_says_where_it_looked(monkeypatch, tmp_path):
    monkeypatch.setattr(data, "fashion_mnist_dirs", lambda: [tmp_path / "a", tmp_path / "b"])
    monkeypatch.setattr(data, "may_download", lambda: False)
    with pytest.raises(data.DataFileError, match=r"looked in .*a, .*b\).*make data"):
        data.load_fashion_mnist()


# Downloading a missing Fashion-MNIST: only outside the book's repository ------


def _checkout(root):
    """A folder that looks like a checkout of the book's repository."""
    (root / "src" / "tfbook").mkdir(parents=True)
    (root / "chapters").mkdir()
    (root / "_toc.yml").write_text("format: jb-book\n")
    return root


@pytest.fixture
def elsewhere(monkeypatch, tmp_path):
    """Run from a folder outside any checkout, with the package not in one either."""
    monkeypatch.delenv(data.OFFLINE_ENV, raising=False)
    monkeypatch.setattr(data, "__file__", str(tmp_path / "site-packages" / "tfbook" / "data.py"))
    (tmp_path / "reader").mkdir()
    monkeypatch.chdir(tmp_path / "reader")
    return tmp_path


@pytest.fixture
def fake_keras_download(monkeypatch, tmp_path):
    """Fashion-MNIST missing; fetch() writes four small IDX files with their sha256 known."""
    cache = tmp_path / "keras-cache"
    arrays = {
        "train-images-idx3-ubyte.gz": np.full((3, 28, 28), 7, np.uint8),
        "train-labels-idx1-ubyte.gz": np.array([9, 0, 1], np.uint8),
        "t10k-images-idx3-ubyte.gz": np.zeros((2, 28, 28), np.uint8),
        "t10k-labels-idx1-ubyte.gz": np.array([3, 4], np.uint8),
    }
    scratch = tmp_path / "made"
    scratch.mkdir()
    digests = {}
    for name, array in arrays.items():
        _write_idx(scratch / name, array)
        digests[name] = data.sha256_of(scratch / name)
    monkeypatch.setattr(data, "FASHION_MNIST_SHA256", digests)
    monkeypatch.setattr(data, "fashion_mnist_dirs", lambda: [tmp_path / "nowhere", cache])
    calls = []

    def fetch():
        calls.append("fetch")
        shutil.copytree(scratch, cache)

    monkeypatch.setattr(data, "fetch", fetch)
    return calls


def test_in_book_repository_from_the_checkout_or_below(monkeypatch, tmp_path):
    root = _checkout(tmp_path / "book")
    monkeypatch.setattr(data, "__file__", str(tmp_path / "site-packages" / "tfbook" / "data.py"))
    assert data.in_book_repository(root)
    assert data.in_book_repository(root / "chapters")
    assert not data.in_book_repository(tmp_path)


def test_in_book_repository_when_the_package_is_imported_from_a_checkout(monkeypatch, tmp_path):
    root = _checkout(tmp_path / "book")
    monkeypatch.setattr(data, "__file__", str(root / "src" / "tfbook" / "data.py"))
    assert data.in_book_repository(tmp_path)


def test_this_repository_is_a_book_repository():
    assert data.in_book_repository()


@pytest.mark.parametrize(("value", "allowed"), [(None, True), ("", True), ("0", True),
                                                ("1", False), ("yes", False)])
def test_may_download_outside_the_repository_unless_offline(elsewhere, monkeypatch, value, allowed):
    if value is not None:
        monkeypatch.setenv(data.OFFLINE_ENV, value)
    assert data.may_download() is allowed


def test_may_not_download_inside_the_repository(elsewhere, monkeypatch):
    monkeypatch.chdir(_checkout(elsewhere / "book") / "chapters")
    assert data.may_download() is False


def test_fashion_mnist_downloaded_once_and_checked_outside_the_repository(
    elsewhere, fake_keras_download, capsys
):
    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist()
    assert fake_keras_download == ["fetch"]
    assert "downloading it once through keras.datasets.fashion_mnist" in capsys.readouterr().out
    assert x_train.shape == (3, 28, 28) and y_train.tolist() == [9, 0, 1]
    assert x_test.shape == (2, 28, 28) and y_test.tolist() == [3, 4]
    data.load_fashion_mnist()
    assert fake_keras_download == ["fetch"]


def test_fashion_mnist_not_downloaded_inside_the_repository(
    elsewhere, fake_keras_download, monkeypatch
):
    monkeypatch.chdir(_checkout(elsewhere / "book") / "chapters")
    with pytest.raises(data.DataFileError, match="not found.*make data"):
        data.load_fashion_mnist()
    assert fake_keras_download == []


def test_fashion_mnist_not_downloaded_when_offline(elsewhere, fake_keras_download, monkeypatch):
    monkeypatch.setenv(data.OFFLINE_ENV, "1")
    with pytest.raises(data.DataFileError, match="not found.*make data"):
        data.load_fashion_mnist()
    assert fake_keras_download == []


def test_fashion_mnist_corrupt_download_is_refused(elsewhere, fake_keras_download, monkeypatch):
    monkeypatch.setitem(data.FASHION_MNIST_SHA256, "t10k-labels-idx1-ubyte.gz", "0" * 64)
    with pytest.raises(data.DataFileError, match=r"t10k-labels-idx1-ubyte\.gz is corrupt"):
        data.load_fashion_mnist()
    assert fake_keras_download == ["fetch"]


def test_fashion_mnist_failed_download_names_the_fix(elsewhere, monkeypatch, tmp_path):
    monkeypatch.setattr(data, "fashion_mnist_dirs", lambda: [tmp_path / "nowhere"])

    def fetch():
        raise Exception("URL fetch failure on https://storage.googleapis.com/...: None")

    monkeypatch.setattr(data, "fetch", fetch)
    with pytest.raises(data.DataFileError, match="Downloading Fashion-MNIST failed: URL.*make data"):
        data.load_fashion_mnist()


def test_fashion_mnist_corrupt_file_is_refused(monkeypatch, tmp_path):
    for name in data.FASHION_MNIST_SHA256:
        (tmp_path / name).write_bytes(b"x")
    monkeypatch.setattr(data, "fashion_mnist_dirs", lambda: [tmp_path])
    with pytest.raises(data.DataFileError, match="corrupt"):
        data.load_fashion_mnist()


def test_fashion_mnist_shapes_and_first_label():
    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == np.uint8
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert data.FASHION_MNIST_CLASSES[y_train[0]] == "Ankle boot"


def test_check_reports_nothing_when_files_present():
    assert data.check() == []


def test_main_rejects_unknown_command(capsys):
    assert data.main(["download-everything"]) == 2
