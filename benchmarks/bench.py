"""dlcore against PyTorch CPU and a textbook-style numpy version, on Fashion-MNIST.

    python benchmarks/bench.py                 # everything, writes benchmarks/results.md
    python benchmarks/bench.py --threads 1,2   # each configuration with 1 and with 2 threads
    python benchmarks/bench.py --repeats 1 --nets mlp --impls dlcore,torch
    python benchmarks/bench.py --profile cnn   # dlcore's time per layer in a CNN step

Every (network, implementation, threads) triple trains in a fresh process; they run round-robin
(all pairs once, then all again, ...) so that a machine whose speed drifts treats them
alike, and the table reports medians over the repeats.
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
NETWORKS = {
    "mlp": "MLP 784-100-100-10, SGD lr 0.1",
    "cnn": "CNN conv 30x5x5 - ReLU - maxpool 2 - 100 - 10, Adam lr 1e-3",
}
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


def dlcore_trainer(net, seed):
    """An object with .epoch(X, y) and .predict(X) for dlcore."""
    from dlcore import conv, layers, model, optim, train
    rng = np.random.default_rng(seed)
    if net == "mlp":
        network = model.mlp([784, 100, 100, 10], rng=rng)
        opt = optim.SGD(lr=0.1)
    else:
        network = model.Sequential(conv.Conv2d(1, 30, 5, rng=rng), layers.ReLU(), conv.MaxPool2d(2), conv.Flatten(),
                                layers.Linear(4320, 100, rng=rng), layers.ReLU(), layers.Linear(100, 10, rng=rng))
        opt = optim.Adam(lr=1e-3)
    trainer = train.Trainer(network, layers.SoftmaxCrossEntropy(), opt, batch_size=BATCH_SIZE, seed=seed)

    class Run:
        model, optimizer = network, opt

        def epoch(self, X, y):
            trainer.fit(X, y, epochs=1)

        def predict(self, X):
            return network.predict(X).argmax(axis=1)
    return Run()


def reference_trainer(net, seed):
    import reference_impl as ref
    rng = np.random.default_rng(seed)
    network = ref.mlp(rng) if net == "mlp" else ref.cnn(rng)
    opt = ref.SGD(0.1) if net == "mlp" else ref.Adam(1e-3)

    class Run:
        X32 = X64 = None

        def epoch(self, X, y):
            if X is not self.X32:  # convert once, outside later epochs' timings
                self.X32, self.X64 = X, X.astype(np.float64)
            for idx in np.array_split(rng.permutation(len(X)), len(X) // BATCH_SIZE):
                ref.train_step(network, opt, self.X64[idx], y[idx])

        def predict(self, X):
            return np.concatenate([network.predict(X[i:i + 1000].astype(np.float64)).argmax(axis=1)
                                   for i in range(0, len(X), 1000)])
    return Run()


def torch_trainer(net, seed, threads):
    import torch
    from torch import nn
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    if net == "mlp":
        network = nn.Sequential(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(), nn.Linear(100, 10))
    else:
        network = nn.Sequential(nn.Conv2d(1, 30, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                nn.Linear(4320, 100), nn.ReLU(), nn.Linear(100, 10))
    for module in network:
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            nn.init.kaiming_normal_(module.weight)   # He normal, as in dlcore
            nn.init.zeros_(module.bias)
    opt = torch.optim.SGD(network.parameters(), lr=0.1) if net == "mlp" else torch.optim.Adam(network.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    class Run:
        def epoch(self, X, y):
            X, y = torch.from_numpy(X), torch.from_numpy(y)
            network.train()
            for idx in torch.randperm(len(X)).split(BATCH_SIZE):
                opt.zero_grad()
                loss_fn(network(X[idx]), y[idx]).backward()
                opt.step()

        def predict(self, X):
            network.eval()
            with torch.no_grad():
                return network(torch.from_numpy(X)).argmax(dim=1).numpy()
    return Run()


def run_one(impl, net, epochs, threads, seed=0):
    """Train one configuration; returns its timings, accuracy and peak memory."""
    X, y, X_test, y_test = load(net)
    run = {"dlcore": lambda: dlcore_trainer(net, seed), "reference": lambda: reference_trainer(net, seed),
           "torch": lambda: torch_trainer(net, seed, threads)}[impl]()
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        run.epoch(X, y)
        seconds.append(time.perf_counter() - start)
    accuracy = float(np.mean(run.predict(X_test) == y_test))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"epoch_seconds": seconds, "test_accuracy": accuracy, "peak_mb": peak_mb}


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
           "MKL_NUM_THREADS": str(threads), "PYTHONPATH": os.pathsep.join([str(HERE), str(HERE.parent)])}
    out = subprocess.run([sys.executable, __file__, "--child", *args, "--threads", str(threads)],
                         env=env, capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"bench.py --child {' '.join(args)} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def table(results, gflops, loads):
    """results: {(net, impl, threads): [run, ...]}; gflops: {threads: GFLOP/s}."""
    speeds = ", ".join(f"{g:.0f} GFLOP/s with {t} thread{'s' * (t > 1)}" for t, g in gflops.items())
    lines = ["# Benchmarks: dlcore vs PyTorch CPU", "",
             "Written by `make bench` (`benchmarks/bench.py`). Fashion-MNIST, batch size 100, "
             "60 000 training examples per epoch, test accuracy on the 10 000 test images after the run.", "",
             f"Machine: {cpu_name()}, {os.cpu_count()} cores; numpy {np.__version__} float32 1024x1024 matmul "
             f"(the ceiling): **{speeds}**. Load average before/after: {loads[0]:.1f} / {loads[1]:.1f}.", "",
             "| network | implementation | threads | s / epoch | vs PyTorch | samples / s | peak memory (MB) "
             "| test accuracy | epochs x repeats |",
             "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for net in NETWORKS:
        for threads in gflops:
            torch_time = _median_epoch(results.get((net, "torch", threads)))
            for impl in IMPLEMENTATIONS:
                runs = results.get((net, impl, threads))
                if not runs:
                    continue
                t = _median_epoch(runs)
                ratio = f"{t / torch_time:.2f}x" if torch_time else "-"
                acc = statistics.median(r["test_accuracy"] for r in runs)
                mem = statistics.median(r["peak_mb"] for r in runs)
                lines.append(f"| {NETWORKS[net]} | {IMPLEMENTATIONS[impl]} | {threads} | {t:.2f} | {ratio} | "
                             f"{60000 / t:,.0f} | {mem:.0f} | {100 * acc:.1f} % | "
                             f"{len(runs[0]['epoch_seconds'])} x {len(runs)} |")
    lines += ["", "s / epoch: the median over repeats of each run's median epoch; each run is a fresh process, "
              "and the runs go round-robin over the configurations. Peak memory is the process's maximum "
              "resident set size (it includes the data set and the libraries). On a shared machine a "
              "multi-threaded run slows down by up to an order of magnitude whenever another process "
              "takes a core (BLAS threads wait for each other): compare implementations through runs "
              "that ran side by side in the list at the end."]
    return "\n".join(lines) + "\n"


def profile_table(profiles):
    """profiles: {(net, threads): {label: ms}}."""
    lines = ["", "## Where dlcore's training step goes", "",
             "Milliseconds per step (batch of 100) in each layer and in the optimizer, over 60 steps "
             "(`python benchmarks/bench.py --profile cnn`).", ""]
    for (net, threads), times in profiles.items():
        lines += [f"| {NETWORKS[net]}, {threads} thread{'s' * (threads > 1)} | ms / step |", "|---|---:|"]
        lines += [f"| {label} | {ms:.2f} |" for label, ms in times.items()] + [""]
    return "\n".join(lines)


def run_list(runs):
    return "\n".join(["", "## Every run, in the order they ran", "",
                      "| repeat | network | implementation | threads | s / epoch | test accuracy |",
                      "|---:|---|---|---:|---:|---:|", *runs]) + "\n"


def _median_epoch(runs):
    return statistics.median(statistics.median(r["epoch_seconds"]) for r in runs) if runs else None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--nets", default="mlp,cnn")
    parser.add_argument("--impls", default="dlcore,reference,torch")
    parser.add_argument("--mlp-epochs", type=int, default=5)
    parser.add_argument("--cnn-epochs", type=int, default=2)
    parser.add_argument("--reference-cnn-epochs", type=int, default=1,
                        help="epochs of the (much slower) textbook CNN, which runs in the first repeat only")
    parser.add_argument("--threads", default=str(os.cpu_count()),
                        help="threads for numpy and PyTorch; a list such as 1,2 runs each setting")
    parser.add_argument("--out", default=str(HERE / "results.md"))
    parser.add_argument("--profile", choices=list(NETWORKS), help="only print dlcore's time per layer")
    parser.add_argument("--child", nargs=3, metavar=("IMPL", "NET", "EPOCHS"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        impl, net, epochs = args.child
        if impl == "gflops":
            result = matmul_gflops()
        elif impl == "layers":
            result = layer_times(net)
        else:
            result = run_one(impl, net, int(epochs), int(args.threads))
        print(json.dumps(result))
        return
    thread_counts = [int(t) for t in args.threads.split(",")]
    if args.profile:
        for label, ms in child(["layers", args.profile, "0"], thread_counts[0]).items():
            print(f"{label:24s} {ms:7.2f} ms")
        return

    nets, impls = args.nets.split(","), args.impls.split(",")
    epochs = {"mlp": args.mlp_epochs, "cnn": args.cnn_epochs}
    loads = [os.getloadavg()[0]]
    gflops = {threads: child(["gflops", "-", "0"], threads) for threads in thread_counts}
    results, runs = {}, []
    for repeat in range(args.repeats):
        for net in nets:
            for threads in thread_counts:
                for impl in impls:
                    n_epochs = epochs[net]
                    if impl == "reference" and net == "cnn":
                        if repeat:
                            continue
                        n_epochs = args.reference_cnn_epochs
                    result = child([impl, net, str(n_epochs)], threads)
                    results.setdefault((net, impl, threads), []).append(result)
                    runs.append(f"| {repeat + 1} | {net} | {impl} | {threads} | "
                                f"{statistics.median(result['epoch_seconds']):.2f} | {100 * result['test_accuracy']:.2f} % |")
                    print(runs[-1], flush=True)
    profiles = {(net, threads): child(["layers", net, "0"], threads) for net in nets for threads in thread_counts}
    loads.append(os.getloadavg()[0])
    report = table(results, gflops, loads) + profile_table(profiles) + run_list(runs)
    Path(args.out).write_text(report)
    print(report)


if __name__ == "__main__":
    main()
