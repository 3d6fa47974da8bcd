import numpy as np
import pytest

from tfbook.callbacks import EpochLogger


def _fit(callback, epochs=3, **fit_kwargs):
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    x = np.ones((8, 2), "float32")
    model.fit(x, x[:, :1], epochs=epochs, verbose=0, callbacks=[callback], **fit_kwargs)


def test_prints_one_line_per_epoch(capsys):
    _fit(EpochLogger())
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"]


def test_rounds_to_digits(capsys):
    _fit(EpochLogger(digits=2), epochs=1)
    out = capsys.readouterr().out.strip()
    for item in out.split(": ", 1)[1].split(", "):
        assert len(item.split(" ")[1].split(".")[1]) == 2


def test_every_keeps_last_epoch(capsys):
    _fit(EpochLogger(every=2), epochs=3)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["epoch 2/3", "epoch 3/3"]


def test_includes_validation_metrics(capsys):
    _fit(EpochLogger(), epochs=1, validation_split=0.25)
    assert "val_loss" in capsys.readouterr().out


def test_format_logs():
    assert EpochLogger(digits=3).format_logs({"loss": 0.12345, "acc": 1}) == "loss 0.123, acc 1.000"


@pytest.mark.parametrize("digits", [0, 9, 2.5, True])
def test_rejects_bad_digits(digits):
    with pytest.raises(ValueError, match="Received: digits="):
        EpochLogger(digits=digits)


@pytest.mark.parametrize("every", [0, -1, 1.0])
def test_rejects_bad_every(every):
    with pytest.raises(ValueError, match="Received: every="):
        EpochLogger(every=every)
