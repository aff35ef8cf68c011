"""Sequential networks: a list of layers walked forwards, then backwards.

Taught in chapter 5, Backpropagation; saving and loading weights in chapter 9.

Weights files are .npz archives of numbers (no pickle). ``save(path)`` and ``load(path)``
mean the same file: both add ".npz" to a name that does not end with it, as ``np.savez``
does, so ``save("w")`` and ``load("w")`` both use ``w.npz``. Saving is atomic: the arrays
go to a temporary file in the same folder, which replaces the old file only once it is
complete and on disk, so a full disk, Ctrl-C or a crash midway leaves the old file intact.
"""
import os
import secrets
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from . import conv as C
from . import layers as L
from ._checks import check_bool, check_finite, check_rng, check_size


class Sequential:
    """Layers applied one after another. Taught in chapter 5, Backpropagation.

    ``model.params`` and ``model.grads`` are flat dicts named "<layer index>.<name>"
    ("0.W", "0.b", "2.W", ...) holding the layers' own arrays, so an optimizer that updates
    ``model.params`` in place trains the layers. ``model[i]`` is the i-th layer.
    """

    def __init__(self, *layers):
        first_position = {}
        for i, layer in enumerate(layers):
            if not isinstance(layer, L.Layer):
                raise TypeError(f"Sequential expected layers (dlcore.layers.Layer), "
                                f"got {type(layer).__name__} at position {i}")
            if id(layer) in first_position:
                raise ValueError(
                    f"Sequential got the same {layer!r} object at positions {first_position[id(layer)]} "
                    f"and {i}: a layer remembers only its last input, so backward would use the wrong "
                    f"one and the gradients would be wrong; create two layers")
            first_position[id(layer)] = i
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
        """``model(x)``: ``forward(x)``. When a layer refuses its input (or Ctrl-C stops the
        pass midway), no layer is left ready for backward: the layers before it have the new
        input, those after it the old one, and backward would mix them."""
        try:
            return self.forward(x)
        except BaseException:
            for layer in self.layers:
                layer.out_shape = None
            raise

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
        """Outputs for x in eval mode, computed batch_size rows at a time; the mode is restored.

        Changing the mode forgets the last forward: call the model again before backward."""
        batch_size = check_size("Sequential.predict", "batch_size", batch_size)
        x = np.asarray(x)
        if x.ndim == 0:
            raise ValueError("Sequential.predict expected a batch x of shape (N, ...), got a scalar")
        was_training = self.training
        self.eval()
        try:
            return np.concatenate([self.forward(x[i:i + batch_size])
                                   for i in range(0, max(len(x), 1), batch_size)])
        finally:
            if was_training:
                self.train()

    def state_dict(self):
        """Copies of all parameters and buffers, by name: what ``save`` writes."""
        return {name: value.copy() for name, value in {**self.params, **self.buffers}.items()}

    def load_state_dict(self, state):
        """Copy the arrays of ``state`` into the network (in place, so optimizers keep working).

        The names and shapes must match the network's exactly; the values must be finite
        floating-point arrays (of any precision: float64 weights load into a float32 model;
        integer, bool, complex and object arrays are refused). Everything is checked before
        anything is copied: a bad state leaves the model as it was.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict expected a dict of arrays (from state_dict()), "
                            f"got {type(state).__name__}")
        own = {**self.params, **self.buffers}
        missing = sorted(set(own) - set(state))
        unexpected = sorted(set(state) - set(own))
        if missing or unexpected:
            raise ValueError(f"state does not match the model: missing {missing}, unexpected {unexpected}")
        arrays = {}
        for name, value in own.items():
            new = state[name]
            if not isinstance(new, np.ndarray):
                new = np.asarray(new) if isinstance(new, (list, tuple, float, np.generic)) else None
            if new is None or not np.issubdtype(new.dtype, np.floating):
                got = type(state[name]).__name__ if new is None else f"dtype {new.dtype}"
                raise TypeError(f"state[{name!r}] must be a floating-point array (the model holds "
                                f"{value.dtype}), got {got}")
            if new.shape != value.shape:
                raise ValueError(f"state[{name!r}] has shape {new.shape}, the model expects {value.shape}")
            check_finite("load_state_dict", new, f"values in state[{name!r}]")
            arrays[name] = new
        for name, value in own.items():
            np.copyto(value, arrays[name])
        return self

    def save(self, path):
        """Write parameters and buffers to a .npz file (no pickle); returns its path.

        ".npz" is added to a name without it (``load`` does the same). The file is written
        atomically: a temporary file in the same folder, flushed to disk, then renamed over
        ``path``; if anything goes wrong the old file stays as it was and the temporary file
        is removed (only a killed process can leave one, named ``.<name>.<random>.tmp``).
        A file object (``io.BytesIO``) is written to directly.
        """
        state = self.state_dict()
        diverged = [name for name, value in state.items() if not np.all(np.isfinite(value))]
        if diverged:
            raise ValueError(f"Sequential.save: {diverged} hold nan or inf values (did training diverge?); "
                             "nothing was written")
        if hasattr(path, "write"):
            np.savez(path, **state)
            return path
        path = _weights_path("Sequential.save", path)
        if path.is_dir():
            raise IsADirectoryError(f"Sequential.save: {path} is a folder, expected a file name")
        folder = path.parent
        if not folder.is_dir():
            raise FileNotFoundError(f"Sequential.save: the folder {folder} of {path.name} does not exist")
        temporary = folder / f".{path.name}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            with open(fd, "wb") as file:
                _write_npz(file, state)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        _sync_folder(folder)
        return path

    def load(self, path):
        """Read weights written by ``save`` into this network (same architecture).

        ".npz" is added to a name without it, as ``save`` does. A file that is not a weights
        file (text, a pickle, a damaged or truncated archive, Python objects instead of
        numbers) raises a ValueError naming the file and the problem; a model that does not
        match raises before anything is copied.
        """
        if hasattr(path, "read"):
            source, name = path, getattr(path, "name", "the file object")
        else:
            source = name = _weights_path("Sequential.load", path)
            if not source.is_file():
                hint = f" ({path} exists, but weights files end in .npz)" if Path(path).is_file() else ""
                raise FileNotFoundError(f"Sequential.load: no file {source}{hint}")
        state = _read_npz(source, name)
        try:
            return self.load_state_dict(state)
        except (TypeError, ValueError) as error:
            raise type(error)(f"Sequential.load: {name} does not fit this model: {error}") from None

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, i):
        return self.layers[i]

    def __repr__(self):
        lines = [f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers)]
        return "Sequential(\n" + "\n".join(lines) + "\n)"


def _weights_path(owner, path):
    """The path of a weights file: ``path`` with ".npz" added unless it ends with it."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{owner} expected a file name (str or pathlib.Path), got {type(path).__name__}")
    path = Path(path)
    return path if path.name.endswith(".npz") else path.with_name(path.name + ".npz")


