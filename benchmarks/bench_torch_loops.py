"""anndl's torch training loops against a plain torch loop over the same model and batches.

Usage: ``python benchmarks/bench_torch_loops.py [--rounds 5]``. One process, one thread; for each
case the two loops start from copies of one model, use equally seeded shuffles (so they take the same
steps: tests/supervised/test_optimizers_surface.py checks that they end with equal weights) and run in
interleaved rounds (a warm-up round first, then alternating which goes first); each keeps its fastest
round in process CPU time. anndl's loop records the training MSE on all samples at the experiments'
rate (every 10 epochs, as optimizers_surface; at the start and end of a 50-epoch fit, as forecasting_cv's
lagged MLP) and the plain loop records nothing, so the ratio includes that recording. Prints a table and writes
``benchmarks/results/bench_torch_loops.json``. Target: ratio (anndl / plain) <= 1.1.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

from anndl.nn.conv.keras_mnist import keras_mnist_convnet
from anndl.nn.feedforward.optimisers import OptimiserSpec, make_optimiser, train_minibatch
from anndl.nn.feedforward.torch_mlp import torch_mlp
from anndl.nn.recurrent.stateful import StatefulForecaster, train_stateful


def plain_minibatch(model, X, T, spec, epochs, generator, loss_fn):
    optimiser = make_optimiser(spec, model.parameters())
    n = X.shape[0]
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator)
        for i in range(0, n, spec.batch_size):
            xb, tb = X[order[i:i + spec.batch_size]], T[order[i:i + spec.batch_size]]
            if spec.name == "lbfgs":
                def closure(xb=xb, tb=tb):
                    optimiser.zero_grad()
                    loss = loss_fn(model(xb), tb)
                    loss.backward()
                    return loss
                optimiser.step(closure)
            else:
                optimiser.zero_grad()
                loss_fn(model(xb), tb).backward()
                optimiser.step()


def plain_stateful(model, X, y, epochs, lr):
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    Xt, yt = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32)
    for _ in range(epochs):
        state = None
        for i in range(Xt.shape[0]):
            optimiser.zero_grad()
            prediction, state = model(Xt[i:i + 1], state)
            ((prediction[0] - yt[i]) ** 2).backward()
            optimiser.step()
            state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def cases():
    """(name, model, anndl loop, plain loop) with everything but the model fixed."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    X = torch.as_tensor(rng.uniform(-3, 3, (1600, 2)), dtype=torch.float32)
    T = torch.sin(X.pow(2).sum(1, keepdim=True))
    mse = torch.nn.functional.mse_loss
    out = []
    for label, spec, epochs in (("surface 2-50-50-1, SGD batch 40", OptimiserSpec("sgd", 0.1, 40), 50),
                                ("surface, Nesterov batch 400", OptimiserSpec("sgd", 0.1, 400, 0.9, True), 40),
                                ("surface, Adam batch 400", OptimiserSpec("adam", None, 400), 40),
                                ("surface, L-BFGS batch 1600", OptimiserSpec("lbfgs", 1.0, 1600), 40)):
        out.append((label, torch_mlp([2, 50, 50, 1]),
                    lambda m, s=spec, e=epochs: train_minibatch(m, X, T, s, e, torch.Generator().manual_seed(1),
                                                                record_every=10),
                    lambda m, s=spec, e=epochs: plain_minibatch(m, X, T, s, e, torch.Generator().manual_seed(1), mse)))
    W = torch.randn(990, 10)
    y = W.sum(1, keepdim=True)
    spec = OptimiserSpec("adam", 0.01, 32)
    out.append(("lagged MLP 10-20-1, Adam batch 32", torch_mlp([10, 20, 1], "tanh"),
                lambda m: train_minibatch(m, W, y, spec, 50, torch.Generator().manual_seed(1), record_every=50),
                lambda m: plain_minibatch(m, W, y, spec, 50, torch.Generator().manual_seed(1), mse)))
    series = np.sin(np.arange(310) / 4.0)
    windows = np.lib.stride_tricks.sliding_window_view(series[:-1], 10)
    target = series[10:]
    out.append(("stateful LSTM(20), batch 1, 300 windows", StatefulForecaster("lstm", 20),
                lambda m: train_stateful(m, windows, target, 1, 1e-3),
                lambda m: plain_stateful(m, windows, target, 1, 1e-3)))
    images = torch.rand(512, 1, 28, 28)
    labels = torch.randint(0, 10, (512,))
    ce = torch.nn.functional.cross_entropy
    spec = OptimiserSpec("adam", 1e-3, 128)
    out.append(("Keras MNIST convnet, Adam batch 128, 512 images", keras_mnist_convnet(),
                lambda m: train_minibatch(m, images, labels, spec, 1, torch.Generator().manual_seed(1),
                                          record_every=0, loss_fn=ce),
                lambda m: plain_minibatch(m, images, labels, spec, 1, torch.Generator().manual_seed(1), ce)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    load = os.getloadavg()[0]
    rows = []
    for name, model, ours, plain in cases():
        best = {"anndl": float("inf"), "plain": float("inf")}
        loops = (("anndl", ours), ("plain", plain))
        for r in range(args.rounds + 1):  # round 0 warms both up and is not kept; the order alternates
            for label, loop in loops[::1 if r % 2 else -1]:
                m = copy.deepcopy(model)
                start = time.process_time()
                loop(m)
                if r:
                    best[label] = min(best[label], time.process_time() - start)
        rows.append({"case": name, "anndl_s": best["anndl"], "plain_s": best["plain"],
                     "ratio": best["anndl"] / best["plain"]})
        print(f"{name:52s} anndl {best['anndl']:8.3f} s  plain {best['plain']:8.3f} s  ratio {rows[-1]['ratio']:.3f}",
              flush=True)
    out = Path(__file__).resolve().parent / "results" / "bench_torch_loops.json"
    out.write_text(json.dumps({"torch": torch.__version__, "python": platform.python_version(),
                               "rounds": args.rounds, "threads": 1, "clock": "process CPU time",
                               "load_average_at_start": load, "cpus": os.cpu_count(), "rows": rows}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
