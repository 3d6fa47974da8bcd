import numpy as np
import pytest

from tfbook.chapters import training


def _arrays(n=10):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), np.arange(n) % 10


def test_make_dataset_batches_and_scales():
    images, labels = _arrays()
    x, y = next(iter(training.make_dataset(images, labels, batch_size=4)))
    assert x.shape == (4, 784) and x.dtype.name == "float32"
    assert y.shape == (4,) and y.dtype.name == "int32"
    np.testing.assert_allclose(x.numpy()[0], images[0].reshape(-1) / 255.0, rtol=1e-6)


def test_make_dataset_keeps_images_when_not_flattened():
    images, labels = _arrays()
    x, _ = next(iter(training.make_dataset(images, labels, batch_size=2, flatten=False)))
    assert x.shape == (2, 28, 28)


def test_make_dataset_one_hot_labels():
    images, labels = _arrays()
    _, y = next(iter(training.make_dataset(images, labels, batch_size=3, one_hot=True)))
    np.testing.assert_array_equal(y.numpy(), np.eye(10, dtype="float32")[labels[:3]])


def test_make_dataset_last_batch_is_partial():
    images, labels = _arrays(10)
    sizes = [len(y) for _, y in training.make_dataset(images, labels, batch_size=4)]
    assert sizes == [4, 4, 2]


def test_make_dataset_shuffle_is_seeded_and_reshuffles():
    images, labels = _arrays(10)

    def epochs(ds):
        return [np.concatenate([y.numpy() for _, y in ds]).tolist() for _ in range(2)]

    first = epochs(training.make_dataset(images, labels, batch_size=5, shuffle=True, seed=1))
    again = epochs(training.make_dataset(images, labels, batch_size=5, shuffle=True, seed=1))
    assert first == again
    assert first[0] != first[1]
    assert sorted(first[0]) == sorted(labels.tolist())


@pytest.mark.parametrize(
    ("images", "labels", "match"),
    [
        (np.zeros((4, 28), np.uint8), np.zeros(4, int), "images.shape"),
        (np.zeros((4, 28, 28), np.float32), np.zeros(4, int), "images.dtype"),
        (np.zeros((4, 28, 28), np.uint8), np.zeros(3, int), "labels.shape"),
        (np.zeros((4, 28, 28), np.uint8), np.zeros(4, float), "labels.dtype"),
    ],
)
def test_make_dataset_rejects_bad_arrays(images, labels, match):
    with pytest.raises(ValueError, match=match):
        training.make_dataset(images, labels)


@pytest.mark.parametrize("batch_size", [0, -3, 2.5])
def test_make_dataset_rejects_bad_batch_size(batch_size):
    images, labels = _arrays()
    with pytest.raises(ValueError, match="Received: batch_size="):
        training.make_dataset(images, labels, batch_size=batch_size)


def test_fashion_mnist_datasets_split_sizes():
    ds = training.fashion_mnist_datasets(batch_size=1000, val_size=5000)
    assert sum(len(y) for _, y in ds.val) == 5000
    assert ds.train.cardinality().numpy() == 55
    assert ds.test.cardinality().numpy() == 10


@pytest.mark.parametrize("val_size", [0, 60000, 1.5])
def test_fashion_mnist_datasets_rejects_bad_val_size(val_size):
    with pytest.raises(ValueError, match="Received: val_size="):
        training.fashion_mnist_datasets(val_size=val_size)
