"""The hidden layers' tanh: numpy's against MATLAB's tansig formula in torch's kernels, the two kernels
anndl chooses between by CPU (``anndl.nn.feedforward.mlp.tanh_kernel_for``).

    python benchmarks/bench_activation.py [--repeats 5] [--cell-epochs 100] [--hidden 100]
                                          [--algorithms gd cgf lm br]

1. Per value. One (N, H) column-major float64 array as the classic trainers hold a layer
   (N = 943 samples x 10 repetitions, as generalization's batched cells; H hidden units), one
   thread, computed in place: numpy's ``np.tanh``, torch's ``tanh_``, MATLAB's tansig formula
   ``2 / (1 + exp(-2n)) - 1`` in numpy's kernels, and the same formula in torch's kernels
   (anndl's ``_tansig_in_torch``). Reported: ns per value (fastest of ``--repeats``) and the
   largest difference from ``np.tanh``.
2. Per cell. One cell of ``generalization`` (1-H-1, 10 repetitions trained together,
   ``--cell-epochs`` epochs) per algorithm, under the CLI's process settings (one thread, glibc's
   malloc thresholds raised), with the trainers' tanh set to np.tanh and to the torch formula,
   alternately. Reported: the fastest seconds of each, the ratio np.tanh / formula (> 1: the
   formula is faster), how far the test MSEs move, and which kernel anndl picks on this CPU.

numpy's float64 tanh is SIMD only where the CPU has AVX-512; elsewhere (AVX2 laptops, the 2-core
AVX2 EPYC of 2026-12-07) it calls the C library once per value. torch's exp is vectorised on AVX2
and NEON. Prints a table and writes benchmarks/results/bench_activation.json; times depend on the
machine (recorded), the ratios are the result.
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


def torch_tansig(z: np.ndarray) -> np.ndarray:
    from anndl.nn.feedforward import mlp

    return mlp._tansig_in_torch(z)


KERNELS = {"np.tanh": numpy_tanh, "torch tanh_": torch_tanh, "tansig formula, numpy": numpy_tansig,
           "tansig formula, torch (anndl)": torch_tansig}


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


def per_cell(algorithms: list[str], hidden: int, epochs: int, repeats: int) -> list[dict]:
    """Seconds of one generalization cell per algorithm with np.tanh and with the torch tansig formula."""
    from anndl.data.regression import SinSquaredData
    from anndl.nn.feedforward import mlp
    from anndl.supervised.generalization import SizeCell, train_and_test

    chosen = mlp._tanh
    kernels = {"np.tanh": numpy_tanh, "formula": mlp._tansig_in_torch}
    rows = []
    for algorithm in algorithms:
        cell = SizeCell(SinSquaredData.of("noisy", 0.01, 0.2), hidden, algorithm, epochs, 100, tuple(range(10)))
        best = dict.fromkeys(kernels, float("inf"))
        mse = {}
        for _ in range(repeats):
            for label, kernel in kernels.items():
                mlp._tanh = kernel
                start = time.perf_counter()
                result = train_and_test(cell)
                best[label] = min(best[label], time.perf_counter() - start)
                mse[label] = [run["test_mse"] for run in result["runs"]]
        mlp._tanh = chosen
        difference = max(abs(a - b) / abs(a) for a, b in zip(mse["np.tanh"], mse["formula"], strict=True))
        rows.append({"algorithm": algorithm, "hidden_units": hidden, "epochs": epochs,
                     "np_tanh_s": round(best["np.tanh"], 2), "formula_s": round(best["formula"], 2),
                     "ratio": round(best["np.tanh"] / best["formula"], 2),
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
    from anndl.nn.feedforward import mlp

    process.reproducible_mkl()
    torch.set_num_threads(1)
    process.retain_freed_memory()
    load_before = os.getloadavg()
    values = per_value(args.hidden, args.repeats)
    cells = per_cell(args.algorithms, args.hidden, args.cell_epochs, args.cell_repeats)
    record = {"machine": platform.processor() or platform.machine(), "cores": os.cpu_count(),
              "numpy": np.__version__, "torch": torch.__version__,
              "avx512_skx": "AVX512_SKX" in cpu_features(),
              "numpy_tanh_target": mlp._numpy_tanh_target(), "anndl_uses": mlp._tanh.__name__,
              "load_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
              "per_value": values, "per_cell": cells}
    print(f"{'kernel':<32}{'ns/value':>10}{'max |diff|':>14}")
    for row in values:
        print(f"{row['kernel']:<32}{row['ns_per_value']:>10.2f}{row['max_abs_difference']:>14.2e}")
    print(f"\n{'cell':<16}{'np.tanh s':>11}{'formula s':>11}{'ratio':>8}{'test MSE rel. diff':>20}")
    for row in cells:
        label = f"{row['algorithm']} 1-{row['hidden_units']}-1"
        print(f"{label:<16}{row['np_tanh_s']:>11.2f}{row['formula_s']:>11.2f}{row['ratio']:>8.2f}"
              f"{row['largest_relative_test_mse_difference']:>20.1e}")
    print(f"\nnumpy's float64 tanh runs {record['numpy_tanh_target'] or 'an unknown target'}: anndl uses "
          f"{record['anndl_uses']}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(record, indent=2) + "\n")
    print(f"\nwrote {RESULTS}")


if __name__ == "__main__":
    main()
