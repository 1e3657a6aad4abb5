"""Time train_many (B networks advanced together) against train (the same B networks one by one).

    python benchmarks/bench_batched.py            # B = 1, 10, 60; H = 10, 50, 100; gd gdx lm br; 20 epochs
    python benchmarks/bench_batched.py --quick    # B = 1, 10; H = 10; 5 epochs, a smoke run

B 1-H-1 tanh networks, each with its own Nguyen–Widrow initial weights (seeds 0..B-1), on
sin(x²), x = 0:0.01:3π (943 points), all epochs run (min_grad 0). Both sides run in this one
process with one BLAS / torch thread, in interleaved rounds (batched, then one by one, per
round), each keeping its fastest run. 20 epochs instead of the report's 500 keep the run to a few
minutes on a shared machine; the time per epoch hardly changes over a run (lm's and br's trials
per epoch vary a little). The table also gives the largest relative difference between a
network's final loss batched and alone (train_many's promise: 0). cgf and bfg are left out:
train_many trains them one by one. Two bounds on what batching can give: if only the hidden
layer's float64 tanh cost anything (``bound if only tanh cost``), and, per H, one gd epoch of
``train`` against the arithmetic of its loss_and_grad (its time on 943 samples less its time on
one sample, which is per-call overhead only).
Prints a table and writes benchmarks/results/bench_batched.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from anndl.data.regression import sin_squared, sin_squared_grid
from anndl.nn.feedforward.mlp import MLP
from anndl.nn.feedforward.train_many import train_many
from anndl.nn.feedforward.training import train

RESULTS = Path(__file__).resolve().parent / "results" / "bench_batched.json"
ALGORITHMS = ("gd", "gdx", "lm", "br")


def one_by_one(nets, x, t, algorithm, epochs):
    return [train(net, x, t, algorithm=algorithm, epochs=epochs, min_grad=0.0) for net in nets]


def batched(nets, x, t, algorithm, epochs):
    return train_many(nets, x, t, algorithm=algorithm, epochs=epochs, min_grad=0.0)


def timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def benchmark(hidden: int, count: int, algorithm: str, epochs: int, rounds: int) -> dict:
    """Fastest of ``rounds`` interleaved runs of each side, and their agreement."""
    x = sin_squared_grid(0.01)
    t = sin_squared(x)
    nets = [MLP.create([1, hidden, 1], x, t, np.random.default_rng(seed)) for seed in range(count)]
    times = {"batched": [], "one_by_one": []}
    results = {}
    for _ in range(rounds):
        for side, fn in (("batched", batched), ("one_by_one", one_by_one)):
            seconds, results[side] = timed(fn, nets, x, t, algorithm, epochs)
            times[side].append(seconds)
    final = {side: np.array([h.loss[-1] for _, h in runs]) for side, runs in results.items()}
    best = {side: min(values) for side, values in times.items()}
    row = {"algorithm": algorithm, "hidden": hidden, "networks": count, "epochs": epochs, "rounds": rounds,
           "batched_s": best["batched"], "one_by_one_s": best["one_by_one"],
           "speedup": best["one_by_one"] / best["batched"],
           "ms_per_network_epoch_batched": 1e3 * best["batched"] / (count * epochs),
           "ms_per_network_epoch_one_by_one": 1e3 * best["one_by_one"] / (count * epochs),
           "max_rel_diff_final_loss": float(np.max(np.abs(final["batched"] - final["one_by_one"])
                                                   / np.abs(final["one_by_one"]))),
           "evaluations_per_epoch": float(np.mean([h.evaluations[-1] / max(h.epochs, 1)
                                                   for _, h in results["one_by_one"]]))}  # fmt: skip
    add_bound(row, len(x))
    print(f"  {algorithm:3s} H={hidden:3d} B={count:2d}: batched {row['batched_s']:.3f} s, one by one "
          f"{row['one_by_one_s']:.3f} s, x{row['speedup']:.2f}", file=sys.stderr, flush=True)  # fmt: skip
    return row


def tanh_ns_per_value(values: int, rounds: int = 5) -> float:
    """Fastest float64 tanh here (numpy's, in place, as the MLP computes it) in ns per value, on
    ``values`` values (one batch's hidden layer)."""
    z = np.random.default_rng(0).uniform(-3, 3, values)
    a = np.empty_like(z)
    best = np.inf
    for _ in range(rounds):
        np.copyto(a, z)
        start = time.perf_counter()
        np.tanh(a, out=a)
        best = min(best, time.perf_counter() - start)
    return 1e9 * best / values


def arithmetic_bound(hidden: int, rounds: int = 5, calls: int = 50) -> dict:
    """How much of one network's gd epoch is arithmetic: ``train``'s epoch against the same
    network's loss_and_grad on all 943 samples and on one sample (per-call overhead only), in CPU
    time, fastest of ``rounds``. Batching can at most remove the overhead, so epoch / arithmetic
    bounds its speed-up while the batch computes each network's values as it alone would."""
    x = sin_squared_grid(0.01)
    t = sin_squared(x)
    net = MLP.create([1, hidden, 1], x, t, np.random.default_rng(0))
    Xs, T = net.scale_inputs(x), t[:, None]

    def fastest(fn, n):
        fn()
        best = np.inf
        for _ in range(rounds):
            start = time.process_time()
            for _ in range(n):
                fn()
            best = min(best, (time.process_time() - start) / n)
        return 1e6 * best

    epoch = fastest(lambda: train(net, x, t, algorithm="gd", epochs=100, min_grad=0.0), 1) / 100
    full = fastest(lambda: net.loss_and_grad(net.theta_, Xs, T), calls)
    one = fastest(lambda: net.loss_and_grad(net.theta_, Xs[:1], T[:1]), calls)
    return {"hidden": hidden, "gd_epoch_us": epoch, "loss_and_grad_us": full, "per_call_overhead_us": one,
            "arithmetic_us": full - one, "bound_epoch_over_arithmetic": epoch / (full - one)}


def add_bound(row: dict, n_samples: int) -> None:
    """The speed-up that batching could at most give if everything in an epoch but the hidden
    layer's float64 tanh (which the batch must compute as each network alone does) were free."""
    values = n_samples * row["hidden"]
    row["tanh_ns_per_value"] = tanh_ns_per_value(values * row["networks"])
    row["one_by_one_ns_per_hidden_value"] = 1e6 * row["ms_per_network_epoch_one_by_one"] / values
    evaluations = 1.0 if row["algorithm"] in ("gd", "gdx") else row["evaluations_per_epoch"]
    row["bound_if_only_tanh_cost"] = row["one_by_one_ns_per_hidden_value"] / (evaluations * row["tanh_ns_per_value"])


def print_table(rows: list[dict]) -> None:
    print("| algorithm | hidden | B | epochs | batched (s) | one by one (s) | speedup | "
          "ms / net-epoch batched | ms / net-epoch alone | max rel. diff. final loss | "
          "tanh ns / value | bound if only tanh cost |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['algorithm']} | {r['hidden']} | {r['networks']} | {r['epochs']} | {r['batched_s']:.3f} | "
              f"{r['one_by_one_s']:.3f} | {r['speedup']:.2f} | {r['ms_per_network_epoch_batched']:.3f} | "
              f"{r['ms_per_network_epoch_one_by_one']:.3f} | {r['max_rel_diff_final_loss']:.1e} | "
              f"{r['tanh_ns_per_value']:.2f} | {r['bound_if_only_tanh_cost']:.1f} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", type=int, nargs="*", default=[1, 10, 60], help="batch sizes B")
    parser.add_argument("--hidden", type=int, nargs="*", default=[10, 50, 100], help="hidden units H")
    parser.add_argument("--algorithms", nargs="*", default=list(ALGORITHMS))
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds; each side's fastest is kept")
    parser.add_argument("--quick", action="store_true", help="B = 1, 10; H = 10; 5 epochs; one round")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.quick:
        args.networks, args.hidden, args.epochs, args.rounds = [1, 10], [10], 5, 1
    with threadpool_limits(1):
        rows = [benchmark(h, b, a, args.epochs, args.rounds)
                for h in args.hidden for a in args.algorithms for b in args.networks]  # fmt: skip
        bounds = [arithmetic_bound(h) for h in args.hidden]
    print_table(rows)
    print("\n| hidden | gd epoch (us) | loss_and_grad (us) | of which per-call overhead (us) | arithmetic (us) | "
          "bound: epoch / arithmetic |")
    print("|---|---|---|---|---|---|")
    for b in bounds:
        print(f"| {b['hidden']} | {b['gd_epoch_us']:.0f} | {b['loss_and_grad_us']:.0f} | "
              f"{b['per_call_overhead_us']:.0f} | {b['arithmetic_us']:.0f} | {b['bound_epoch_over_arithmetic']:.2f} |")
    result = {
        "problem": f"B 1-H-1 tanh nets (seeds 0..B-1) on sin(x^2), x = 0:0.01:3*pi (943 points), {args.epochs} "
        "epochs, min_grad 0; train_many against train one by one, fastest of interleaved rounds",
        "machine": {"platform": platform.platform(), "python": sys.version.split()[0], "threads": 1},
        "versions": {k: metadata.version(k) for k in ("numpy", "scipy", "torch")},
        "rows": rows,
        "arithmetic_bounds": bounds,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.replace(args.out)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
