"""Keras callbacks that print training as deterministic text."""

from __future__ import annotations

import keras

from tfbook._checks import check_int


class EpochLogger(keras.callbacks.Callback):
    """Print one rounded line per epoch instead of a progress bar.

    Progress bars carry timings and redraw themselves, so a stored notebook
    could never match a fresh run. This prints only the logged numbers, each
    rounded to ``digits`` decimals, in the order Keras logs them.

    Args:
        digits: decimals to print (an integer from 1 to 8).
        every: print every ``every``-th epoch, and always the last one.

    Example:
        >>> model.fit(x, y, epochs=2, verbose=0, callbacks=[EpochLogger()])  # doctest: +SKIP
        epoch 1/2: loss 0.6931, accuracy 0.5000
        epoch 2/2: loss 0.6412, accuracy 0.6250
    """

    def __init__(self, digits: int = 4, every: int = 1):
        super().__init__()
        self.digits = check_int("digits", digits, minimum=1, maximum=8)
        self.every = check_int("every", every)

    def format_logs(self, logs: dict) -> str:
        """Return ``"name value, ..."`` for the logged numbers, rounded."""
        return ", ".join(f"{k} {float(v):.{self.digits}f}" for k, v in (logs or {}).items())

    def on_epoch_end(self, epoch, logs=None):
        epochs = self.params.get("epochs") if self.params else None
        last = epochs is not None and epoch + 1 == epochs
        if (epoch + 1) % self.every and not last:
            return
        total = f"/{epochs}" if epochs else ""
        print(f"epoch {epoch + 1}{total}: {self.format_logs(logs)}")
