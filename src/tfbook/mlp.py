"""A multilayer perceptron with hand-written forward and backward passes, in NumPy.

:class:`NumpyMLP` is the network of the :ref:`backpropagation` chapter: dense
layers with one activation in the hidden layers, logits out, softmax
cross-entropy loss and plain mini-batch SGD. Its weights use Keras' layout
(per layer a kernel of shape ``(in, out)`` and a bias of shape ``(out,)``), it
initializes them like ``keras.layers.Dense`` (Glorot uniform kernels, zero
biases), and :func:`minibatch_indices` yields the batches, so the same
network in Keras can start from the same weights and see the same batches.

For a layer :math:`l` with input :math:`a_{l-1}` (a batch of rows), the
forward pass is :math:`z_l = a_{l-1} W_l + b_l`, :math:`a_l = \\varphi(z_l)`
(no activation on the last layer), and the backward pass, given
:math:`\\delta_l = \\partial L / \\partial z_l`, is

.. math::

    \\frac{\\partial L}{\\partial W_l} = a_{l-1}^\\top \\delta_l, \\quad
    \\frac{\\partial L}{\\partial b_l} = \\textstyle\\sum_{\\text{rows}} \\delta_l, \\quad
    \\delta_{l-1} = (\\delta_l W_l^\\top) \\odot \\varphi'(z_{l-1}).

Example:
    >>> import numpy as np
    >>> from tfbook.mlp import NumpyMLP
    >>> mlp = NumpyMLP([4, 8, 3], seed=0)
    >>> x = np.ones((5, 4), dtype="float32"); y = np.array([0, 1, 2, 0, 1])
    >>> loss, grads = mlp.loss_and_gradients(x, y)
    >>> [g.shape for g in grads]
    [(4, 8), (8,), (8, 3), (3,)]
"""

from __future__ import annotations

import numbers
import sys

import numpy as np

from tfbook import activations
from tfbook._checks import check_int, check_real

__all__ = ["ACTIVATIONS", "NumpyMLP", "minibatch_indices", "softmax", "softmax_cross_entropy"]

#: Hidden-layer activations :class:`NumpyMLP` knows: name -> (function, derivative).
#: The names are also Keras' names for the same functions.
ACTIVATIONS = {
    "relu": (activations.relu, activations.relu_derivative),
    "sigmoid": (activations.sigmoid, activations.sigmoid_derivative),
    "tanh": (activations.tanh, activations.tanh_derivative),
}


def softmax(logits) -> np.ndarray:
    """Row-wise softmax, shifted by each row's maximum so ``exp`` cannot overflow.

    Args:
        logits: real numbers of shape ``(batch, classes)``.

    Returns:
        Probabilities of shape ``(batch, classes)``; each row sums to 1.

    Raises:
        ValueError: if ``logits`` is not a real 2-D array.

    Example:
        >>> softmax(np.array([[0.0, 0.0], [1000.0, 0.0]]))
        array([[0.5, 0.5],
               [1. , 0. ]])
    """
    logits = _check_logits(logits)
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def _check_logits(logits) -> np.ndarray:
    logits = activations.as_real_array(logits, "logits")
    if logits.ndim != 2 or logits.shape[1] < 1:
        raise ValueError(
            "Expected `logits` of shape (batch, classes). "
            f"Received: logits.shape={logits.shape}"
        )
    return logits


def _check_labels(labels, batch: int, classes: int) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu" or labels.shape != (batch,):
        raise ValueError(
            f"Expected `labels` to be integers of shape ({batch},). "
            f"Received: labels.shape={labels.shape}, labels.dtype={labels.dtype}"
        )
    if batch and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(
            f"Expected `labels` from 0 to {classes - 1}. "
            f"Received: labels in [{labels.min()}, {labels.max()}]"
        )
    return labels


def softmax_cross_entropy(logits, labels) -> tuple[float, np.ndarray]:
    """Mean softmax cross-entropy of integer labels, and its gradient w.r.t. the logits.

    With :math:`p = \\mathrm{softmax}(z)` and one-hot targets :math:`y`, the loss
    of a batch of :math:`n` rows is :math:`L = -\\frac1n \\sum_i \\log p_{i, y_i}`
    (computed as ``logsumexp(z_i) - z_{i, y_i}``, which cannot overflow) and
    :math:`\\partial L / \\partial z = (p - y) / n`. This is what
    ``keras.losses.SparseCategoricalCrossentropy(from_logits=True)`` computes.

    Args:
        logits: real numbers of shape ``(batch, classes)``.
        labels: integers in ``[0, classes)`` of shape ``(batch,)``.

    Returns:
        ``(loss, dlogits)``: the mean loss (a float) and an array of shape
        ``(batch, classes)`` in the dtype of ``logits``.

    Raises:
        ValueError: on logits or labels of the wrong shape, dtype or range.

    Example:
        >>> loss, d = softmax_cross_entropy(np.zeros((2, 4)), np.array([0, 3]))
        >>> round(loss, 4)  # log(4)
        1.3863
    """
    logits = _check_logits(logits)
    n = logits.shape[0]
    labels = _check_labels(labels, n, logits.shape[1])
    if n == 0:
        raise ValueError("Expected a non-empty batch. Received: logits.shape=(0, ...)")
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    loss = float(np.mean(np.log(total[:, 0]) - shifted[rows, labels]))
    dlogits = e / total
    dlogits[rows, labels] -= 1
    dlogits /= n
    return loss, dlogits


