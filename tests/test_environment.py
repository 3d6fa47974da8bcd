import os

import pytest

from tfbook import environment


def test_set_tf_environment_sets_quiet_variables():
    environment.set_tf_environment()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
    assert os.environ["TF_ENABLE_ONEDNN_OPTS"] == "0"


def test_set_tf_environment_pins_onednn_to_avx2_on_every_cpu():
    environment.set_tf_environment()
    assert os.environ["ONEDNN_MAX_CPU_ISA"] == "AVX2"


def test_set_tf_environment_refuses_after_tensorflow_loaded_with_other_settings(monkeypatch):
    import tensorflow  # noqa: F401

    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    with pytest.raises(RuntimeError, match="imported before"):
        environment.set_tf_environment()


def test_versions_names_the_libraries():
    assert set(environment.versions()) == {"TensorFlow", "Keras", "NumPy", "Python"}


def test_configure_seeds_numpy_reproducibly():
    import numpy as np

    environment.configure(seed=3, show_versions=False)
    first = np.random.rand(3)  # noqa: NPY002 (the global generator is what seeding sets)
    environment.configure(seed=3, show_versions=False)
    np.testing.assert_array_equal(first, np.random.rand(3))  # noqa: NPY002


def test_configure_seeds_tensorflow_reproducibly():
    import tensorflow as tf

    environment.configure(seed=5, show_versions=False)
    first = tf.random.uniform([4]).numpy()
    environment.configure(seed=5, show_versions=False)
    assert (first == tf.random.uniform([4]).numpy()).all()


def test_configure_turns_on_op_determinism():
    from tensorflow.python.framework import config

    environment.configure(show_versions=False)
    assert config.is_op_determinism_enabled()


def test_configure_prints_versions_outside_jupyter(capsys):
    environment.configure(show_versions=True)
    assert "produced with TensorFlow" in capsys.readouterr().out


@pytest.mark.parametrize("seed", [-1, 1.5, "1", True, None])
def test_configure_rejects_bad_seed(seed):
    with pytest.raises(ValueError, match=r"`seed`.*Received: seed="):
        environment.configure(seed=seed, show_versions=False)


@pytest.mark.parametrize("threads", [0, -2, 2.0, False])
def test_configure_rejects_bad_threads(threads):
    with pytest.raises(ValueError, match=r"`threads`.*Received: threads="):
        environment.configure(threads=threads, show_versions=False)


def test_configure_limits_blas_threads():
    from threadpoolctl import threadpool_info

    environment.configure(blas_threads=1, show_versions=False)
    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == 1 for pool in blas)


@pytest.mark.parametrize("blas_threads", [0, 1.0])
def test_configure_rejects_bad_blas_threads(blas_threads):
    with pytest.raises(ValueError, match="Received: blas_threads="):
        environment.configure(blas_threads=blas_threads, show_versions=False)
