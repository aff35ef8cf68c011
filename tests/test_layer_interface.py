"""Every Layer subclass of dlcore honours the layer interface of CONTRIBUTING.md.

The subclasses are found, not listed: a new layer without an entry in EXAMPLES fails
``test_every_layer_has_an_example``, so the interface tests cover it from its first day.
"""
import inspect

import numpy as np
import pytest

import dlcore.conv
import dlcore.layers
from dlcore import conv as C
from dlcore import layers as L
from dlcore_checks import assert_gradients_match


def dlcore_layer_classes():
    """Every concrete subclass of Layer defined in a dlcore module (not private bases)."""
    found, todo = set(), [L.Layer]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("dlcore.") and not sub.__name__.startswith("_"):
                found.add(sub)
    return sorted(found, key=lambda c: (c.__module__, c.__name__))


# class -> (make the layer in float64, input shape)
EXAMPLES = {
    L.Linear: (lambda rng: L.Linear(4, 3, rng=rng, dtype=np.float64), (5, 4)),
    L.ReLU: (lambda rng: L.ReLU(), (3, 4)),
    L.Sigmoid: (lambda rng: L.Sigmoid(), (3, 2, 2)),
    L.Tanh: (lambda rng: L.Tanh(), (2, 5)),
    L.LeakyReLU: (lambda rng: L.LeakyReLU(0.2), (4, 3)),
    L.ELU: (lambda rng: L.ELU(0.7), (4, 3)),
    L.Identity: (lambda rng: L.Identity(), (2, 3)),
    L.Softmax: (lambda rng: L.Softmax(), (3, 4)),
    L.Dropout: (lambda rng: L.Dropout(0.0, rng=rng), (4, 3)),
    L.BatchNorm1d: (lambda rng: L.BatchNorm1d(3, dtype=np.float64), (6, 3)),
    L.BatchNorm2d: (lambda rng: L.BatchNorm2d(2, dtype=np.float64), (2, 2, 3, 3)),
    C.Conv2d: (lambda rng: C.Conv2d(2, 3, (3, 2), stride=1, padding=1, rng=rng, dtype=np.float64), (2, 2, 4, 5)),
    C.MaxPool2d: (lambda rng: C.MaxPool2d((2, 3), stride=1), (2, 2, 4, 5)),
    C.AvgPool2d: (lambda rng: C.AvgPool2d((3, 2), stride=2), (2, 2, 5, 6)),
    C.Flatten: (lambda rng: C.Flatten(), (2, 3, 2, 2)),
}

CLASSES = dlcore_layer_classes()


def make(cls, seed=0):
    factory, shape = EXAMPLES[cls]
    rng = np.random.default_rng(seed)
    layer = factory(rng)
    for name, p in layer.params.items():  # nonzero biases and scales: a gradient of zero proves little
        p[...] = rng.normal(size=p.shape) if name != "gamma" else rng.uniform(0.5, 2.0, size=p.shape)
    x = rng.normal(size=shape)
    x[np.abs(x) < 1e-2] = 0.5  # off the kinks of ReLU-like functions
    return layer, x, rng


def test_the_search_finds_the_layers_of_both_modules():
    names = {c.__name__ for c in CLASSES}
    assert {"Linear", "ReLU", "BatchNorm2d", "Conv2d", "MaxPool2d", "Flatten"} <= names
    assert all(inspect.getmodule(c) in (dlcore.layers, dlcore.conv) for c in CLASSES)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_layer_has_an_example(cls):
    assert cls in EXAMPLES, f"add {cls.__name__} to EXAMPLES in {__file__} (a factory and an input shape)"


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_layer_honours_the_interface(cls):
    layer, x, rng = make(cls)
    assert set(layer.params) == set(layer.grads)
    y = layer(x)                                             # callable on a valid input
    assert isinstance(y, np.ndarray) and layer.out_shape == y.shape
    dout = rng.normal(size=y.shape)
    before = dout.copy()
    dx = layer.backprop(dout)                                # input_grad=True: dx of x's shape
    assert np.array_equal(dout, before), "backward mutated dout"
    assert isinstance(dx, np.ndarray) and dx.shape == x.shape
    for name, p in layer.params.items():                     # grads: the params' keys and shapes
        assert layer.grads[name].shape == p.shape, name
    grads = {name: g.copy() for name, g in layer.grads.items()}
    again = layer.backprop(dout)                             # twice: the same, nothing accumulates
    assert np.array_equal(again, dx)
    for name, g in layer.grads.items():
        assert np.array_equal(g, grads[name]), name
    layer(x)
    skipped = layer.backprop(dout, input_grad=False)         # input_grad=False: None or dx, no error
    assert np.array_equal(dout, before), "backward mutated dout"
    assert skipped is None or np.allclose(skipped, dx)
    for name, g in layer.grads.items():
        assert np.allclose(g, grads[name]), name


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_layer_backward_matches_numerical_gradients(cls):
    layer, x, rng = make(cls, seed=1)
    assert_gradients_match(layer, x, rng)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_layer_checks_its_input_and_dout(cls):
    layer, x, rng = make(cls, seed=2)
    with pytest.raises(RuntimeError, match="call the layer on an input"):
        layer.backprop(np.ones(3))
    with pytest.raises(TypeError, match=r"expected x to be a real-valued array, got dtype <U1"):
        layer(np.full(x.shape, "a"))
    y = layer(x)
    with pytest.raises(ValueError, match=r"\.backprop expected dout of shape"):
        layer.backprop(np.ones(y.shape + (1,)))
    with pytest.raises(TypeError, match=r"\.backprop expected dout to be a real-valued array"):
        layer.backprop(np.full(y.shape, "a"))
    layer.eval()                                            # a change of mode forgets the forward
    with pytest.raises(RuntimeError, match=r"again after train\(\) or eval\(\) changed its mode"):
        layer.backprop(np.ones(y.shape))
    layer(x)
    layer.eval()                                            # no change of mode: the forward stays
    assert layer.backprop(np.ones(layer.out_shape)).shape == x.shape


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_layer_keeps_float64_and_converts_integers(cls):
    layer, x, _ = make(cls, seed=3)
    assert layer(x).dtype == np.float64
    assert np.issubdtype(layer(np.round(x * 3).astype(np.int64)).dtype, np.floating)