def minibatch_indices(n: int, batch_size: int, rng=None):
    """Yield the row indices of one epoch's mini-batches.

    Args:
        n: number of examples (a positive integer).
        batch_size: rows per batch (a positive integer); the last batch holds
            the ``n % batch_size`` rest if ``n`` is not a multiple.
        rng: ``None`` for the rows in order, or a ``np.random.Generator`` (or an
            integer seed for one) to shuffle. Pass the same generator every
            epoch to get a new order each epoch; two generators made from the
            same seed give the same batches, e.g. for NumPy and for Keras.

    Yields:
        int64 arrays of shape ``(batch_size,)`` (the last one possibly shorter).

    Raises:
        ValueError: on a non-positive ``n`` or ``batch_size``, or an invalid ``rng``.

    Example:
        >>> [b.tolist() for b in minibatch_indices(5, 2)]
        [[0, 1], [2, 3], [4]]
    """
    n = check_int("n", n)
    batch_size = check_int("batch_size", batch_size)
    if rng is None:
        order = np.arange(n)
    else:
        if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng >= 0:
            rng = np.random.default_rng(int(rng))
        if not isinstance(rng, np.random.Generator):
            raise ValueError(
                "Received an invalid value for `rng`, expected None, a non-negative integer "
                f"seed or a numpy Generator. Received: rng={rng!r}"
            )
        order = rng.permutation(n)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]


