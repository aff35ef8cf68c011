"""dlcore against PyTorch CPU (and a textbook-style numpy version) on Fashion-MNIST.

    python benchmarks/bench.py                  # the default run, about 5 minutes: results.md
    python benchmarks/bench.py --threads 2 --repeats 5
    python benchmarks/bench.py --nets cnn2 --impls dlcore,torch
    python benchmarks/bench.py --impls dlcore,reference,torch   # with the slow textbook version
    python benchmarks/bench.py --cnn-examples 60000             # whole CNN epochs
    python benchmarks/bench.py --profile cnn2   # dlcore's time per layer in a training step

Every network trains with plain SGD, batch size 100. Every (network, implementation,
threads) triple trains in a fresh process; they run round-robin (all once, then all again,
...) so that a machine whose speed drifts treats them alike. Each run times every training
step (after a few untimed warm-up steps) and reports the median step; the table gives
medians over the repeats.
"""
import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
BATCH_SIZE = 100
WARMUP_STEPS = 10
NETWORKS = {
    "mlp": "MLP 784-100-100-10",
    "cnn": "SimpleConvNet: conv 30x5x5, pool 2, 100, 10",
    "cnn2": "two-conv net: conv 16x5x5 pad 2, pool 2, conv 32x5x5 pad 2, pool 2, 100, 10",
}
LEARNING_RATE = {"mlp": 0.1, "cnn": 0.05, "cnn2": 0.05}  # plain SGD
IMPLEMENTATIONS = {
    "dlcore": "dlcore (float32)",
    "reference": "textbook numpy (float64)",
    "torch": "PyTorch CPU (float32)",
}


# ---------------------------------------------------------------------------- one run (child)

def load(net):
    from dlcore.data import load_fashion_mnist
    flatten = net == "mlp"
    X, y = load_fashion_mnist("train", flatten=flatten)
    X_test, y_test = load_fashion_mnist("test", flatten=flatten)
    return X, y, X_test, y_test


def dlcore_network(net, rng):
    from dlcore import conv, layers, model
    if net == "mlp":
        return model.mlp([784, 100, 100, 10], rng=rng)
    if net == "cnn":
        return model.Sequential(
            conv.Conv2d(1, 30, 5, rng=rng), layers.ReLU(), conv.MaxPool2d(2), conv.Flatten(),
            layers.Linear(4320, 100, rng=rng), layers.ReLU(), layers.Linear(100, 10, rng=rng))
    return model.Sequential(
        conv.Conv2d(1, 16, 5, padding=2, rng=rng), layers.ReLU(), conv.MaxPool2d(2),
        conv.Conv2d(16, 32, 5, padding=2, rng=rng), layers.ReLU(), conv.MaxPool2d(2),
        conv.Flatten(),
        layers.Linear(1568, 100, rng=rng), layers.ReLU(), layers.Linear(100, 10, rng=rng))


def dlcore_trainer(net, seed):
    """An object with .epoch(X, y), .predict(X) and .stamps (the time after each step)."""
    from dlcore import layers, optim, train
    network = dlcore_network(net, np.random.default_rng(seed))
    opt = optim.SGD(lr=LEARNING_RATE[net])
    stamps = []
    trainer = train.Trainer(network, layers.SoftmaxCrossEntropy(), opt, batch_size=BATCH_SIZE,
                            seed=seed, after_step=lambda step, loss: stamps.append(time.perf_counter()))

    class Run:
        model, optimizer = network, opt

        def __init__(self):
            self.stamps = stamps

        def epoch(self, X, y):
            trainer.fit(X, y, epochs=1)

        def predict(self, X):
            return network.predict(X).argmax(axis=1)
    return Run()


