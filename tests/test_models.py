import numpy as np
import pytest

from tfbook.models import five_layer_mlp


def test_five_layer_mlp_parameter_count():
    # (784*256+256) + (256*128+128) + (128*64+64) + (64*32+32) + (32*10+10)
    assert five_layer_mlp().count_params() == 244522


def test_five_layer_mlp_layer_names_are_stable():
    names = [layer.name for layer in five_layer_mlp().layers]
    assert names == ["dense_1", "dense_2", "dense_3", "dense_4", "dense_5"]
    assert names == [layer.name for layer in five_layer_mlp().layers]


def test_five_layer_mlp_outputs_logits():
    out = five_layer_mlp()(np.zeros((3, 784), "float32"))
    assert out.shape == (3, 10)


def test_five_layer_mlp_with_dropout_adds_layers():
    names = [layer.name for layer in five_layer_mlp(dropout=0.5).layers]
    assert names.count("dropout_1") == 1 and len(names) == 9


def test_five_layer_mlp_regularizer_adds_losses():
    import keras

    model = five_layer_mlp(kernel_regularizer=keras.regularizers.L2(1e-3))
    model(np.ones((1, 784), "float32"))
    assert len(model.losses) == 5


@pytest.mark.parametrize(
    ("arg", "value"), [("num_classes", 0), ("input_dim", -1), ("num_classes", 2.0)]
)
def test_five_layer_mlp_rejects_bad_sizes(arg, value):
    with pytest.raises(ValueError, match=f"Received: {arg}="):
        five_layer_mlp(**{arg: value})


@pytest.mark.parametrize("dropout", [-0.1, 1.0, "0.5"])
def test_five_layer_mlp_rejects_bad_dropout(dropout):
    with pytest.raises(ValueError, match="Received: dropout="):
        five_layer_mlp(dropout=dropout)
