"""dlcore fails safe: never silently wrong, never loses a file, names every bad input.

Files (atomic saving under injected faults, loading what is not a weights file), silent
wrong gradients, degenerate statistics and targets, schedules and optimizers, numbers.
"""
import errno
import io
import os
import pickle
import signal
import subprocess
import sys
import zipfile

import numpy as np
import numpy.lib.format
import pytest

from dlcore import conv as C
from dlcore import functions as F
from dlcore import init
from dlcore import layers as L
from dlcore import metrics
from dlcore import model as model_module
from dlcore import optim as O
from dlcore._checks import IntegerTypeError, check_int, check_real
from dlcore.grad import gradient_check
from dlcore.model import Sequential, mlp

NAN, INF = float("nan"), float("inf")


def small(seed):
    return mlp([3, 4, 2], rng=np.random.default_rng(seed), batchnorm=True)


def same_weights(a, b):
    return unchanged(a, b.state_dict())


def unchanged(model, state):
    return all(np.array_equal(v, state[k]) for k, v in model.state_dict().items())


# ----------------------------------------------------------------------------- saving: faults

def break_writer(monkeypatch, error, after_arrays=1):
    """np.savez's array writer writes ``after_arrays`` arrays, then some bytes, then raises."""
    original, calls = numpy.lib.format.write_array, []

    def broken(fid, array, *args, **kwargs):
        calls.append(1)
        if len(calls) > after_arrays:
            fid.write(b"\0" * 100)
            raise error
        return original(fid, array, *args, **kwargs)

    monkeypatch.setattr(numpy.lib.format, "write_array", broken)
    return calls


@pytest.mark.parametrize("error", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt(),
                                   RuntimeError("boom"), MemoryError()], ids=lambda e: type(e).__name__)
def test_an_interrupted_save_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch, error):
    good = small(1)
    path = good.save(tmp_path / "weights.npz")
    before = path.read_bytes()
    calls = break_writer(monkeypatch, error)
    with pytest.raises(type(error)):
        small(2).save(path)
    assert len(calls) == 2                                   # it did write, then broke midway
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["weights.npz"]
    monkeypatch.undo()
    assert same_weights(small(3).load(path), good)


def test_an_interrupted_first_save_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(model_module, "_write_npz", lambda file, state: (file.write(b"PK\3\4 half"), 1 / 0))
    with pytest.raises(ZeroDivisionError):
        small(1).save(tmp_path / "new.npz")
    assert list(tmp_path.iterdir()) == []


def test_a_failing_rename_or_fsync_leaves_the_old_file(tmp_path, monkeypatch):
    good = small(1)
    path = good.save(tmp_path / "w.npz")
    for target in ("replace", "fsync"):
        with monkeypatch.context() as patch:
            patch.setattr(os, target, lambda *a: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error")))
            with pytest.raises(OSError, match="I/O error"):
                small(2).save(path)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["w.npz"]
        assert same_weights(small(3).load(path), good)


def test_a_killed_save_leaves_the_old_file_loadable(tmp_path):
    good = small(1)
    path = good.save(tmp_path / "w.npz")
    child = f"""
import os, signal
import numpy.lib.format as fmt
from dlcore.model import mlp
original, calls = fmt.write_array, []
def killed(fid, array, *args, **kwargs):
    calls.append(1)
    if len(calls) == 2:
        fid.write(b"x" * 100)
        fid.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    return original(fid, array, *args, **kwargs)
fmt.write_array = killed
mlp([3, 4, 2], batchnorm=True).save({str(path)!r})
"""
    root = os.path.dirname(os.path.dirname(model_module.__file__))   # this dlcore, wherever the tests run
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, timeout=60, env=env)
    assert done.returncode == -signal.SIGKILL
    assert same_weights(small(3).load(path), good)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "w.npz"]
    assert all(name.startswith(".w.npz.") and name.endswith(".tmp") for name in leftovers)  # named, hidden