def _write_npz(file, state):
    """The archive of ``np.savez``, written to an open file (a seam that tests interrupt)."""
    np.savez(file, **state)


def _sync_folder(folder):
    """Flush the folder's entry of the renamed file to disk (POSIX; a no-op elsewhere)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _read_npz(source, name):
    """{name: array} of a weights file, or a ValueError saying what the file is instead."""
    try:
        if hasattr(source, "read"):
            start = source.tell()
            head = source.read(4)
            source.seek(start)
        else:
            with open(source, "rb") as file:
                head = file.read(4)
        if head != b"PK\x03\x04":
            problem = ("it is empty" if not head else
                       "it is a Python pickle, not a .npz archive" if head[:1] == b"\x80" else
                       "it is a .npy file (one array), not a .npz archive" if head == b"\x93NUM" else
                       "it is not a .npz archive (text or another format)")
        elif not zipfile.is_zipfile(source):
            problem = "it is a truncated or damaged .npz archive"
        else:
            if hasattr(source, "seek"):
                source.seek(start)
            with np.load(source, allow_pickle=False) as data:
                state = {key: data[key] for key in data.files}
            strange = [key for key, value in state.items() if not isinstance(value, np.ndarray)]
            if not strange:
                return state
            problem = f"its members {strange} are not numpy arrays"
    except ValueError as error:  # numpy: "Object arrays cannot be loaded when allow_pickle=False"
        problem = ("it holds Python objects instead of arrays of numbers" if "allow_pickle" in str(error)
                   else f"it is damaged ({error})")
    except (OSError, EOFError, KeyError, zipfile.BadZipFile) as error:
        problem = f"it is damaged or truncated ({type(error).__name__}: {error})"
    raise ValueError(f"Sequential.load: {name} is not a weights file written by Sequential.save: {problem}")


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
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
        raise TypeError(f"mlp expected sizes to be a list of layer sizes such as [784, 100, 10], got {sizes!r}")
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"mlp expected at least 2 sizes (inputs, outputs), got {sizes}")
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(f"mlp expected activation in {sorted(ACTIVATIONS)}, got {activation!r}")
    batchnorm = check_bool("mlp", "batchnorm", batchnorm)
    rng = check_rng("mlp", rng)  # one generator shared by all layers
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


FASHION_CNN_WEIGHTS = Path(__file__).resolve().parent / "pretrained" / "cnn_fashion.npz"


def fashion_cnn(rng=None, dtype=np.float32):
    """Chapter 10's CNN for (N, 1, 28, 28) Fashion-MNIST images -> (N, 10) class scores.

    conv 16x5x5 (pad 2) -> ReLU -> max pool 2 -> conv 32x3x3 (pad 1) -> ReLU -> max pool 2
    -> flatten (32*7*7 = 1568) -> linear 100 -> ReLU -> linear 10.
    ``book/models/train_cnn.py`` trains it and saves the weights to ``FASHION_CNN_WEIGHTS``
    (shipped with dlcore, so ``pip install`` brings them along):
    ``fashion_cnn().load(FASHION_CNN_WEIGHTS)``.
    """
    rng = np.random.default_rng(rng)
    return Sequential(
        C.Conv2d(1, 16, 5, padding=2, rng=rng, dtype=dtype), L.ReLU(), C.MaxPool2d(2),
        C.Conv2d(16, 32, 3, padding=1, rng=rng, dtype=dtype), L.ReLU(), C.MaxPool2d(2),
        C.Flatten(),
        L.Linear(32 * 7 * 7, 100, rng=rng, dtype=dtype), L.ReLU(),
        L.Linear(100, 10, rng=rng, dtype=dtype))
