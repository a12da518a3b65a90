"""TinyTorch's own unit facts (module 08, spatial_dev.py) against convlab.tinytorch."""

import numpy as np
import pytest

from convlab.tinytorch import Conv2D, MaxPool2D, Tensor, flatten


class StudentTensor:
    """A notebook's Tensor: the layers must hand back the same type."""

    def __init__(self, data):
        self.data = np.asarray(data)

    @property
    def shape(self):
        return self.data.shape


def test_vertical_edge_kernel_on_1_to_9_gives_6():
    conv = Conv2D(in_channels=1, out_channels=1, kernel_size=3, bias=False)
    conv.weight.data[...] = [[[[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]]]
    out = conv(np.array([[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]))
    assert out.shape == (1, 1, 1)
    assert out[0, 0, 0] == 6


def test_bias_is_added():
    conv = Conv2D(1, 1, 1)
    conv.weight.data[...] = 1
    conv.bias.data[...] = 5
    x = np.ones((1, 2, 2))
    np.testing.assert_array_equal(conv(x), np.full((1, 2, 2), 6.0))


@pytest.mark.parametrize("cin,cout,k,shape,expected", [
    (1, 3, 3, (1, 5, 5), (3, 3, 3)),
    (3, 16, 3, (3, 28, 28), (16, 26, 26)),
    (1, 1, 5, (1, 10, 10), (1, 6, 6)),
])
def test_conv2d_output_shapes(cin, cout, k, shape, expected):
    out = Conv2D(in_channels=cin, out_channels=cout, kernel_size=k)(Tensor(np.random.randn(*shape)))
    assert isinstance(out, Tensor)
    assert out.shape == expected


def test_conv2d_parameter_count_is_1792():
    conv = Conv2D(in_channels=3, out_channels=64, kernel_size=3)
    assert conv.weight.data.size + conv.bias.data.size == 64 * 3 * 3 * 3 + 64


def test_conv2d_he_initialisation_scale():
    np.random.seed(0)
    conv = Conv2D(16, 64, 3)
    assert abs(conv.weight.data.std() - np.sqrt(2.0 / (16 * 9))) < 0.01
    assert not conv.bias.data.any()


def test_conv2d_on_a_batch_equals_image_by_image():
    conv = Conv2D(3, 8, 3)
    batch = np.random.randn(5, 3, 12, 12)
    out = conv(batch)
    assert out.shape == (5, 8, 10, 10)
    for i in range(5):
        np.testing.assert_array_equal(out[i], conv(batch[i]))


def test_conv2d_rejects_wrong_rank_and_channels_as_tinytorch_does():
    conv = Conv2D(3, 4, 3)
    with pytest.raises(ValueError, match="Expected 3D input"):
        conv(np.zeros((28, 28)))
    with pytest.raises(ValueError, match="Expected 3 input channels, got 2"):
        conv(np.zeros((2, 8, 8)))


def test_maxpool_4x4_image_1_to_16_gives_6_8_14_16():
    out = MaxPool2D(pool_size=2)(Tensor(np.arange(1, 17).reshape(1, 4, 4)))
    assert out.shape == (1, 2, 2)
    assert np.allclose(out.data, [[[6, 8], [14, 16]]])


@pytest.mark.parametrize("pool,shape,expected", [
    (2, (3, 8, 8), (3, 4, 4)),
    (3, (1, 9, 9), (1, 3, 3)),
    (2, (16, 26, 26), (16, 13, 13)),
])
def test_maxpool_output_shapes(pool, shape, expected):
    assert MaxPool2D(pool_size=pool)(np.random.randn(*shape)).shape == expected


def test_maxpool_explicit_stride():
    x = np.arange(25, dtype=np.float32).reshape(1, 5, 5)
    np.testing.assert_array_equal(MaxPool2D(3, stride=1)(x)[0], [[12, 13, 14], [17, 18, 19], [22, 23, 24]])


def test_conv_then_pool_gives_4x4x4():
    features = Conv2D(in_channels=1, out_channels=4, kernel_size=3)(Tensor(np.random.randn(1, 10, 10)))
    assert MaxPool2D(pool_size=2)(features).shape == (4, 4, 4)


def test_flatten_facts():
    assert flatten(Tensor(np.array([[1, 2], [3, 4]]))).shape == (4,)
    np.testing.assert_array_equal(flatten(Tensor(np.array([[1, 2], [3, 4]]))).data, [1, 2, 3, 4])
    x3 = Tensor(np.array([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]))
    np.testing.assert_array_equal(flatten(x3).data, [1, 2, 3, 4, 5, 6, 7, 8])
    assert flatten(Tensor(np.random.randn(64, 5, 5))).shape == (1600,)
    np.testing.assert_array_equal(flatten(Tensor(np.arange(24).reshape(2, 3, 4))).data, np.arange(24))
    assert flatten(np.zeros((32, 16, 5, 5)), start_dim=1).shape == (32, 400)


def test_layers_return_the_callers_tensor_type():
    x = StudentTensor(np.random.randn(3, 28, 28))
    y = MaxPool2D(2)(Conv2D(3, 16, 3)(x))
    assert isinstance(y, StudentTensor) and y.shape == (16, 13, 13)
    assert isinstance(flatten(y), StudentTensor)


def test_the_seed_pipeline_shapes():
    # TinyTorch's test_module: Conv(3->16) -> Pool -> Conv(16->32) -> Pool -> flatten, 28x28 RGB.
    x = Tensor(np.random.randn(3, 28, 28))
    x = Conv2D(3, 16, 3)(x)
    assert x.shape == (16, 26, 26)
    x = MaxPool2D(2)(x)
    assert x.shape == (16, 13, 13)
    x = Conv2D(16, 32, 3)(x)
    assert x.shape == (32, 11, 11)
    x = MaxPool2D(2)(x)
    assert x.shape == (32, 5, 5)
    assert flatten(x).shape == (32 * 5 * 5,)


def test_every_variant_agrees_inside_the_layer():
    import convlab
    np.random.seed(1)
    x = np.random.randint(-3, 4, size=(2, 3, 11, 11)).astype(np.float32)
    reference = Conv2D(3, 5, 3, variant="naive")
    reference.weight.data[...] = np.random.randint(-2, 3, size=reference.weight.shape)
    want = reference(x)
    problem = convlab.problem("conv2d", x.shape, reference.weight.shape)
    for v in convlab.variants("conv2d"):
        if not v.supports(problem)[0]:
            continue  # a depthwise branch refuses a 3 -> 5 layer, with its reason
        layer = Conv2D(3, 5, 3, variant=v.name)
        layer.weight = reference.weight
        np.testing.assert_array_equal(layer(x), want, err_msg=v.name)
