"""What the hidden layers' tanh costs: anndl's (MATLAB's tansig formula in torch's kernels) against numpy's.

    python benchmarks/bench_activation.py [--repeats 5] [--cell-epochs 100] [--hidden 100]
                                          [--algorithms gd cgf lm br]

1. Per value. One (N, H) column-major float64 array as the classic trainers hold a layer
   (N = 943 samples x 10 repetitions, as generalization's batched cells; H hidden units), one
   thread, computed in place: numpy's ``np.tanh``, torch's ``tanh_``, MATLAB's tansig formula
   ``2 / (1 + exp(-2n)) - 1`` in numpy's kernels, and anndl's own activation
   (``anndl.nn.feedforward.mlp._activate``: the same formula in torch's kernels). Reported: ns per
   value (fastest of ``--repeats``) and the largest difference from ``np.tanh``.
2. Per cell. One cell of ``generalization`` (1-H-1, 10 repetitions trained together,
   ``--cell-epochs`` epochs) per algorithm, under the CLI's process settings (one thread, glibc's
   malloc thresholds raised), with the trainers' activation as shipped and with its tanh replaced by
   ``np.tanh`` (the peer), alternately. Reported: the fastest seconds of each and the ratio
   np.tanh / shipped (> 1: anndl's is faster), and how far the test MSEs move.

numpy computes tanh with SIMD only where the CPU has AVX-512 (SVML); elsewhere (AVX2 laptops,
this 2-core AMD EPYC) it calls the C library once per value. torch's exp is vectorised on
AVX2 and NEON. Prints a table and writes benchmarks/results/bench_activation.json; times depend
on the machine (recorded), the ratios are the result.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

RESULTS = Path(__file__).resolve().parent / "results" / "bench_activation.json"
SAMPLES = 943 * 10
"""Rows of one batched layer array in generalization: 943 inputs (dx 0.01 on [0, 3pi]) x 10 repetitions."""


def numpy_tanh(z: np.ndarray) -> np.ndarray:
    return np.tanh(z, out=z)


def torch_tanh(z: np.ndarray) -> np.ndarray:
    torch.from_numpy(z).tanh_()
    return z


def numpy_tansig(z: np.ndarray) -> np.ndarray:
    np.multiply(z, -2.0, out=z)
    np.exp(z, out=z)
    z += 1.0
    np.divide(2.0, z, out=z)
    z -= 1.0
    return z


def anndl_tanh(z: np.ndarray) -> np.ndarray:
    from anndl.nn.feedforward import mlp

    return mlp._activate("tanh", z)


KERNELS = {"np.tanh": numpy_tanh, "torch tanh_": torch_tanh, "tansig formula, numpy": numpy_tansig,
           "anndl (tansig formula, torch)": anndl_tanh}


def per_value(hidden: int, repeats: int) -> list[dict]:
    """ns per value of each kernel on a (SAMPLES, hidden) column-major array, and its largest
    difference from np.tanh."""
    x = np.asfortranarray(np.random.default_rng(0).normal(0.0, 2.0, (SAMPLES, hidden)))
    reference = np.tanh(x)
    rows = []
    for name, kernel in KERNELS.items():
        best = float("inf")
        for _ in range(repeats):
            z = x.copy(order="F")
            start = time.perf_counter()
            kernel(z)
            best = min(best, time.perf_counter() - start)
        rows.append({"kernel": name, "ns_per_value": round(best / x.size * 1e9, 2),
                     "max_abs_difference": float(np.abs(z - reference).max())})
    return rows


def _shipped_and_numpy():
    """(shipped activation, the same with its tanh replaced by np.tanh)."""
    from anndl.nn.feedforward import mlp

    shipped = mlp._activate

    def with_numpy_tanh(name: str, z: np.ndarray) -> np.ndarray:
        return numpy_tanh(z) if name == "tanh" else shipped(name, z)

    return shipped, with_numpy_tanh


def _use(activation) -> None:
    from anndl.nn.feedforward import batched, mlp

    mlp._activate = batched._activate = activation


def per_cell(algorithms: list[str], hidden: int, epochs: int, repeats: int) -> list[dict]:
    """Seconds of one generalization cell per algorithm, shipped activation against np.tanh."""
    from anndl.data.regression import SinSquaredData
    from anndl.supervised.generalization import SizeCell, train_and_test

    shipped, with_numpy_tanh = _shipped_and_numpy()
    rows = []
    for algorithm in algorithms:
        cell = SizeCell(SinSquaredData.of("noisy", 0.01, 0.2), hidden, algorithm, epochs, 100, tuple(range(10)))
        best = {"shipped": float("inf"), "np.tanh": float("inf")}
        mse = {}
        for _ in range(repeats):
            for label, activation in (("shipped", shipped), ("np.tanh", with_numpy_tanh)):
                _use(activation)
                start = time.perf_counter()
                result = train_and_test(cell)
                best[label] = min(best[label], time.perf_counter() - start)
                mse[label] = [run["test_mse"] for run in result["runs"]]
        _use(shipped)
        difference = max(abs(a - b) / abs(a) for a, b in zip(mse["shipped"], mse["np.tanh"], strict=True))
        rows.append({"algorithm": algorithm, "hidden_units": hidden, "epochs": epochs,
                     "shipped_s": round(best["shipped"], 2), "np_tanh_s": round(best["np.tanh"], 2),
                     "ratio": round(best["np.tanh"] / best["shipped"], 2),
                     "largest_relative_test_mse_difference": difference})
    return rows


def cpu_features() -> list[str]:
    """The SIMD extensions numpy found on this CPU."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:  # numpy 1
        from numpy.core._multiarray_umath import __cpu_features__
    return sorted(name for name, found in __cpu_features__.items() if found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cell-repeats", type=int, default=2)
    parser.add_argument("--cell-epochs", type=int, default=100)
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--algorithms", nargs="+", default=["gd", "cgf", "lm", "br"])
    args = parser.parse_args()

    from anndl import process

    process.reproducible_mkl()
    torch.set_num_threads(1)
    process.retain_freed_memory()
    load_before = os.getloadavg()
    values = per_value(args.hidden, args.repeats)
    cells = per_cell(args.algorithms, args.hidden, args.cell_epochs, args.cell_repeats)
    record = {"machine": platform.processor() or platform.machine(), "cores": os.cpu_count(),
              "numpy": np.__version__, "torch": torch.__version__,
              "avx512_skx": "AVX512_SKX" in cpu_features(),
              "load_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
              "per_value": values, "per_cell": cells}
    print(f"{'kernel':<32}{'ns/value':>10}{'max |diff|':>14}")
    for row in values:
        print(f"{row['kernel']:<32}{row['ns_per_value']:>10.2f}{row['max_abs_difference']:>14.2e}")
    print(f"\n{'cell':<16}{'np.tanh s':>11}{'anndl s':>11}{'ratio':>8}{'test MSE rel. diff':>20}")
    for row in cells:
        label = f"{row['algorithm']} 1-{row['hidden_units']}-1"
        print(f"{label:<16}{row['np_tanh_s']:>11.2f}{row['shipped_s']:>11.2f}{row['ratio']:>8.2f}"
              f"{row['largest_relative_test_mse_difference']:>20.1e}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(record, indent=2) + "\n")
    print(f"\nwrote {RESULTS}")


if __name__ == "__main__":
    main()