def test_saving_a_diverged_model_writes_nothing(tmp_path):
    good = small(1)
    path = good.save(tmp_path / "w.npz")
    bad = small(2)
    bad.params["0.W"][0, 0] = np.nan
    with pytest.raises(ValueError, match=r"Sequential.save: \['0.W'\] hold nan or inf values .*nothing was written"):
        bad.save(path)
    assert same_weights(small(3).load(path), good)


def test_save_and_load_mean_the_same_file(tmp_path):
    model = small(1)
    assert model.save(tmp_path / "w") == tmp_path / "w.npz"           # .npz added, as np.savez does
    assert same_weights(small(2).load(tmp_path / "w"), model)           # ... and load adds it too
    assert same_weights(small(2).load(str(tmp_path / "w.npz")), model)
    assert model.save(str(tmp_path / "run.1")) == tmp_path / "run.1.npz"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.1.npz", "w.npz"]
    (tmp_path / "plain").write_bytes((tmp_path / "w.npz").read_bytes())
    with pytest.raises(FileNotFoundError,
                       match=r"no file .*plain\.npz \(.*plain exists, but weights files end in \.npz\)"):
        small(2).load(tmp_path / "plain")


def test_save_and_load_file_objects():
    buffer = io.BytesIO()
    model = small(1)
    model.save(buffer)
    buffer.seek(0)
    assert same_weights(small(2).load(buffer), model)
    with pytest.raises(ValueError, match="the file object is not a weights file"):
        small(2).load(io.BytesIO(b"hello"))


def test_save_names_a_bad_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"Sequential.save: the folder .*missing of w.npz does not exist"):
        small(1).save(tmp_path / "missing" / "w.npz")
    (tmp_path / "folder.npz").mkdir()
    with pytest.raises(IsADirectoryError, match=r"folder.npz is a folder"):
        small(1).save(tmp_path / "folder.npz")
    with pytest.raises(TypeError, match=r"Sequential.save expected a file name \(str or pathlib.Path\), got int"):
        small(1).save(3)


# ----------------------------------------------------------------------------- loading

def write(path, content):
    if callable(content):
        content(path)
    else:
        path.write_bytes(content)
    return path


