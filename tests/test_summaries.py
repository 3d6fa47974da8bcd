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


def test_dense_params_counts_kernel_and_bias():
    assert tfi.dense_params(4, 3) == 4 * 3 + 3


def test_dense_params_without_bias():
    assert tfi.dense_params(784, 256, use_bias=False) == 784 * 256


@pytest.mark.parametrize(("kwargs", "text"), [
    ({"input_dim": 0, "units": 3}, "input_dim=0"),
    ({"input_dim": 4, "units": 2.5}, "units=2.5"),
    ({"input_dim": True, "units": 3}, "input_dim=True"),
])
def test_dense_params_rejects_non_positive_integers(kwargs, text):
    with pytest.raises(ValueError, match=text):
        tfi.dense_params(**kwargs)


def test_dense_params_matches_keras():
    import keras

    layer = keras.layers.Dense(5)
    layer.build((None, 7))
    assert tfi.dense_params(7, 5) == layer.count_params()


def test_weight_rows_lists_paths_shapes_and_counts():
    import keras

    layer = keras.layers.Dense(2, name="out")
    layer.build((None, 3))
    rows = tfi.weight_rows(layer)
    assert [(r.path, r.shape, r.trainable, r.count) for r in rows] == [
        ("out/kernel", (3, 2), True, 6),
        ("out/bias", (2,), True, 2),
    ]


def test_weight_rows_marks_non_trainable_state():
    rows = tfi.weight_rows(_model())
    frozen = [r.path for r in rows if not r.trainable]
    assert frozen == ["net/bn/moving_mean", "net/bn/moving_variance"]


def test_weight_rows_rejects_unbuilt_layer():
    import keras

    with pytest.raises(ValueError, match="unbuilt layer.*'late'"):
        tfi.weight_rows(keras.layers.Dense(2, name="late"))


def test_weight_rows_rejects_non_layer():
    with pytest.raises(ValueError, match="`layer`.*Received: layer of type list"):
        tfi.weight_rows([1, 2])


def test_weights_table_has_header_rows_and_total():
    import keras

    layer = keras.layers.Dense(3, name="hidden")
    layer.build((None, 4))
    lines = tfi.weights_table(layer).splitlines()
    assert lines[0].split() == ["path", "shape", "trainable", "count"]
    assert lines[1].split() == ["hidden/kernel", "(4,", "3)", "True", "12"]
    assert lines[-1].split() == ["total", "15"]


def test_layer_rows_follow_shapes_and_split_counts():
    rows = tfi.layer_rows(_model())
    assert [r.output_shape for r in rows] == [(4, 3), (4, 3), (4, 3), (4, 2)]
    assert [(r.trainable, r.non_trainable) for r in rows] == [(15, 0), (0, 0), (6, 6), (8, 0)]
    assert sum(r.trainable + r.non_trainable for r in rows) == _model().count_params()


def test_layer_rows_accepts_an_input_shape():
    rows = tfi.layer_rows(_model(), input_shape=(None, 4))
    assert rows[-1].output_shape == (None, 2)


def test_plot_sequential_draws_one_box_per_layer():
    from matplotlib.patches import FancyBboxPatch

    fig = tfi.plot_sequential(_model(), title="net")
    boxes = [p for p in fig.axes[0].patches if isinstance(p, FancyBboxPatch)]
    assert len(boxes) == 4
