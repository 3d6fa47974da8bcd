"""The NumPy MLP of the backpropagation chapter: layout, gradients, losses, initializers, batches."""

import numpy as np
import pytest

from tfbook.chapters.backpropagation import (
    ACTIVATIONS,
    NumpyMLP,
    glorot_uniform,
    he_uniform,
    max_abs_error,
    mean_squared_error,
    minibatch_indices,
    numerical_gradient,
    relative_error,
    relu,
    relu_derivative,
    softmax,
    softmax_cross_entropy,
)


def tiny_batch(n=6, d=5, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.integers(0, classes, n)


def test_weights_have_keras_layout():
    mlp = NumpyMLP([5, 4, 3], seed=0)
    assert [w.shape for w in mlp.get_weights()] == [(5, 4), (4,), (4, 3), (3,)]
    assert all(w.dtype == np.float32 for w in mlp.get_weights())
    assert mlp.num_params == 5 * 4 + 4 + 4 * 3 + 3


def test_default_initialization_is_glorot_uniform_with_zero_biases():
    mlp = NumpyMLP([300, 200, 10], seed=0, dtype="float64")
    expected = glorot_uniform(300, 200, np.random.default_rng(0))
    np.testing.assert_array_equal(mlp.params[0], expected)
    assert np.all(mlp.params[1] == 0)


@pytest.mark.parametrize(
    ("init", "variance"),
    [(glorot_uniform, 2 / (400 + 100)), (he_uniform, 2 / 400)],
)
def test_initializer_variance(init, variance):
    w = init(400, 100, np.random.default_rng(0))
    assert w.shape == (400, 100)
    assert w.var() == pytest.approx(variance, rel=0.02)


@pytest.mark.parametrize("name", ["glorot_uniform", "he_uniform"])
def test_initializers_match_keras(name):
    keras = pytest.importorskip("keras")
    ours = NumpyMLP([600, 300], kernel_initializer=name, seed=0, dtype="float64").params[0]
    theirs = keras.initializers.get(name)(shape=(600, 300)).numpy()
    limit = np.abs(theirs).max()
    assert np.abs(ours).max() == pytest.approx(limit, rel=1e-3)
    assert ours.var() == pytest.approx(theirs.var(), rel=0.02)


def test_initializer_rejects_bad_fan():
    with pytest.raises(ValueError, match=r"`fan_in`.*Received: fan_in=0"):
        he_uniform(0, 3, np.random.default_rng(0))


def test_same_seed_same_weights_other_seed_other_weights():
    a, b, c = (NumpyMLP([4, 3, 2], seed=s).get_weights() for s in (1, 1, 2))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[0], c[0])


def test_repr_has_no_memory_address():
    assert repr(NumpyMLP([4, 3, 2])) == (
        "NumpyMLP(layer_sizes=[4, 3, 2], activation='relu', dtype='float32')"
    )


def test_forward_matches_explicit_formula():
    mlp = NumpyMLP([5, 4, 3], activation="tanh", seed=0, dtype="float64")
    x, _ = tiny_batch()
    w1, b1, w2, b2 = mlp.params
    np.testing.assert_allclose(mlp.forward(x), np.tanh(x @ w1 + b1) @ w2 + b2, rtol=1e-12)


def test_forward_shape_and_dtype():
    out = NumpyMLP([5, 8, 8, 3], seed=0).forward(np.zeros((7, 5)))
    assert out.shape == (7, 3) and out.dtype == np.float32


def test_softmax_rows_sum_to_one_without_overflow():
    p = softmax(np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]]))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert p[0, 0] == 1.0


def test_softmax_cross_entropy_of_uniform_logits_is_log_k():
    loss, d = softmax_cross_entropy(np.zeros((2, 4)), np.array([0, 3]))
    assert loss == pytest.approx(np.log(4))
    np.testing.assert_allclose(d, [[-0.375, 0.125, 0.125, 0.125], [0.125, 0.125, 0.125, -0.375]])


def test_softmax_cross_entropy_of_a_hopeless_logit_is_finite():
    loss, _ = softmax_cross_entropy(np.array([[1000.0, 0.0]]), np.array([1]))
    assert loss == pytest.approx(1000.0)


def test_softmax_cross_entropy_gradient_matches_finite_differences():
    logits, labels = tiny_batch(n=4, d=3)
    _, d = softmax_cross_entropy(logits, labels)
    numeric = numerical_gradient(lambda z: softmax_cross_entropy(z, labels)[0], logits)
    assert max_abs_error(numeric, d) < 1e-9