def reference_trainer(net, seed):
    import reference_impl as ref
    rng = np.random.default_rng(seed)
    network = {"mlp": ref.mlp, "cnn": ref.cnn, "cnn2": ref.cnn2}[net](rng)
    opt = ref.SGD(LEARNING_RATE[net])

    class Run:
        X32 = X64 = None

        def __init__(self):
            self.stamps = []

        def epoch(self, X, y):
            if X is not self.X32:  # convert once, before the timed epochs
                self.X32, self.X64 = X, X.astype(np.float64)
            for idx in np.array_split(rng.permutation(len(X)), len(X) // BATCH_SIZE):
                ref.train_step(network, opt, self.X64[idx], y[idx])
                self.stamps.append(time.perf_counter())

        def predict(self, X):
            return np.concatenate([network.predict(X[i:i + 1000].astype(np.float64)).argmax(axis=1)
                                   for i in range(0, len(X), 1000)])
    return Run()


def torch_network(net):
    from torch import nn
    if net == "mlp":
        return nn.Sequential(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(),
                             nn.Linear(100, 10))
    if net == "cnn":
        return nn.Sequential(nn.Conv2d(1, 30, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(4320, 100), nn.ReLU(), nn.Linear(100, 10))
    return nn.Sequential(nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(1568, 100), nn.ReLU(), nn.Linear(100, 10))


def torch_trainer(net, seed, threads):
    import torch
    from torch import nn
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    network = torch_network(net)
    for module in network:
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            nn.init.kaiming_normal_(module.weight)   # He normal, as in dlcore
            nn.init.zeros_(module.bias)
    opt = torch.optim.SGD(network.parameters(), lr=LEARNING_RATE[net])
    loss_fn = nn.CrossEntropyLoss()

    class Run:
        def __init__(self):
            self.stamps = []

        def epoch(self, X, y):
            X, y = torch.from_numpy(X), torch.from_numpy(y)
            network.train()
            for idx in torch.randperm(len(X)).split(BATCH_SIZE):
                opt.zero_grad()
                loss_fn(network(X[idx]), y[idx]).backward()
                opt.step()
                self.stamps.append(time.perf_counter())

        def predict(self, X):
            network.eval()
            with torch.no_grad():
                return np.concatenate([network(torch.from_numpy(X[i:i + 1000])).argmax(dim=1).numpy()
                                       for i in range(0, len(X), 1000)])
    return Run()


def reset_peak_memory():
    """Start measuring the peak resident memory afresh (Linux; elsewhere it stays the
    process's peak so far)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def peak_memory_mb():
    """Peak resident set size (ru_maxrss) since reset_peak_memory(), MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_one(impl, net, epochs, examples, threads, test, seed=0):
    """Train one configuration; returns its median time per step, its memory and (when
    ``test``) its accuracy on the test set."""
    X, y, X_test, y_test = load(net)
    X, y = X[:examples], y[:examples]
    run = {"dlcore": lambda: dlcore_trainer(net, seed),
           "reference": lambda: reference_trainer(net, seed),
           "torch": lambda: torch_trainer(net, seed, threads)}[impl]()
    reset_peak_memory()
    before_mb = peak_memory_mb()  # the data set, the libraries and the network
    run.epoch(X[:WARMUP_STEPS * BATCH_SIZE], y[:WARMUP_STEPS * BATCH_SIZE])
    step_ms = []
    for _ in range(epochs):
        run.stamps[:] = [time.perf_counter()]
        run.epoch(X, y)
        step_ms += list(1000 * np.diff(run.stamps))
    peak_mb = peak_memory_mb()
    accuracy = float(np.mean(run.predict(X_test) == y_test)) if test else None
    return {"step_ms": statistics.median(step_ms), "steps": len(step_ms),
            "test_accuracy": accuracy, "peak_mb": peak_mb, "training_mb": peak_mb - before_mb}


def matmul_gflops(n=1024, repeats=20):
    """Best float32 n x n matmul speed of numpy on this machine, GFLOP/s."""
    a = np.random.default_rng(0).random((n, n), dtype=np.float32)
    a @ a
    best = min(_timed(lambda: a @ a) for _ in range(repeats))
    return 2 * n ** 3 / best / 1e9


def _timed(f):
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def layer_times(net, examples=6000):
    """Milliseconds per training step in each dlcore layer's forward and backward and in
    the optimizer, averaged over an epoch of ``examples`` examples (after a warm-up)."""
    X, y, _, _ = load(net)
    run = dlcore_trainer(net, 0)
    run.epoch(X[:1000], y[:1000])
    totals = {}

    def timed(obj, method, label):
        original = getattr(obj, method)

        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            result = original(*args, **kwargs)
            totals[label] = totals.get(label, 0.0) + time.perf_counter() - start
            return result
        setattr(obj, method, wrapper)

    for i, layer in enumerate(run.model.layers):
        timed(layer, "forward", f"{i} {type(layer).__name__} forward")
        timed(layer, "backward", f"{i} {type(layer).__name__} backward")
    timed(run.optimizer, "step", f"{type(run.optimizer).__name__} step")
    start = time.perf_counter()
    run.epoch(X[:examples], y[:examples])
    steps = examples // BATCH_SIZE
    totals["whole step"] = time.perf_counter() - start
    return {label: 1000 * seconds / steps for label, seconds in totals.items()}


# ---------------------------------------------------------------------------- the driver (parent)

def child(args, threads):
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads),
           "MKL_NUM_THREADS": str(threads),
           "PYTHONPATH": os.pathsep.join([str(HERE), str(HERE.parent)])}
    out = subprocess.run([sys.executable, __file__, "--child", *args, "--threads", str(threads)],
                         env=env, capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"bench.py --child {' '.join(args)} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f
                        if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def table(results, gflops, loads, examples):
    """results: {(net, impl, threads): [run, ...]}; gflops: {threads: GFLOP/s};
    examples: {net: training examples per epoch}."""
    speeds = ", ".join(f"{g:.0f} GFLOP/s with {t} thread{'s' * (t > 1)}"
                       for t, g in gflops.items())
    per_epoch = ", ".join(f"{net} {n:,}" for net, n in examples.items())
    lines = ["# Benchmarks: dlcore vs PyTorch CPU", "",
             "Written by `make bench` (`benchmarks/bench.py`). Fashion-MNIST, plain SGD, batch "
             f"size 100; training examples per epoch: {per_epoch}; test accuracy on the 10 000 "
             "test images after the first repeat's run.", "",
             f"Machine: {cpu_name()}, {os.cpu_count()} cores; numpy {np.__version__} float32 "
             f"1024x1024 matmul (the ceiling): **{speeds}**. "
             f"Load average before/after: {loads[0]:.1f} / {loads[1]:.1f}.", "",
             "| network | implementation | threads | ms / step | vs PyTorch | peak memory (MB) "
             "| training memory (MB) | test accuracy | steps x repeats |",
             "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for net in NETWORKS:
        for threads in gflops:
            torch_runs = results.get((net, "torch", threads))
            for impl in IMPLEMENTATIONS:
                runs = results.get((net, impl, threads))
                if not runs:
                    continue
                ms = statistics.median(r["step_ms"] for r in runs)
                ratio = f"{_median_ratio(runs, torch_runs):.2f}x" if torch_runs else "-"
                acc = runs[0]["test_accuracy"]  # measured in the first repeat
                peak = statistics.median(r["peak_mb"] for r in runs)
                training = statistics.median(r["training_mb"] for r in runs)
                lines.append(f"| {NETWORKS[net]} | {IMPLEMENTATIONS[impl]} | {threads} | "
                             f"{ms:.2f} | {ratio} | {peak:.0f} | {training:.0f} | "
                             f"{100 * acc:.1f} % | {runs[0]['steps']} x {len(runs)} |")
    lines += ["", "ms / step: the median over repeats of each run's median training step (one "
              "mini-batch: forward, backward, update); each run is a fresh process, and the runs go "
              "round-robin over the configurations. vs PyTorch: the median over repeats of the "
              "ratio between the runs of one repeat, which ran one after the other. Peak memory: "
              "the process's maximum resident set size (`ru_maxrss`, reset through "
              "`/proc/self/clear_refs` before training) during the training epochs; it includes "
              "the data set, the libraries and the interpreter. Training memory: that peak minus "
              "the resident size just before training, i.e. what training adds (activations, "
              "gradients, im2col matrices, allocator caches). On a shared machine a multi-threaded "
              "run slows down by up to an order of magnitude whenever another process takes a core "
              "(BLAS threads wait for each other): compare implementations through runs that ran "
              "side by side in the list at the end."]
    return "\n".join(lines) + "\n"


def profile_table(profiles, examples=6000):
    """profiles: {(net, threads): {label: ms}}."""
    lines = ["", "## Where dlcore's training step goes", "",
             f"Milliseconds per step (batch of 100) in each layer and in the optimizer, over "
             f"{examples // BATCH_SIZE} steps (`python benchmarks/bench.py --profile cnn2`); the "
             "share is of the whole step, which also holds the loss and the Python between "
             "layers.", ""]
    for (net, threads), times in profiles.items():
        whole = times["whole step"]
        lines += [f"| {NETWORKS[net]}, {threads} thread{'s' * (threads > 1)} | ms / step | share |",
                  "|---|---:|---:|"]
        lines += [f"| {label} | {ms:.2f} | {100 * ms / whole:.0f} % |"
                  for label, ms in times.items()] + [""]
    return "\n".join(lines)


def run_list(runs):
    return "\n".join(["", "## Every run, in the order they ran", "",
                      "| repeat | network | implementation | threads | ms / step | test accuracy |",
                      "|---:|---|---|---:|---:|---:|", *runs]) + "\n"


def _median_ratio(runs, torch_runs):
    """Median over repeats of the time ratio between two runs of the same repeat."""
    return statistics.median(r["step_ms"] / t["step_ms"] for r, t in zip(runs, torch_runs))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--nets", default=",".join(NETWORKS))
    parser.add_argument("--impls", default="dlcore,torch",
                        help="add reference for the textbook numpy version (slow on the CNNs)")
    parser.add_argument("--mlp-epochs", type=int, default=1)
    parser.add_argument("--cnn-epochs", type=int, default=1)
    parser.add_argument("--cnn-examples", type=int, default=4000,
                        help="training examples in a CNN epoch (60000: the whole training set)")
    parser.add_argument("--reference-cnn-epochs", type=int, default=1,
                        help="epochs of the (much slower) textbook CNNs, run in the first repeat only")
    parser.add_argument("--threads", default="1,2",
                        help="threads for numpy and PyTorch; a list such as 1,2 runs each setting")
    parser.add_argument("--out", default=str(HERE / "results.md"))
    parser.add_argument("--profile", choices=list(NETWORKS), help="only print dlcore's time per layer")
    parser.add_argument("--child", nargs=5, metavar=("IMPL", "NET", "EPOCHS", "EXAMPLES", "TEST"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        impl, net, epochs, examples, test = args.child
        if impl == "gflops":
            result = matmul_gflops()
        elif impl == "layers":
            result = layer_times(net)
        else:
            result = run_one(impl, net, int(epochs), int(examples), int(args.threads), test == "1")
        print(json.dumps(result))
        return
    thread_counts = [int(t) for t in args.threads.split(",")]
    if args.profile:
        times = child(["layers", args.profile, "0", "0", "0"], thread_counts[0])
        for label, ms in times.items():
            print(f"{label:24s} {ms:7.2f} ms {100 * ms / times['whole step']:4.0f} %")
        return

    nets, impls = args.nets.split(","), args.impls.split(",")
    examples = {net: 60000 if net == "mlp" else args.cnn_examples for net in nets}
    loads = [os.getloadavg()[0]]
    gflops = {threads: child(["gflops", "-", "0", "0", "0"], threads) for threads in thread_counts}
    results, runs = {}, []
    for repeat in range(args.repeats):
        for net in nets:
            for threads in thread_counts:
                for impl in impls:
                    n_epochs = args.mlp_epochs if net == "mlp" else args.cnn_epochs
                    if impl == "reference" and net != "mlp":
                        if repeat:
                            continue
                        n_epochs = args.reference_cnn_epochs
                    test = "1" if repeat == 0 else "0"  # the accuracy is checked once
                    result = child([impl, net, str(n_epochs), str(examples[net]), test], threads)
                    results.setdefault((net, impl, threads), []).append(result)
                    accuracy = result["test_accuracy"]
                    runs.append(f"| {repeat + 1} | {net} | {impl} | {threads} | "
                                f"{result['step_ms']:.2f} | "
                                f"{'-' if accuracy is None else f'{100 * accuracy:.2f} %'} |")
                    print(runs[-1], flush=True)
    profiles = {(net, threads): child(["layers", net, "0", "0", "0"], threads)
                for net in nets for threads in thread_counts}
    loads.append(os.getloadavg()[0])
    report = table(results, gflops, loads, examples) + profile_table(profiles) + run_list(runs)
    Path(args.out).write_text(report)
    print(report)


if __name__ == "__main__":
    main()
