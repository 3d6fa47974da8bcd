"""tfbook.summaries: the data-flow figure of a sequential model and the rows it draws."""

import matplotlib
import pytest

from tfbook import summaries as tfi

matplotlib.use("Agg")


def _model():
    import keras

    model = keras.Sequential(
        [
            keras.layers.Dense(3, name="d1"),
            keras.layers.ReLU(name="r1"),
            keras.layers.BatchNormalization(name="bn"),
            keras.layers.Dense(2, name="d2"),
        ],
        name="net",
    )
    model.build((4, 4))
    return model


def test_layer_rows_follow_shapes_and_split_counts():
    rows = tfi.layer_rows(_model())
    assert [r.output_shape for r in rows] == [(4, 3), (4, 3), (4, 3), (4, 2)]
    assert [(r.trainable, r.non_trainable) for r in rows] == [(15, 0), (0, 0), (6, 6), (8, 0)]
    assert sum(r.trainable + r.non_trainable for r in rows) == _model().count_params()


def test_layer_rows_accepts_an_input_shape():
    rows = tfi.layer_rows(_model(), input_shape=(None, 4))
    assert rows[-1].output_shape == (None, 2)


def test_layer_rows_rejects_unbuilt_model():
    import keras

    with pytest.raises(ValueError, match="unbuilt layer.*'late'"):
        tfi.layer_rows(keras.Sequential([keras.layers.Dense(2)], name="late"))


def test_layer_rows_rejects_non_layer():
    with pytest.raises(ValueError, match="`layer`.*Received: layer of type list"):
        tfi.layer_rows([1, 2])


def test_plot_sequential_draws_one_box_per_layer():
    from matplotlib.patches import FancyBboxPatch

    fig = tfi.plot_sequential(_model(), title="net")
    boxes = [p for p in fig.axes[0].patches if isinstance(p, FancyBboxPatch)]
    assert len(boxes) == 4