def test_softmax_cross_entropy_matches_keras():
    keras = pytest.importorskip("keras")
    logits, labels = tiny_batch(n=5, d=4)
    theirs = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits)
    assert softmax_cross_entropy(logits, labels)[0] == pytest.approx(float(theirs), rel=1e-5)


def test_mean_squared_error_and_gradient():
    rng = np.random.default_rng(0)
    pred, target = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    loss, d = mean_squared_error(pred, target)
    assert loss == pytest.approx(np.mean((pred - target) ** 2))
    numeric = numerical_gradient(lambda p: mean_squared_error(p, target)[0], pred)
    assert max_abs_error(numeric, d) < 1e-9


def test_mean_squared_error_shape_mismatch_raises():
    with pytest.raises(ValueError, match=r"predictions.shape=\(2, 3\), targets.shape=\(3, 2\)"):
        mean_squared_error(np.ones((2, 3)), np.ones((3, 2)))


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_backward_matches_finite_differences_on_tiny_net(activation):
    mlp = NumpyMLP([5, 4, 4, 3], activation=activation, seed=3, dtype="float64")
    # Non-zero biases: with zero ones a sample whose hidden units are all off
    # feeds exactly 0 into the next ReLU, the kink where no derivative exists.
    rng = np.random.default_rng(0)
    mlp.set_weights([w if w.ndim == 2 else rng.normal(0, 0.5, w.shape) for w in mlp.params])
    x, y = tiny_batch()
    _, grads = mlp.loss_and_gradients(x, y)
    for param, grad in zip(mlp.params, grads, strict=True):
        numeric = numerical_gradient(lambda _: mlp.loss(x, y), param)
        assert max_abs_error(numeric, grad) < 1e-8
        assert relative_error(numeric, grad) < 1e-4


def test_get_set_weights_round_trip():
    a, b = NumpyMLP([5, 4, 3], seed=0), NumpyMLP([5, 4, 3], seed=1)
    b.set_weights(a.get_weights())
    assert all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights(), strict=True))


def test_get_and_set_weights_copy():
    mlp = NumpyMLP([5, 4, 3], seed=0)
    weights = mlp.get_weights()
    weights[0][...] = 7.0
    assert not np.any(mlp.params[0] == 7.0)
    mlp.set_weights(weights)
    weights[0][...] = 9.0
    assert np.all(mlp.params[0] == 7.0)


def test_set_weights_casts_to_model_dtype():
    mlp = NumpyMLP([2, 2], seed=0)
    mlp.set_weights([np.ones((2, 2), dtype=np.float64), np.zeros(2, dtype=np.int64)])
    assert all(p.dtype == np.float32 for p in mlp.params)


def test_set_weights_wrong_count_or_shape_raises():
    with pytest.raises(ValueError, match=r"shapes \[\(5, 4\), \(4,\), \(4, 3\), \(3,\)\]"):
        NumpyMLP([5, 4, 3]).set_weights([np.ones((5, 4)), np.ones(4)])
    weights = NumpyMLP([5, 4, 3]).get_weights()
    weights[2] = np.ones((3, 4))
    with pytest.raises(ValueError, match=r"Received: \[\(5, 4\), \(4,\), \(3, 4\), \(3,\)\]"):
        NumpyMLP([5, 4, 3]).set_weights(weights)


def test_sgd_step_subtracts_scaled_gradient():
    mlp = NumpyMLP([3, 2], seed=0, dtype="float64")
    before = mlp.get_weights()
    grads = [np.ones((3, 2)), np.full(2, 2.0)]
    mlp.sgd_step(grads, learning_rate=0.5)
    np.testing.assert_allclose(mlp.params[0], before[0] - 0.5)
    np.testing.assert_allclose(mlp.params[1], before[1] - 1.0)


@pytest.mark.parametrize("lr", [0, -0.1, float("inf"), "0.1", True])
def test_bad_learning_rate_raises(lr):
    mlp = NumpyMLP([3, 2])
    with pytest.raises(ValueError, match=r"`learning_rate`.*Received: learning_rate="):
        mlp.sgd_step(mlp.get_weights(), lr)


def test_fit_lowers_the_loss_and_logs_like_keras():
    x, y = tiny_batch(n=40, d=5)
    mlp = NumpyMLP([5, 16, 3], seed=0)
    history = mlp.fit(x, y, epochs=30, batch_size=8, learning_rate=0.2, validation_data=(x, y))
    assert sorted(history) == ["accuracy", "loss", "step_loss", "val_accuracy", "val_loss"]
    assert len(history["loss"]) == 30 and len(history["step_loss"]) == 30 * 5
    assert history["loss"][-1] < 0.5 * history["loss"][0]