def npz_bytes(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def zip_of_text(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.txt", "hi")


def corrupted(path):
    data = bytearray(npz_bytes(**small(1).state_dict()))
    data[300] ^= 0xFF
    path.write_bytes(bytes(data))


BAD_FILES = [
    ("text", b"0.1 0.2 0.3\n" * 20, "it is not a .npz archive"),
    ("empty", b"", "it is empty"),
    ("pickle", pickle.dumps({"0.W": np.zeros((3, 4))}), "it is a Python pickle"),
    ("npy", lambda p: np.save(open(p, "wb"), np.zeros(3)), r"it is a \.npy file"),
    ("truncated", npz_bytes(**small(1).state_dict())[:700], "truncated or damaged"),
    ("corrupted", corrupted, "damaged or truncated"),
    ("objects", lambda p: np.savez(p, **{"0.W": np.array([{}] * 12, dtype=object).reshape(3, 4)}),
     "it holds Python objects instead of arrays of numbers"),
    ("zip of text", lambda p: zip_of_text(p), r"its members \['a.txt'\] are not numpy arrays"),
]


@pytest.mark.parametrize("kind, content, problem", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_loading_what_is_not_a_weights_file_names_the_file_and_the_problem(tmp_path, kind, content, problem):
    model = small(1)
    before = model.state_dict()
    path = write(tmp_path / f"{kind.replace(' ', '_')}.npz", content)
    with pytest.raises(ValueError, match=rf"Sequential.load: .*{path.name} is not a weights file written by "
                                         rf"Sequential.save: .*{problem}") as caught:
        model.load(path)
    assert "allow_pickle" not in str(caught.value) and "pickle=True" not in str(caught.value)
    assert unchanged(model, before)


def test_loading_a_missing_file_or_weights_of_another_model(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"Sequential.load: no file .*nothing\.npz"):
        small(1).load(tmp_path / "nothing")
    mlp([4, 2]).save(tmp_path / "other.npz")
    with pytest.raises(ValueError, match=r"Sequential.load: .*other\.npz does not fit this model: "
                                         r"state does not match the model: missing"):
        small(1).load(tmp_path / "other.npz")


def test_load_state_dict_checks_everything_before_copying_anything():
    model = small(1)
    before = model.state_dict()
    good = small(2).state_dict()
    for name, value, error, message in [
        ("3.W", np.zeros((5, 5)), ValueError, r"state\['3.W'\] has shape \(5, 5\), the model expects \(4, 2\)"),
        ("3.b", np.zeros(2, dtype=np.int64), TypeError, r"state\['3.b'\] must be a floating-point array .*int64"),
        ("3.b", np.zeros(2, dtype=complex), TypeError, "complex128"),
        ("3.b", np.zeros(2, dtype=object), TypeError, "object"),
        ("3.b", np.zeros(2, dtype=bool), TypeError, "bool"),
        ("3.b", "ab", TypeError, "got str"),
        ("3.b", np.array([0.0, np.nan], dtype=np.float32), ValueError,
         r"load_state_dict expected finite values in state\['3.b'\], got 1 nan or inf value$"),
        ("1.running_var", np.array([1, np.nan, np.inf, 1.0]), ValueError, "got 2 nan or inf values"),
    ]:
        state = dict(good)
        state[name] = value
        with pytest.raises(error, match=message):
            model.load_state_dict(state)
        assert unchanged(model, before), name
    with pytest.raises(TypeError, match="load_state_dict expected a dict of arrays"):
        model.load_state_dict(list(good.values()))
    # floats of another precision are fine: float64 or float16 weights into a float32 model
    model.load_state_dict({k: v.astype(np.float64) for k, v in good.items()})
    assert model.params["0.W"].dtype == np.float32 and np.allclose(model.params["0.W"], good["0.W"])
    model.load_state_dict({k: v.astype(np.float16) for k, v in good.items()})


# ----------------------------------------------------------------------------- silent wrong gradients

def test_a_layer_used_twice_in_a_sequential_is_refused():
    lin = L.Linear(3, 3)
    with pytest.raises(ValueError, match=r"Sequential got the same Linear\(3, 3, init='he'\) object at positions "
                                         r"0 and 2: .*gradients would be wrong; create two layers"):
        Sequential(lin, L.ReLU(), lin)
    relu = L.ReLU()
    with pytest.raises(ValueError, match=r"same ReLU\(\) object at positions 1 and 3"):
        Sequential(L.Linear(3, 3), relu, L.Linear(3, 3), relu)
    Sequential(L.Linear(3, 3), L.ReLU(), L.Linear(3, 3), L.ReLU())  # two layers: fine


def test_why_a_shared_layer_is_refused_its_gradients_are_wrong():
    """The bug the check prevents: the second use overwrites the first use's cached input."""
    rng = np.random.default_rng(0)
    lin = L.Linear(3, 3, rng=rng, dtype=np.float64)
    x = rng.normal(size=(4, 3))
    y = lin(L.ReLU()(lin(x)))              # the same maths as Sequential(lin, ReLU(), lin)
    lin.backprop(np.ones_like(y))
    shared = lin.grads["W"].copy()
    first, relu, second = L.Linear(3, 3, dtype=np.float64), L.ReLU(), L.Linear(3, 3, dtype=np.float64)
    for layer in (first, second):
        layer.params["W"][...], layer.params["b"][...] = lin.params["W"], lin.params["b"]
    model = Sequential(first, relu, second)
    model.backward(np.ones_like(model(x)))
    true = model.grads["0.W"] + model.grads["2.W"]
    assert not np.allclose(shared, true)   # one cache, one gradient: wrong by a lot


def test_backward_after_a_prediction_in_between_raises_instead_of_using_its_cache():
    rng = np.random.default_rng(0)
    model = mlp([3, 4, 2], rng=rng, dropout=0.5, dtype=np.float64)
    x = rng.normal(size=(4, 3))
    model(x)
    model.predict(rng.normal(size=(4, 3)))   # eval-mode forward of other data, mode restored
    with pytest.raises(RuntimeError, match=r"call the layer on an input, layer\(x\), before backprop "
                                           r"\(again after train\(\) or eval\(\) changed its mode\)"):
        model.backward(np.ones((4, 2)))
    model(x)
    assert model.backward(np.ones((4, 2))).shape == (4, 3)


def test_backward_after_a_change_of_mode_raises_and_the_same_mode_keeps_the_forward():
    model = mlp([3, 4, 2], rng=np.random.default_rng(0), batchnorm=True)
    model(np.ones((5, 3)))
    model.eval()
    with pytest.raises(RuntimeError, match="changed its mode"):
        model.backward(np.ones((5, 2)))
    model(np.ones((5, 3)))
    model.eval()                             # already in eval mode: the forward is kept
    assert model.backward(np.ones((5, 2))).shape == (5, 3)


def test_a_forward_refused_midway_leaves_no_layer_ready_for_backward():
    rng = np.random.default_rng(0)
    model = Sequential(L.Linear(3, 4, rng=rng), L.ReLU(), L.BatchNorm1d(4), L.Linear(4, 2, rng=rng))
    model(rng.normal(size=(5, 3)))
    with pytest.raises(ValueError, match="more than one value per feature"):
        model(rng.normal(size=(1, 3)))       # layers 0 and 1 saw the new input, 2 and 3 the old one
    with pytest.raises(RuntimeError, match="call the layer on an input"):
        model.backward(np.ones((5, 2)))


def test_a_forward_interrupted_by_ctrl_c_leaves_no_layer_ready_for_backward(monkeypatch):
    model = mlp([3, 4, 2], rng=np.random.default_rng(0))
    model(np.ones((5, 3)))

    def interrupted(x):
        raise KeyboardInterrupt
    monkeypatch.setattr(model[1], "forward", interrupted)
    with pytest.raises(KeyboardInterrupt):
        model(np.ones((5, 3)))
    monkeypatch.undo()
    with pytest.raises(RuntimeError, match="call the layer on an input"):
        model.backward(np.ones((5, 2)))


def test_backprop_twice_gives_the_same_gradients_and_dtypes_follow_the_layer():
    rng = np.random.default_rng(0)
    lin = L.Linear(3, 2, rng=rng, dtype=np.float64)
    lin(rng.normal(size=(4, 3)).astype(np.float32))           # float32 into a float64 layer: float64
    first = lin.backprop(np.ones((4, 2)))
    grads = {k: v.copy() for k, v in lin.grads.items()}
    assert np.array_equal(lin.backprop(np.ones((4, 2))), first)
    assert all(np.array_equal(lin.grads[k], grads[k]) for k in grads)  # overwritten, not accumulated
    assert lin.x.dtype == np.float64
    assert L.Linear(3, 2)(np.ones((1, 3))).dtype == np.float32  # float64 into float32: float32


def test_gradient_check_shows_random_dropout_and_refuses_a_bad_step():
    model = mlp([3, 4, 2], rng=np.random.default_rng(0), dropout=0.5, dtype=np.float64)
    x, y = np.random.default_rng(1).normal(size=(4, 3)), np.ones((4, 2))
    # not silent: a new mask at every call shows as large errors (chapters 5 and 9 show it)
    assert max(gradient_check(model, L.MSELoss(), x, y).values()) > 1e-2
    model[2].eval()
    assert max(gradient_check(model, L.MSELoss(), x, y).values()) < 1e-6
    for h, error in ((0, ValueError), (NAN, ValueError), ("1e-5", TypeError)):
        with pytest.raises(error, match="gradient_check expected h"):
            gradient_check(model, L.MSELoss(), x, y, h=h)


# ----------------------------------------------------------------------------- statistics and targets

@pytest.mark.parametrize("layer, shape", [(L.BatchNorm1d(3), (1, 3)), (L.BatchNorm1d(3), (0, 3)),
                                          (L.BatchNorm2d(3), (1, 3, 1, 1)), (L.BatchNorm2d(3), (0, 3, 4, 4))],
                         ids=["one example", "empty", "one value per channel", "empty images"])
def test_batchnorm_refuses_one_value_per_feature_in_training_and_keeps_its_statistics(layer, shape):
    before = {k: v.copy() for k, v in layer.buffers.items()}
    with pytest.raises(ValueError, match=rf"{type(layer).__name__}\(3, .*\) in training mode expected more than one "
                                         r"value per feature .*use a larger batch, or call eval\(\)"):
        layer(np.ones(shape))
    assert all(np.array_equal(layer.buffers[k], before[k]) for k in before)
    layer.eval()
    assert layer(np.ones(shape)).shape == shape               # running statistics: any batch
    layer.train()


def test_batchnorm_accepts_one_image_with_several_pixels():
    bn = L.BatchNorm2d(2, dtype=np.float64)
    y = bn(np.random.default_rng(0).normal(size=(1, 2, 2, 3)))
    assert np.allclose(y.mean(axis=(0, 2, 3)), 0) and np.isfinite(bn.buffers["running_var"]).all()


def test_bce_targets_must_be_probabilities():
    loss = L.BCEWithLogits()
    for bad in (-1.0, 2.0, 1.0001):
        with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits expected targets y in \[0, 1\]"):
            loss(np.array([[3.0], [1.0]]), np.array([0.0, bad]))
    with pytest.raises(ValueError, match=r"_grad expected targets y in \[0, 1\], got values from 0 to 3"):
        F.binary_cross_entropy_with_logits_grad(np.zeros(2), np.array([0.0, 3.0]))
    assert loss(np.zeros((2, 1)), np.array([0.3, 1.0])) > 0     # soft targets are fine
    assert np.isnan(loss(np.zeros((2, 1)), np.array([0.0, NAN])))  # nan passes: the loss shows it


def test_cross_entropy_target_rows_must_be_distributions():
    z = np.zeros((2, 3))
    for rows, message in [([[1.0, 1, 0], [0, 1, 0]], r"summing to 1 .*got row 0 summing to 2"),
                          ([[1.0, 0, 0], [0, 0, 0]], "got row 1 summing to 0"),
                          ([[1.5, -0.5, 0], [0, 1, 0]], r"entries >= 0 .*got a minimum of -0.5")]:
        for f in (L.SoftmaxCrossEntropy(), lambda a, b: F.cross_entropy(F.softmax(a), b),
                  lambda a, b: F.cross_entropy_grad(a, b, from_logits=True)):
            with pytest.raises(ValueError, match=message):
                f(z, np.array(rows))
    assert L.SoftmaxCrossEntropy()(z, np.array([[0.8, 0.1, 0.1], [0.0, 0.5, 0.5]])) > 0  # soft labels


def test_why_rows_must_sum_to_one_the_famous_gradient_is_wrong_otherwise():
    z, t = np.array([[0.2, -0.1, 0.4]]), np.array([[1.0, 1.0, 0.0]])   # sums to 2
    true = F.softmax(z) * t.sum() - t                                 # d/dz of -sum t log softmax(z)
    assert not np.allclose(F.softmax(z) - t, true)


# ----------------------------------------------------------------------------- schedules and optimizers

@pytest.mark.parametrize("make, message", [
    (lambda: O.StepLR(0.1, 2, gamma=-0.5), r"StepLR expected gamma in \(0, 1\], got -0.5"),
    (lambda: O.StepLR(0.1, 0), r"StepLR expected step_size to be a positive integer, got 0"),
    (lambda: O.StepLR(-0.1, 2), r"StepLR expected lr > 0, got -0.1"),
    (lambda: O.ExponentialLR(0.1, 1.5), r"ExponentialLR expected gamma in \(0, 1\], got 1.5"),
    (lambda: O.ExponentialLR(INF, 0.5), r"ExponentialLR expected lr to be a finite number > 0, got inf"),
    (lambda: O.InverseTimeLR(0.1, -1.0), r"InverseTimeLR expected decay_rate >= 0, got -1.0"),
    (lambda: O.CosineLR(0.1, 0), r"CosineLR expected total to be a positive integer, got 0"),
    (lambda: O.CosineLR(0.1, 10, min_lr=0.2), r"CosineLR expected min_lr in \[0, 0.1\], got 0.2"),
    (lambda: O.WarmupLR(0.1, -1), r"WarmupLR expected warmup to be an integer >= 0, got -1"),
    (lambda: O.WarmupLR(NAN, 2), r"WarmupLR expected after to be a finite number > 0, got nan"),
    (lambda: O.SGD(lr=INF), r"SGD expected lr to be a finite number > 0, got inf"),
    (lambda: O.Adam(eps=NAN), r"Adam expected eps to be a finite number > 0, got nan"),
    (lambda: O.RMSProp(weight_decay=INF), r"RMSProp expected weight_decay to be a finite number >= 0"),
    (lambda: O.clip_grad_norm({"a": np.ones(1)}, INF), r"clip_grad_norm expected max_norm to be a finite number"),
])
def test_schedules_and_optimizers_refuse_bad_settings_at_construction(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_schedules_refuse_a_step_count_that_is_not_an_integer():
    schedule = O.ExponentialLR(0.1, 0.5)
    with pytest.raises(TypeError, match=r"ExponentialLR\(lr=0.1, gamma=0.5\) expected t to be an integer >= 0, "
                                        r"got 1.5 \(float\)"):
        schedule(1.5)
    assert schedule(np.int64(2)) == pytest.approx(0.025)
    assert O.WarmupLR(0.4, 0)(0) == 0.4                        # no warm-up at all


@pytest.mark.parametrize("lr, error, shown", [(NAN, ValueError, "nan"), (INF, ValueError, "inf"),
                                              (-0.1, ValueError, "-0.1"), ("0.1", TypeError, "'0.1'")])
def test_step_refuses_a_learning_rate_set_directly_to_nan_inf_or_negative(lr, error, shown):
    opt, params = O.Adam(lr=0.1), {"x": np.ones(2)}
    opt.lr = lr
    with pytest.raises(error, match=rf"Adam.step expected lr \(the optimizer's lr attribute\) .*got {shown}"):
        opt.step(params, {"x": np.ones(2)})
    assert np.array_equal(params["x"], np.ones(2)) and opt.state == {}


def test_step_refuses_parameters_it_cannot_update_in_place():
    opt = O.SGD(lr=0.1)
    with pytest.raises(TypeError, match=r"updates parameters in place and expected 'x' to be a floating-point "
                                        r"numpy array, got float"):
        opt.step({"x": 1.0}, {"x": np.array(1.0)})            # p -= ... would rebind, silently
    with pytest.raises(TypeError, match="got dtype int64"):
        opt.step({"x": np.array([1, 2])}, {"x": np.ones(2)})
    with pytest.raises(ValueError, match="parameter 'x' is read-only"):
        opt.step({"x": np.broadcast_to(np.ones(1), (2,))}, {"x": np.ones(2)})
    with pytest.raises(TypeError, match="expected gradient 'x' to be a real-valued numpy array, got list"):
        opt.step({"x": np.ones(2)}, {"x": [1.0, 1.0]})
    momentum = O.SGD(lr=0.1, momentum=0.9)
    momentum.step({"w": np.ones(1)}, {"w": np.ones(1)})
    with pytest.raises(ValueError, match=r"parameter 'w' has shape \(3,\), but the optimizer's state for it has "
                                         r"shape \(1,\): use a new optimizer"):
        momentum.step({"w": np.ones(3)}, {"w": np.ones(3)})


# ----------------------------------------------------------------------------- numbers

def test_numpy_scalars_are_numbers_and_bools_are_not():
    assert L.Dropout(np.float32(0.5)).p == 0.5
    assert L.Linear(2, 3, init=np.float64(0.1), rng=0).params["W"].std() > 0
    assert L.Linear(np.int64(2), np.int32(3)).params["W"].shape == (2, 3)
    assert O.SGD(lr=np.float32(0.25), momentum=np.float64(0.5)).lr == 0.25
    assert O.StepLR(np.float64(1.0), np.int16(2), np.float32(0.5))(4) == 0.25
    for make, message in [(lambda: L.Linear(True, 3), r"in_features to be a positive integer, got True \(bool\)"),
                          (lambda: L.Dropout(True), r"Dropout expected a drop probability p to be a real number"),
                          (lambda: O.Adam(beta1=False), r"Adam expected beta1 to be a real number, got False"),
                          (lambda: L.BatchNorm1d(np.True_), r"num_features to be a positive integer, got True")]:
        with pytest.raises(TypeError, match=message):
            make()


def test_integer_type_errors_are_also_value_errors_as_before():
    with pytest.raises(IntegerTypeError) as caught:
        L.Linear(2, 2.5)
    assert isinstance(caught.value, TypeError) and isinstance(caught.value, ValueError)
    with pytest.raises(ValueError, match="stride to be a positive integer, got 1.5"):
        C.Conv2d(1, 1, 3, stride=1.5)


def test_layers_refuse_dtypes_that_are_not_floating_point():
    for make in (lambda d: L.Linear(2, 3, dtype=d), lambda d: L.BatchNorm1d(3, dtype=d),
                 lambda d: mlp([2, 3], dtype=d), lambda d: init.initialize("he", (2, 3), 0, d)):
        for dtype in (np.int32, bool, complex, "foo", None):
            with pytest.raises(TypeError, match=r"expected dtype to be a floating-point type such as np.float32"):
                make(dtype)
    assert L.Linear(2, 3, dtype="float64").params["W"].dtype == np.float64


@pytest.mark.parametrize("make, name", [
    (lambda v: L.LeakyReLU(v), "LeakyReLU expected negative_slope"), (lambda v: L.ELU(v), "ELU expected alpha"),
    (lambda v: L.BatchNorm1d(2, eps=v), "BatchNorm1d expected eps"),
    (lambda v: L.BatchNorm2d(2, momentum=v), "BatchNorm2d expected momentum"),
    (lambda v: L.HuberLoss(v), "HuberLoss expected delta"), (lambda v: L.Dropout(v), "Dropout expected"),
    (lambda v: O.SGD(momentum=v), "SGD expected momentum"), (lambda v: O.SGD(l1=v), "SGD expected l1"),
    (lambda v: O.Adam(beta2=v), "Adam expected beta2"), (lambda v: O.RMSProp(rho=v), "RMSProp expected rho"),
    (lambda v: O.AdaGrad(eps=v), "AdaGrad expected eps"),
    (lambda v: O.clip_grad_norm({"a": np.ones(1)}, v), "clip_grad_norm expected max_norm"),
    (lambda v: F.leaky_relu(np.ones(2), v), "leaky_relu expected negative_slope"),
    (lambda v: F.huber(np.ones(2), np.ones(2), v), "huber expected delta"),
    (lambda v: F.cross_entropy(np.full((1, 2), 0.5), np.array([0]), eps=v), "cross_entropy expected eps"),
    (lambda v: init.normal((2,), 0, std=v), "normal expected std"),
    (lambda v: init.constant((2,), value=v), "constant expected value"),
    (lambda v: L.Linear(2, 2, init=v), "initialize expected init"),
])
@pytest.mark.parametrize("value", [NAN, INF, -INF])
def test_nan_and_inf_settings_are_refused_everywhere(make, name, value):
    with pytest.raises(ValueError, match=rf"{name}.*(finite|, got -?inf|, got nan)"):
        make(value)


def test_the_vocabulary_of_checks():
    assert check_int("o", "n", np.int8(3), low=1, high=3) == 3
    assert check_real("o", "x", np.float16(0.5), low=0, high=1) == 0.5
    assert check_real("o", "x", np.array(2.0)) == 2.0
    with pytest.raises(ValueError, match=r"o expected x in \(0, 1\], got 0"):
        check_real("o", "x", 0, low=0, high=1, low_open=True)
    with pytest.raises(ValueError, match=r"o expected n to be an integer in \[1, 3\], got 4"):
        check_int("o", "n", 4, low=1, high=3)
    with pytest.raises(TypeError, match=r"o expected n to be an integer, got 2.0 \(float\)"):
        check_int("o", "n", 2.0)
    with pytest.raises(TypeError, match=r"^alpha must be a real number, got str 'a'$"):  # the explorers' form
        check_real("alpha", "a")
    with pytest.raises(ValueError, match=r"^alpha must be finite, got inf$"):
        check_real("alpha", INF)
    with pytest.raises(ValueError, match=r"^alpha must be >= 0, got -1$"):
        check_real("alpha", -1, low=0)


def test_metrics_and_one_hot_check_their_counts():
    with pytest.raises(ValueError, match="confusion_matrix expected num_classes to be a positive integer, got 0"):
        metrics.confusion_matrix(np.array([], dtype=int), np.array([], dtype=int), 0)
    with pytest.raises(TypeError, match="most_confused expected k to be an integer >= 0, got 1.5"):
        metrics.most_confused(np.eye(2, dtype=int), k=1.5)
    with pytest.raises(TypeError, match="most_confused expected a matrix of integer counts, got dtype float64"):
        metrics.most_confused(np.array([[0.9, 0.1], [0.3, 0.7]]))  # rates would be truncated to 0 counts
    with pytest.raises(ValueError, match="one_hot expected num_classes to be a positive integer, got 0"):
        F.one_hot(np.array([], dtype=int), 0)


def test_predict_checks_its_batch_and_handles_an_empty_one():
    model = mlp([2, 4], rng=np.random.default_rng(0))
    assert model.predict(np.zeros((0, 2))).shape == (0, 4)
    with pytest.raises(ValueError, match="Sequential.predict expected batch_size to be a positive integer, got 0"):
        model.predict(np.zeros((3, 2)), batch_size=0)
    with pytest.raises(ValueError, match=r"Sequential.predict expected a batch x of shape \(N, ...\), got a scalar"):
        model.predict(1.0)


def test_mlp_checks_its_settings():
    with pytest.raises(TypeError, match=r"mlp expected sizes to be a list of layer sizes such as \[784, 100, 10\]"):
        mlp(784)
    with pytest.raises(ValueError, match="mlp expected activation in"):
        mlp([2, 3], activation=["relu"])
    with pytest.raises(TypeError, match="mlp expected batchnorm to be True or False, got 'yes'"):
        mlp([2, 3, 2], batchnorm="yes")
    with pytest.raises(ValueError, match=r"Linear expected rng to be a numpy.random.Generator, an integer seed >= 0"):
        L.Linear(2, 2, rng=-1)


def test_initializers_check_shapes_and_returned_weights():
    with pytest.raises(ValueError, match=r"fans expected shape\[0\] to be a positive integer, got 0"):
        init.he_normal((0, 3), 0)
    with pytest.raises(ValueError, match=r"uniform expected low < high, got low=1.0, high=-1.0"):
        init.uniform((2,), 0, low=1, high=-1)
    with pytest.raises(TypeError, match=r"init function returned an array of dtype complex128, expected real"):
        L.Linear(2, 2, init=lambda shape, rng: np.ones(shape, complex))
    with pytest.raises(ValueError, match="init function returned nan or inf values"):
        L.Linear(2, 2, init=lambda shape, rng: np.full(shape, np.nan))
    with pytest.raises(TypeError,
                       match=r"initialize expected init to be a name from \[.*\], a std \(float\) or a function"):
        L.Linear(2, 2, init=True)
    with pytest.raises(ValueError, match=r"initialize expected init \(a std\) >= 0, got -0.1"):
        L.Linear(2, 2, init=-0.1)

