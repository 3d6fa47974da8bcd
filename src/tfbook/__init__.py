"""tfbook: the code behind the executable textbook on TensorFlow and Keras.

Importing the package does not import TensorFlow, so that a notebook can call
:func:`tfbook.configure` (quiet logs, seeds, deterministic ops) first.
Submodules are imported where a chapter needs them, e.g.
``from tfbook.data import load_mnist_digits``.
"""

from tfbook.environment import configure, versions

__all__ = ["configure", "versions"]
__version__ = "0.1.0"