def test_fit_is_deterministic():
    x, y = tiny_batch(n=20, d=5)
    runs = [NumpyMLP([5, 4, 3], seed=0).fit(x, y, 2, 6, 0.1, seed=3) for _ in range(2)]
    assert runs[0] == runs[1]


def test_fit_prints_one_line_per_epoch(capsys):
    x, y = tiny_batch(n=10, d=5)
    NumpyMLP([5, 3], seed=0).fit(x, y, epochs=2, batch_size=5, learning_rate=0.1, verbose=True)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0].startswith("epoch 1/2: loss ")


def test_fit_rejects_bad_epochs():
    x, y = tiny_batch(n=10, d=5)
    with pytest.raises(ValueError, match=r"`epochs`.*Received: epochs=0"):
        NumpyMLP([5, 3]).fit(x, y, epochs=0, batch_size=5, learning_rate=0.1)


def test_minibatch_indices_in_order_without_rng():
    assert [b.tolist() for b in minibatch_indices(5, 2)] == [[0, 1], [2, 3], [4]]


def test_minibatch_indices_cover_every_row_once():
    batches = list(minibatch_indices(103, 10, np.random.default_rng(0)))
    assert [len(b) for b in batches] == [10] * 10 + [3]
    assert sorted(np.concatenate(batches).tolist()) == list(range(103))


def test_minibatch_indices_same_seed_same_batches():
    a = [b.tolist() for b in minibatch_indices(20, 6, 7)]
    b = [b.tolist() for b in minibatch_indices(20, 6, np.random.default_rng(7))]
    assert a == b


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"n": 0, "batch_size": 2}, r"`n`.*Received: n=0"),
        ({"n": 5, "batch_size": 2.5}, r"`batch_size`.*Received: batch_size=2.5"),
    ],
)
def test_minibatch_indices_bad_arguments_raise(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        list(minibatch_indices(**kwargs))


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"layer_sizes": [5]}, r"`layer_sizes`.*Received: layer_sizes=\[5\]"),
        ({"layer_sizes": [5, 0, 3]}, r"`layer_sizes\[1\]`.*Received: layer_sizes\[1\]=0"),
        ({"layer_sizes": 5}, r"`layer_sizes`.*Received: layer_sizes=5"),
        ({"layer_sizes": [5, 3], "activation": "gelu"}, r"`activation`.*activation='gelu'"),
        ({"layer_sizes": [5, 3], "kernel_initializer": "zeros"}, r"kernel_initializer='zeros'"),
        ({"layer_sizes": [5, 3], "seed": -1}, r"`seed`.*Received: seed=-1"),
        ({"layer_sizes": [5, 3], "dtype": "int32"}, r"`dtype`.*Received: dtype='int32'"),
    ],
)
def test_bad_constructor_arguments_raise(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        NumpyMLP(**kwargs)


def test_forward_wrong_input_width_raises():
    with pytest.raises(ValueError, match=r"`x` of shape \(n, 5\).*x.shape=\(2, 4\)"):
        NumpyMLP([5, 3]).forward(np.ones((2, 4)))


def test_forward_non_numeric_input_raises():
    with pytest.raises(ValueError, match=r"`x`.*Received: x="):
        NumpyMLP([1, 3]).forward(np.array([["a"]]))


@pytest.mark.parametrize(
    ("labels", "pattern"),
    [
        (np.array([0, 1, 3]), r"from 0 to 2.*labels from 0 to 3"),
        (np.array([0.0, 1.0, 2.0]), r"integer `labels`.*labels.dtype=float64"),
        (np.array([0, 1]), r"shape \(n,\).*labels.shape=\(2,\)"),
    ],
)
def test_bad_labels_raise(labels, pattern):
    with pytest.raises(ValueError, match=pattern):
        softmax_cross_entropy(np.zeros((3, 3)), labels)


def test_backward_before_forward_raises():
    with pytest.raises(ValueError, match="forward"):
        NumpyMLP([3, 2]).backward(np.zeros((1, 2)))


def test_backward_wrong_shape_raises():
    mlp = NumpyMLP([3, 2])
    mlp.forward(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"`dlogits` of shape \(4, 2\).*shape=\(4, 3\)"):
        mlp.backward(np.zeros((4, 3)))


def test_activation_table_holds_the_chapter_functions():
    assert ACTIVATIONS["relu"] == (relu, relu_derivative)
