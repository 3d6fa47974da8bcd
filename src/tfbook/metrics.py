"""Custom Keras metrics, written the way the Metrics chapter explains them.

A metric (测量器) keeps *state variables* that ``update_state`` accumulates
batch after batch, ``result`` turns them into a number, and ``reset_state``
sets them back to zero. :class:`MacroF1` keeps a confusion matrix as its state,
so the number it reports over many batches is the one a single pass over all
the data would give.
"""

from __future__ import annotations

import keras
from keras import ops

from tfbook._checks import check_int


@keras.saving.register_keras_serializable(package="tfbook")
class MacroF1(keras.metrics.Metric):
    """Macro-averaged F1 score of a multi-class classifier.

    For class :math:`k`, with true positives :math:`TP_k`, false positives
    :math:`FP_k` and false negatives :math:`FN_k` counted over every batch seen
    since the last reset,

    .. math:: F1_k = \\frac{2\\,TP_k}{2\\,TP_k + FP_k + FN_k},

    and the result is the mean of :math:`F1_k` over all ``num_classes`` classes
    (a class never predicted and never present scores 0). The state is one
    ``(num_classes, num_classes)`` confusion matrix: entry ``[i, j]`` counts
    examples of true class ``i`` predicted as ``j``.

    Args:
        num_classes: number of classes (an integer >= 2).
        name: name of the metric, the key it is logged under.
        dtype: dtype of the state and the result (default float32).

    ``update_state(y_true, y_pred, sample_weight=None)`` takes

    * ``y_true``: integer labels of shape ``(batch,)`` or ``(batch, 1)``, or
      one-hot labels of shape ``(batch, num_classes)``;
    * ``y_pred``: scores of shape ``(batch, num_classes)`` (logits or
      probabilities: only their argmax counts);
    * ``sample_weight``: optional weights of shape ``(batch,)``.

    Example:
        >>> f1 = MacroF1(num_classes=3)
        >>> f1.update_state([0, 1, 2, 2], [[9, 0, 0], [0, 9, 0], [0, 9, 0], [0, 0, 9]])
        >>> round(float(f1.result()), 4)  # F1 per class: 1, 2/3, 2/3
        0.7778
    """

    def __init__(self, num_classes: int, name: str = "macro_f1", dtype=None, **kwargs):
        check_int("num_classes", num_classes, minimum=2)
        super().__init__(name=name, dtype=dtype, **kwargs)
        self.num_classes = num_classes
        self.confusion = self.add_weight(
            name="confusion",
            shape=(num_classes, num_classes),
            initializer="zeros",
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch to the confusion matrix."""
        y_pred = ops.convert_to_tensor(y_pred)
        y_true = ops.convert_to_tensor(y_true)
        if len(y_pred.shape) != 2 or y_pred.shape[-1] not in (None, self.num_classes):
            raise ValueError(
                f"Expected `y_pred` of shape (batch, {self.num_classes}). "
                f"Received: y_pred.shape={tuple(y_pred.shape)}"
            )
        predicted = ops.argmax(y_pred, axis=-1)
        if len(y_true.shape) == 2 and y_true.shape[-1] == self.num_classes:
            y_true = ops.argmax(y_true, axis=-1)  # one-hot labels
        y_true = ops.reshape(ops.cast(y_true, "int32"), (-1,))
        true_1h = ops.one_hot(y_true, self.num_classes, dtype=self.dtype)
        pred_1h = ops.one_hot(predicted, self.num_classes, dtype=self.dtype)
        if sample_weight is not None:
            weight = ops.reshape(ops.cast(sample_weight, self.dtype), (-1, 1))
            true_1h = true_1h * weight
        # (classes, batch) @ (batch, classes): counts of (true, predicted) pairs.
        self.confusion.assign_add(ops.matmul(ops.transpose(true_1h), pred_1h))

    def per_class(self):
        """Return the F1 score of each class, shape ``(num_classes,)``."""
        tp = ops.diagonal(self.confusion)
        fp = ops.sum(self.confusion, axis=0) - tp
        fn = ops.sum(self.confusion, axis=1) - tp
        return ops.divide_no_nan(2.0 * tp, 2.0 * tp + fp + fn)

    def result(self):
        """Return the mean of the per-class F1 scores, a scalar."""
        return ops.mean(self.per_class())

    def reset_state(self):
        """Zero the confusion matrix."""
        self.confusion.assign(ops.zeros_like(self.confusion))

    def get_config(self):
        """Return ``{"name", "dtype", "num_classes"}``, enough to rebuild the metric."""
        return {**super().get_config(), "num_classes": self.num_classes}
