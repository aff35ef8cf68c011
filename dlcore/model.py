"""Sequential networks: a list of layers walked forwards, then backwards.

Taught in chapter 5, Backpropagation; saving and loading weights in chapter 9.
"""
import numpy as np

from . import layers as L


class Sequential:
    """Layers applied one after another. Taught in chapter 5, Backpropagation.

    ``model.params`` and ``model.grads`` are flat dicts named "<layer index>.<name>"
    ("0.W", "0.b", "2.W", ...) holding the layers' own arrays, so an optimizer that updates
    ``model.params`` in place trains the layers. ``model[i]`` is the i-th layer.
    """

    def __init__(self, *layers):
        for i, layer in enumerate(layers):
            if not isinstance(layer, L.Layer):
                raise TypeError(f"Sequential expected layers (dlcore.layers.Layer), "
                                f"got {type(layer).__name__} at position {i}")
        if not layers:
            raise ValueError("Sequential expected at least one layer, got none")
        self.layers = list(layers)
        self.training = True

    def forward(self, x):
        """Apply every layer in order: x -> y. Each ``layer(x)`` checks its input."""
        for layer in self.layers:
            x = layer(x)
        return x

    def __call__(self, x):
        return self.forward(x)

    def backward(self, dout, input_grad=True):
        """Backpropagate dout = dL/dy through the layers in reverse; returns dL/dx.

        Each ``layer.backprop`` checks its dout. With ``input_grad=False`` (what training
        uses) the gradient with respect to the input is not computed and None is returned:
        the layers before the first layer with parameters are skipped, and that layer
        computes only its parameter gradients.
        """
        first = 0
        if not input_grad:
            first = next((i for i, layer in enumerate(self.layers) if layer.params), None)
            if first is None:
                return None
        for layer in reversed(self.layers[first + 1:]):
            dout = layer.backprop(dout)
        return self.layers[first].backprop(dout, input_grad=input_grad)

    def _named(self, attribute):
        return {f"{i}.{name}": value for i, layer in enumerate(self.layers)
                for name, value in getattr(layer, attribute).items()}

    @property
    def params(self):
        """Flat dict {"0.W": W, ...} of the layers' parameter arrays (not copies)."""
        return self._named("params")

    @property
    def grads(self):
        """Flat dict of the gradients from the last backward, same keys as ``params``."""
        return self._named("grads")

    @property
    def buffers(self):
        """Flat dict of non-trained state, e.g. "1.running_mean" of a BatchNorm layer."""
        return self._named("buffers")

    def parameters(self):
        """List of the parameter arrays."""
        return list(self.params.values())

    def num_params(self):
        """Number of trainable numbers in the network."""
        return sum(p.size for p in self.params.values())

    def train(self):
        """Training mode for every layer (Dropout drops, BatchNorm uses batch statistics)."""
        self.training = True
        for layer in self.layers:
            layer.train()
        return self

    def eval(self):
        """Evaluation mode for every layer."""
        self.training = False
        for layer in self.layers:
            layer.eval()
        return self

    def predict(self, x, batch_size=1000):
        """Outputs for x in eval mode, computed batch_size rows at a time; the mode is restored."""
        was_training = self.training
        self.eval()
        try:
            return np.concatenate([self.forward(x[i:i + batch_size])
                                   for i in range(0, len(x), batch_size)])
        finally:
            if was_training:
                self.train()

    def state_dict(self):
        """Copies of all parameters and buffers, by name: what ``save`` writes."""
        return {name: value.copy() for name, value in {**self.params, **self.buffers}.items()}

    def load_state_dict(self, state):
        """Copy the arrays of ``state`` into the network (in place, so optimizers keep working).

        The names and shapes must match the network's exactly.
        """
        own = {**self.params, **self.buffers}
        missing = sorted(set(own) - set(state))
        unexpected = sorted(set(state) - set(own))
        if missing or unexpected:
            raise ValueError(f"state does not match the model: missing {missing}, unexpected {unexpected}")
        for name, value in own.items():
            if np.shape(state[name]) != value.shape:
                raise ValueError(f"state[{name!r}] has shape {np.shape(state[name])}, "
                                 f"the model expects {value.shape}")
            np.copyto(value, state[name])
        return self

    def save(self, path):
        """Write parameters and buffers to a .npz file (no pickle)."""
        np.savez(path, **self.state_dict())

    def load(self, path):
        """Read weights written by ``save`` into this network (same architecture)."""
        with np.load(path, allow_pickle=False) as data:
            return self.load_state_dict(dict(data))

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, i):
        return self.layers[i]

    def __repr__(self):
        lines = [f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers)]
        return "Sequential(\n" + "\n".join(lines) + "\n)"


ACTIVATIONS = {"relu": L.ReLU, "sigmoid": L.Sigmoid, "tanh": L.Tanh,
               "leaky_relu": L.LeakyReLU, "elu": L.ELU, "identity": L.Identity}


def mlp(sizes, activation="relu", init="he", rng=None, dropout=0.0, batchnorm=False, dtype=np.float32):
    """A multilayer perceptron: Linear layers of ``sizes`` with activations between them.

    ``mlp([784, 100, 10])`` is Linear(784, 100) -> ReLU -> Linear(100, 10); the output
    stays raw scores (pair it with ``SoftmaxCrossEntropy`` or ``MSELoss``). Each hidden
    block is Linear -> [BatchNorm1d] -> activation -> [Dropout(dropout)]; with BatchNorm
    the hidden Linear layers have no bias (BatchNorm's beta plays its role).
    activation: one of ``ACTIVATIONS``. Taught in chapter 5; options in chapters 7-9.
    """
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"mlp expected at least 2 sizes (inputs, outputs), got {sizes}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"mlp expected activation in {sorted(ACTIVATIONS)}, got {activation!r}")
    rng = np.random.default_rng(rng)  # one generator shared by all layers
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        last = i == len(sizes) - 2
        layers.append(L.Linear(n_in, n_out, bias=last or not batchnorm, init=init, rng=rng, dtype=dtype))
        if last:
            break
        if batchnorm:
            layers.append(L.BatchNorm1d(n_out, dtype=dtype))
        layers.append(ACTIVATIONS[activation]())
        if dropout:
            layers.append(L.Dropout(dropout, rng=rng))
    return Sequential(*layers)