class NumpyMLP:
    """Dense layers, hand-written backpropagation, softmax cross-entropy, SGD.

    Args:
        layer_sizes: widths ``[inputs, hidden_1, ..., outputs]``, at least two
            positive integers; ``[784, 128, 10]`` has one hidden layer.
        activation: hidden-layer activation, a key of :data:`ACTIVATIONS`
            (``"relu"``, ``"sigmoid"`` or ``"tanh"``).
        seed: seed of the weight initialization (a non-negative integer).
        dtype: ``"float32"`` (like Keras) or ``"float64"`` (for gradient checks,
            and for results that do not depend on the CPU's BLAS kernel).

    Attributes:
        params: the live weight arrays ``[W_1, b_1, W_2, b_2, ...]``, ``W_l`` of
            shape ``(layer_sizes[l-1], layer_sizes[l])`` and ``b_l`` of shape
            ``(layer_sizes[l],)``. :meth:`sgd_step` updates them in place.

    Example:
        >>> mlp = NumpyMLP([784, 32, 10], activation="relu", seed=0)
        >>> mlp.forward(np.zeros((2, 784), dtype="float32")).shape
        (2, 10)
        >>> mlp.num_params
        25450
    """

    def __init__(self, layer_sizes, activation: str = "relu", seed: int = 0, dtype="float32"):
        try:
            sizes = tuple(layer_sizes)
        except TypeError:
            sizes = ()
        if len(sizes) < 2 or any(
            isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1 for s in sizes
        ):
            raise ValueError(
                "Received an invalid value for `layer_sizes`, expected at least two positive "
                f"integers [inputs, ..., outputs]. Received: layer_sizes={layer_sizes!r}"
            )
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"Received an invalid value for `activation`, expected one of "
                f"{sorted(ACTIVATIONS)}. Received: activation={activation!r}"
            )
        check_int("seed", seed, minimum=0)
        try:
            np_dtype = np.dtype(dtype)
        except TypeError:
            np_dtype = None
        if np_dtype not in (np.dtype("float32"), np.dtype("float64")):
            raise ValueError(
                "Received an invalid value for `dtype`, expected 'float32' or 'float64'. "
                f"Received: dtype={dtype!r}"
            )
        self.layer_sizes = tuple(int(s) for s in sizes)
        self.activation = activation
        self.dtype = np_dtype
        self._phi, self._dphi = ACTIVATIONS[activation]
        rng = np.random.default_rng(int(seed))
        self.params: list[np.ndarray] = []
        for fan_in, fan_out in zip(self.layer_sizes[:-1], self.layer_sizes[1:], strict=True):
            limit = np.sqrt(6 / (fan_in + fan_out))  # Glorot uniform, Keras' default
            self.params.append(rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np_dtype))
            self.params.append(np.zeros(fan_out, dtype=np_dtype))
        self._cache = None

    def __repr__(self) -> str:
        return (
            f"NumpyMLP(layer_sizes={list(self.layer_sizes)}, activation={self.activation!r}, "
            f"dtype={self.dtype.name!r})"
        )

    @property
    def num_params(self) -> int:
        """Number of weights and biases."""
        return sum(p.size for p in self.params)

    # -- weights ---------------------------------------------------------------

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights in Keras' order: ``[kernel_1, bias_1, kernel_2, ...]``.

        Returns:
            A list of ``2 * (len(layer_sizes) - 1)`` arrays; ``model.set_weights``
            of the same architecture in Keras accepts it as is.
        """
        return [p.copy() for p in self.params]

    def set_weights(self, weights) -> None:
        """Replace the weights by copies of ``weights``, cast to the model's dtype.

        Args:
            weights: a list in the layout of :meth:`get_weights`, e.g. from a
                Keras model of the same architecture.

        Raises:
            ValueError: if the number of arrays or a shape does not match.
        """
        weights = list(weights)
        if len(weights) != len(self.params):
            raise ValueError(
                f"Expected `weights` to hold {len(self.params)} arrays (kernel and bias per "
                f"layer). Received: {len(weights)} arrays"
            )
        new = []
        for i, (w, p) in enumerate(zip(weights, self.params, strict=True)):
            w = activations.as_real_array(w, f"weights[{i}]")
            if w.shape != p.shape:
                raise ValueError(
                    f"Expected `weights[{i}]` of shape {p.shape}. Received: "
                    f"weights[{i}].shape={w.shape}"
                )
            new.append(w.astype(self.dtype, copy=True))
        for p, w in zip(self.params, new, strict=True):
            p[...] = w  # in place, so views of params stay valid

    # -- forward and backward ----------------------------------------------------

    def _check_x(self, x) -> np.ndarray:
        x = activations.as_real_array(x, "x")
        if x.ndim != 2 or x.shape[1] != self.layer_sizes[0]:
            raise ValueError(
                f"Expected `x` of shape (batch, {self.layer_sizes[0]}). "
                f"Received: x.shape={x.shape}"
            )
        return x.astype(self.dtype, copy=False)

    def forward(self, x) -> np.ndarray:
        """Logits of a batch; keeps what :meth:`backward` needs.

        Args:
            x: inputs of shape ``(batch, layer_sizes[0])``, cast to the model's dtype.

        Returns:
            Logits of shape ``(batch, layer_sizes[-1])``.

        Raises:
            ValueError: if ``x`` is not real-valued or has the wrong shape.
        """
        a = self._check_x(x)
        inputs, pre_activations = [], []
        n_layers = len(self.params) // 2
        for k in range(n_layers):
            w, b = self.params[2 * k], self.params[2 * k + 1]
            inputs.append(a)
            z = a @ w + b
            if k < n_layers - 1:
                pre_activations.append(z)
                a = self._phi(z)
            else:
                a = z
        self._cache = (inputs, pre_activations)
        return a

    def backward(self, dlogits) -> list[np.ndarray]:
        """Gradients of the loss w.r.t. every weight, given ``dL/dlogits``.

        Uses the batch of the last :meth:`forward` call.

        Args:
            dlogits: ``dL/dz`` of the last layer, shape ``(batch, layer_sizes[-1])``.

        Returns:
            Gradients in the layout of :meth:`get_weights`.

        Raises:
            ValueError: if :meth:`forward` has not run or ``dlogits`` has another shape.
        """
        if self._cache is None:
            raise ValueError("Call `forward(x)` before `backward(dlogits)`.")
        inputs, pre_activations = self._cache
        delta = activations.as_real_array(dlogits, "dlogits")
        expected = (inputs[0].shape[0], self.layer_sizes[-1])
        if delta.shape != expected:
            raise ValueError(
                f"Expected `dlogits` of shape {expected}. Received: dlogits.shape={delta.shape}"
            )
        delta = delta.astype(self.dtype, copy=False)
        grads = [None] * len(self.params)
        for k in reversed(range(len(inputs))):
            grads[2 * k] = inputs[k].T @ delta
            grads[2 * k + 1] = delta.sum(axis=0)
            if k > 0:
                delta = (delta @ self.params[2 * k].T) * self._dphi(pre_activations[k - 1])
        return grads

    def loss_and_gradients(self, x, labels) -> tuple[float, list[np.ndarray]]:
        """Mean softmax cross-entropy of a batch and its gradients.

        Args:
            x: inputs of shape ``(batch, layer_sizes[0])``.
            labels: integer classes of shape ``(batch,)``.

        Returns:
            ``(loss, grads)``, grads in the layout of :meth:`get_weights`.
        """
        loss, dlogits = softmax_cross_entropy(self.forward(x), labels)
        return loss, self.backward(dlogits)

    def loss(self, x, labels) -> float:
        """Mean softmax cross-entropy of a batch (no gradients)."""
        return softmax_cross_entropy(self.forward(x), labels)[0]

    def sgd_step(self, grads, learning_rate: float) -> None:
        """Plain SGD in place: ``w -= learning_rate * g`` for every weight.

        Raises:
            ValueError: if ``learning_rate`` is not positive or ``grads`` does not
                match the weights.
        """
        learning_rate = check_real("learning_rate", learning_rate, "(0, inf)")
        grads = list(grads)
        if len(grads) != len(self.params) or any(
            np.shape(g) != p.shape for g, p in zip(grads, self.params, strict=True)
        ):
            raise ValueError(
                "Expected `grads` in the layout of get_weights(). Received: shapes "
                f"{[np.shape(g) for g in grads]}"
            )
        for p, g in zip(self.params, grads, strict=True):
            p -= learning_rate * g

    def train_step(self, x, labels, learning_rate: float) -> tuple[float, float]:
        """One SGD step on a batch.

        Returns:
            ``(loss, accuracy)`` of the batch *before* the update, as Keras logs them.
        """
        logits = self.forward(x)
        loss, dlogits = softmax_cross_entropy(logits, labels)
        accuracy = float(np.mean(np.argmax(logits, axis=1) == labels))
        self.sgd_step(self.backward(dlogits), learning_rate)
        return loss, accuracy

    # -- using the model ---------------------------------------------------------

    def predict(self, x) -> np.ndarray:
        """Predicted classes (argmax of the logits), shape ``(batch,)``."""
        return np.argmax(self.forward(x), axis=1)

    def evaluate(self, x, labels) -> tuple[float, float]:
        """``(mean loss, accuracy)`` on ``x`` of shape ``(n, layer_sizes[0])``."""
        logits = self.forward(x)
        loss, _ = softmax_cross_entropy(logits, labels)
        return loss, float(np.mean(np.argmax(logits, axis=1) == labels))

    def fit(
        self,
        x,
        labels,
        epochs: int,
        batch_size: int,
        learning_rate: float,
        seed: int = 0,
        validation_data=None,
        verbose: bool = False,
    ) -> dict[str, list[float]]:
        """Mini-batch SGD for a number of epochs.

        The batches are those of :func:`minibatch_indices` with one generator
        ``np.random.default_rng(seed)`` used for every epoch, so a Keras model
        fed the same way sees the same batches.

        Args:
            x: inputs of shape ``(n, layer_sizes[0])``.
            labels: integer classes of shape ``(n,)``.
            epochs: passes over the data (a positive integer).
            batch_size: rows per step (a positive integer).
            learning_rate: SGD step size (a positive number).
            seed: seed of the batch order (a non-negative integer).
            validation_data: optional ``(x_val, labels_val)`` evaluated after each epoch.
            verbose: print one line per epoch (``epoch 1/5: loss ..., accuracy ...``).

        Returns:
            A history dict like Keras' ``History.history``: per epoch ``loss`` and
            ``accuracy`` (means over the epoch's batches, weighted by batch size,
            measured before each update) and ``val_loss``/``val_accuracy`` if
            validation data is given; plus ``step_loss``, the loss of every step.
        """
        epochs = check_int("epochs", epochs)
        x = self._check_x(x)
        labels = _check_labels(labels, x.shape[0], self.layer_sizes[-1])
        check_int("seed", seed, minimum=0)
        rng = np.random.default_rng(int(seed))
        history: dict[str, list[float]] = {"loss": [], "accuracy": []}
        if validation_data is not None:
            history["val_loss"], history["val_accuracy"] = [], []
        history["step_loss"] = []
        for epoch in range(epochs):
            total_loss = total_correct = 0.0
            for idx in minibatch_indices(x.shape[0], batch_size, rng):
                loss, accuracy = self.train_step(x[idx], labels[idx], learning_rate)
                history["step_loss"].append(loss)
                total_loss += loss * len(idx)
                total_correct += accuracy * len(idx)
            history["loss"].append(total_loss / x.shape[0])
            history["accuracy"].append(total_correct / x.shape[0])
            if validation_data is not None:
                val_loss, val_accuracy = self.evaluate(*validation_data)
                history["val_loss"].append(val_loss)
                history["val_accuracy"].append(val_accuracy)
            if verbose:
                logs = ", ".join(
                    f"{k} {v[-1]:.4f}" for k, v in history.items() if k != "step_loss"
                )
                print(f"epoch {epoch + 1}/{epochs}: {logs}", file=sys.stdout)
        return history
