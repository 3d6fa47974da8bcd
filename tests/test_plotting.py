import matplotlib
import numpy as np
import pytest

from tfbook import plotting

matplotlib.use("Agg")


def test_plot_history_one_panel_per_metric():
    fig = plotting.plot_history({"loss": [1, 0.5], "accuracy": [0.5, 0.7]})
    assert len(fig.axes) == 2


def test_plot_history_places_sparse_validation_at_measured_epochs():
    logs = {"loss": [4, 3, 2, 1], "val_loss": [3.5, 1.5]}
    fig = plotting.plot_history(logs, metrics=("loss",))
    val_line = fig.axes[0].lines[1]
    assert list(val_line.get_xdata()) == [2, 4]


def test_plot_history_marks_an_epoch():
    fig = plotting.plot_history({"loss": [3, 2, 1]}, metrics=("loss",), marks={"stop": 2})
    assert any(list(line.get_xdata()) == [2, 2] for line in fig.axes[0].lines)


def test_plot_history_rejects_unlogged_metric():
    with pytest.raises(ValueError, match=r"not logged: \['accuracy'\]"):
        plotting.plot_history({"loss": [1]}, metrics=("accuracy",))


def test_plot_history_rejects_non_history():
    with pytest.raises(ValueError, match="Received: history of type list"):
        plotting.plot_history([1, 2])


def test_show_images_grid_shape():
    fig = plotting.show_images(np.zeros((10, 28, 28)), labels=list(range(10)), ncols=4)
    assert len(fig.axes) == 12
    assert fig.axes[9].get_title() == "9"


def test_show_images_accepts_flat_square_images():
    fig = plotting.show_images(np.zeros((2, 784)))
    assert fig.axes[0].images[0].get_array().shape == (28, 28)


@pytest.mark.parametrize("shape", [(3, 10), (28, 28), (0, 28, 28)])
def test_show_images_rejects_bad_shape(shape):
    with pytest.raises(ValueError, match="images.shape"):
        plotting.show_images(np.zeros(shape))


def test_show_images_rejects_caption_count():
    with pytest.raises(ValueError, match="Received: 1 labels"):
        plotting.show_images(np.zeros((2, 4, 4)), labels=["a"])


def test_confusion_matrix_counts():
    m = plotting.confusion_matrix([0, 1, 2, 2], [0, 2, 2, 2], num_classes=3)
    np.testing.assert_array_equal(m, [[1, 0, 0], [0, 0, 1], [0, 0, 2]])


def test_confusion_matrix_rejects_out_of_range_labels():
    with pytest.raises(ValueError, match="`y_pred` to hold integers from 0 to 1"):
        plotting.confusion_matrix([0, 1], [0, 2], num_classes=2)


def test_confusion_matrix_rejects_shape_mismatch():
    with pytest.raises(ValueError, match=r"y_true.shape=\(2,\), y_pred.shape=\(3,\)"):
        plotting.confusion_matrix([0, 1], [0, 1, 1], num_classes=2)


def test_plot_confusion_matrix_rejects_size_mismatch():
    with pytest.raises(ValueError, match=r"matrix.shape=\(2, 2\)"):
        plotting.plot_confusion_matrix(np.eye(2), ["a", "b", "c"])
