"""Shared test set-up: TensorFlow's environment before anything imports it."""

from tfbook.environment import set_tf_environment

set_tf_environment()
