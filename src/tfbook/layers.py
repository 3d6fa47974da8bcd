"""The notes' custom fully connected layer, ``MyDense``, written for Keras 3.

The seed notes build a five-layer network from a home-made ``MyDense(inp_dim,
outp_dim)`` layer (``inputs @ kernel`` followed by ReLU, no bias). This version
keeps that interface and adds what a layer needs to live in a real project:

* its weight is created in :meth:`MyDense.build`, with keyword arguments to
  ``add_weight`` (Keras 3 no longer accepts the name positionally);
* it checks its input width and raises a clear ``ValueError`` instead of a
  low-level ``MatMul`` error;
* :meth:`MyDense.get_config` plus ``register_keras_serializable`` let a model
  made of it be saved to ``.keras`` and loaded back.
"""

from __future__ import annotations

import keras

from tfbook._checks import check_int


@keras.saving.register_keras_serializable(package="tfbook")
class MyDense(keras.layers.Layer):
    """A fully connected layer without bias: ``activation(inputs @ w)``.

    Args:
        inp_dim: width of the input vectors (a positive integer); an input
            whose last axis has another size is refused.
        outp_dim: number of output units (a positive integer).
        activation: ``"relu"`` (the notes' choice) or ``None`` for a linear
            output, e.g. logits; any name ``keras.activations.get`` knows.
        **kwargs: passed to ``keras.layers.Layer`` (``name``, ``trainable``,
            ``dtype``).

    Input shape:
        ``(batch, inp_dim)`` (or ``(..., inp_dim)``).

    Output shape:
        ``(batch, outp_dim)`` (or ``(..., outp_dim)``).

    Raises:
        ValueError: if ``inp_dim`` or ``outp_dim`` is not a positive integer, or
            the layer is built for or called on inputs whose last axis is not
            ``inp_dim``.

    Example:
        >>> layer = MyDense(784, 256, name="fc1")
        >>> tuple(layer(keras.ops.zeros((2, 784))).shape)
        (2, 256)
        >>> [w.path for w in layer.weights]
        ['fc1/w']
    """

    def __init__(self, inp_dim, outp_dim, activation="relu", **kwargs):
        super().__init__(**kwargs)
        check_int("inp_dim", inp_dim)
        check_int("outp_dim", outp_dim)
        self.inp_dim = inp_dim
        self.outp_dim = outp_dim
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        """Create the kernel ``w`` of shape ``(inp_dim, outp_dim)``."""
        self._check_width("input_shape", tuple(input_shape))
        self.kernel = self.add_weight(
            name="w",
            shape=(self.inp_dim, self.outp_dim),
            initializer="glorot_uniform",
            trainable=True,
        )

    def call(self, inputs, training=None):
        """Return ``activation(inputs @ w)``; ``training`` is unused here."""
        self._check_width("inputs.shape", tuple(inputs.shape))
        return self.activation(keras.ops.matmul(inputs, self.kernel))

    def _check_width(self, what: str, shape: tuple) -> None:
        width = shape[-1] if shape else None
        if len(shape) < 2 or (width is not None and width != self.inp_dim):
            raise ValueError(
                f"Input 0 of layer '{self.name}' is incompatible with the layer: "
                f"expected inputs of shape (..., {self.inp_dim}) since "
                f"inp_dim={self.inp_dim}, but received width {width}. "
                f"Received: {what}={shape}"
            )

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.outp_dim)

    def get_config(self):
        """Everything ``__init__`` needs to rebuild the layer (no weights)."""
        config = super().get_config()
        config.update(
            {
                "inp_dim": self.inp_dim,
                "outp_dim": self.outp_dim,
                "activation": keras.activations.serialize(self.activation),
            }
        )
        return config
