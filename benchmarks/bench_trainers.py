"""Time anndl's classic trainers against other implementations on sin(x²) with a 1-H-1 tanh net.

    python benchmarks/bench_trainers.py                 # 1-50-1, 500 epochs, all peers
    python benchmarks/bench_trainers.py --skip pyrenn   # leave out a slow peer
    python benchmarks/bench_trainers.py --quick         # 50 epochs, a smoke run

Every method starts from the same Nguyen–Widrow weights (anndl's MLP.create, seed 0) on the
same mapminmax-scaled data (x = 0:0.01:3π, t = sin(x²)); the final MSE of every method is
measured by the same code (anndl's forward pass on the method's final weights, in target
units). All run in this one process with one BLAS / torch thread, in interleaved rounds (each
method once per round, the fastest of its runs kept). Each peer gets its best
settings: float64 and a Cholesky solve for torch-levenberg-marquardt, x_scale=1 and the
analytic Jacobian for scipy's lm, learning rates that make neurolab's gd take MATLAB's step.

Peers that need shims to run under numpy 2 / without their optional dependencies get them
here (stated in the table notes); a peer that is missing or fails is reported, not dropped.
Prints a table and writes benchmarks/results/bench_trainers.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import types
from importlib import metadata
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from anndl.allocator import retain_freed_memory
from anndl.data.regression import sin_squared, sin_squared_grid
from anndl.nn.feedforward.mlp import MLP
from anndl.nn.feedforward.training import train

RESULTS = Path(__file__).resolve().parent / "results" / "bench_trainers.json"


class Problem:
    """sin(x²) data, the initial 1-H-1 network and a common MSE measure."""

    def __init__(self, hidden: int, epochs: int, seed: int = 0):
        self.x = sin_squared_grid(0.01)
        self.t = sin_squared(self.x)
        self.net = MLP.create([1, hidden, 1], self.x, self.t, np.random.default_rng(seed))
        self.hidden, self.epochs = hidden, epochs
        self.Xs = self.net.scale_inputs(self.x)  # (N, 1) in [-1, 1]
        self.Ts = self.net.target_map_.apply(self.t[:, None])  # (N, 1) in [-1, 1]
        self.T = self.t[:, None]

    def mse(self, theta: np.ndarray) -> float:
        """MSE in target units of the network with flat weights theta (anndl's layout)."""
        return self.net.loss(np.asarray(theta, dtype=float), self.Xs, self.T)

    def layers(self):
        return [(W.copy(), b.copy()) for W, b in self.net.layers()]


def timed(fn, problem: Problem):
    start = time.perf_counter()
    theta, info = fn(problem)
    return time.perf_counter() - start, theta, info


PATIENCE_S = 10.0
"""A method whose first run takes longer than this is not repeated (pyrenn, neurolab)."""

# ---- anndl ---------------------------------------------------------------------------------
def anndl_method(algorithm):
    def run(p: Problem):
        trained, history = train(p.net, p.x, p.t, algorithm=algorithm, epochs=p.epochs, min_grad=0.0)
        return trained.theta_, {"epochs": history.epochs, "stop": history.stop_reason}

    return run


# ---- scipy ---------------------------------------------------------------------------------
def scipy_lm(p: Problem):
    from scipy.optimize import least_squares

    res = least_squares(
        lambda th: -p.net.errors_and_jacobian(th, p.Xs, p.T)[0],
        p.net.theta_.copy(),
        jac=lambda th: p.net.errors_and_jacobian(th, p.Xs, p.T)[1],
        method="lm",
        x_scale=1.0,
        max_nfev=p.epochs,
        xtol=1e-15,
        ftol=1e-15,
        gtol=1e-15,
    )
    return res.x, {"epochs": int(res.njev or 0), "nfev": int(res.nfev)}  # one Jacobian per iteration


def scipy_minimize(method):
    def run(p: Problem):
        from scipy.optimize import minimize

        res = minimize(
            lambda th: p.net.loss_and_grad(th, p.Xs, p.T),
            p.net.theta_.copy(),
            jac=True,
            method=method,
            options={"maxiter": p.epochs, "gtol": 1e-12},
        )
        return res.x, {"epochs": int(res.nit), "nfev": int(res.nfev)}

    return run


def sklearn_lbfgs(p: Problem):
    from sklearn.neural_network import MLPRegressor

    model = MLPRegressor(
        hidden_layer_sizes=(p.hidden,),
        activation="tanh",
        solver="lbfgs",
        alpha=0.0,
        max_iter=1,
        max_fun=10**9,
        tol=0.0,
        warm_start=True,
        random_state=0,
    )
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(p.Xs, p.Ts[:, 0])  # builds the weights; replaced by the common start below
        (W1, b1), (W2, b2) = p.layers()
        model.coefs_, model.intercepts_ = [W1.T.copy(), W2.T.copy()], [b1.copy(), b2.copy()]
        model.max_iter = p.epochs
        model.fit(p.Xs, p.Ts[:, 0])
    theta = np.concatenate(
        [model.coefs_[0].T.ravel(), model.intercepts_[0], model.coefs_[1].T.ravel(), model.intercepts_[1]]
    )
    return theta, {"epochs": int(model.n_iter_)}


# ---- torch-levenberg-marquardt ---------------------------------------------------------------
def torch_lm(p: Problem):
    import torch

    # its package __init__ imports utils.py, which needs pytorch-lightning and torchmetrics only
    # for its Lightning wrapper; the LM module itself needs torch alone
    for name, attrs in {"pytorch_lightning": {"LightningModule": object}, "torchmetrics": {"Metric": object}}.items():
        if name not in sys.modules:
            try:
                __import__(name)
            except ImportError:
                sys.modules[name] = types.SimpleNamespace(**attrs)
    from torch_levenberg_marquardt.training import LevenbergMarquardtModule

    torch.set_num_threads(1)
    model = torch.nn.Sequential(torch.nn.Linear(1, p.hidden), torch.nn.Tanh(), torch.nn.Linear(p.hidden, 1)).double()
    with torch.no_grad():
        for layer, (W, b) in zip((model[0], model[2]), p.layers(), strict=True):
            layer.weight.copy_(torch.from_numpy(W))
            layer.bias.copy_(torch.from_numpy(b))
    module = LevenbergMarquardtModule(model, solve_method="cholesky")
    X, Y = torch.from_numpy(p.Xs), torch.from_numpy(p.Ts)
    epochs = 0
    for _ in range(p.epochs):
        _, _, stop, _ = module.training_step(X, Y)
        epochs += 1
        if stop:
            break
    theta = torch.cat([model[0].weight.flatten(), model[0].bias, model[2].weight.flatten(), model[2].bias])
    return theta.detach().numpy().copy(), {"epochs": epochs}


# ---- pyrenn ----------------------------------------------------------------------------------
def pyrenn_lm(p: Problem):
    import contextlib
    import io

    import pyrenn

    net = pyrenn.CreateNN([1, p.hidden, 1])
    net["w"] = p.net.theta_.copy()  # same layout: IW (F order), b1, LW (F order), b2
    with contextlib.redirect_stdout(io.StringIO()):
        net = pyrenn.train_LM(p.Xs.T, p.Ts.T, net, k_max=p.epochs, E_stop=0.0)
    return net["w"].copy(), {"epochs": len(net["ErrorHistory"])}


# ---- neurolab --------------------------------------------------------------------------------
def neurolab_method(kind):
    def run(p: Problem):
        np.Inf = np.inf  # removed in numpy 2, used by neurolab 0.3.5
        if not hasattr(np, "asfarray"):
            np.asfarray = lambda a, dtype=float: np.asarray(a, dtype=dtype)
        import neurolab as nl

        net = nl.net.newff([[-1.0, 1.0]], [p.hidden, 1], transf=[nl.trans.TanSig(), nl.trans.PureLin()])
        net.errorf = nl.error.MSE()
        for layer, (W, b) in zip(net.layers, p.layers(), strict=True):
            layer.np["w"][:] = W
            layer.np["b"][:] = b
        # neurolab's MSE derivative sums over samples (no 1/N): lr/N gives MATLAB's traingd step
        trainer = {
            "gd": (nl.train.train_gd, {"lr": 0.01 / len(p.x)}),
            "cg": (nl.train.train_cg, {}),
            "bfgs": (nl.train.train_bfgs, {}),
        }[kind]
        errors = trainer[0](net, p.Xs, p.Ts, epochs=p.epochs, show=0, goal=-1.0, **trainer[1])
        theta = np.concatenate(
            [net.layers[0].np["w"].ravel(), net.layers[0].np["b"], net.layers[1].np["w"].ravel(), net.layers[1].np["b"]]
        )
        return theta, {"epochs": len(errors)}

    return run


SLOW_PEERS = ("neurolab",)
"""Peers whose per-sample Python loops make 500 epochs take many minutes: run --slow-epochs."""

METHODS = [
    # (name, peer package, function, anndl method it is compared with)
    ("anndl lm", "anndl", anndl_method("lm"), None),
    ("torch-levenberg-marquardt", "torch-levenberg-marquardt", torch_lm, "anndl lm"),
    ("scipy least_squares lm", "scipy", scipy_lm, "anndl lm"),
    ("pyrenn train_LM", "pyrenn", pyrenn_lm, "anndl lm"),
    ("anndl cgf", "anndl", anndl_method("cgf"), None),
    ("scipy minimize CG", "scipy", scipy_minimize("CG"), "anndl cgf"),
    ("neurolab train_cg", "neurolab", neurolab_method("cg"), "anndl cgf"),
    ("anndl bfg", "anndl", anndl_method("bfg"), None),
    ("scipy minimize BFGS", "scipy", scipy_minimize("BFGS"), "anndl bfg"),
    ("neurolab train_bfgs", "neurolab", neurolab_method("bfgs"), "anndl bfg"),
    ("sklearn MLPRegressor lbfgs", "scikit-learn", sklearn_lbfgs, "anndl bfg"),
    ("anndl gd", "anndl", anndl_method("gd"), None),
    ("neurolab train_gd", "neurolab", neurolab_method("gd"), "anndl gd"),
]


def version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def benchmark(hidden: int, epochs: int, skip: set[str], repeats: int, slow_epochs: int) -> list[dict]:
    """Time every method not in ``skip`` in ``repeats`` interleaved rounds (each method once per
    round) and keep each one's fastest run: a busy spell of a shared machine only ever slows
    runs down, and interleaving spreads such a spell over all methods instead of one."""
    problems = {epochs: Problem(hidden, epochs), slow_epochs: Problem(hidden, slow_epochs)}
    methods = [m for m in METHODS if not any(s in m[0] for s in skip)]
    problem_of = {name: problems[slow_epochs if package in SLOW_PEERS else epochs] for name, package, *_ in methods}
    runs: dict[str, list] = {name: [] for name, *_ in methods}
    errors: dict[str, str] = {}
    for round_ in range(repeats):
        for name, _, fn, _ in methods:
            done = runs[name]
            if name in errors or (done and min(r[0] for r in done) > PATIENCE_S):
                continue
            try:  # a peer that fails is reported, not dropped
                done.append(timed(fn, problem_of[name]))
            except Exception as exc:
                errors[name] = f"{type(exc).__name__}: {exc}"[:200]
                continue
            print(f"  round {round_ + 1}: {name:28s} {done[-1][0]:9.3f} s", file=sys.stderr, flush=True)
    rows, by_name = [], {}
    for name, package, _, reference in methods:
        problem = problem_of[name]
        row = {"method": name, "package": package, "version": version(package), "hidden": hidden}
        if name in errors:
            row |= {"epochs": problem.epochs, "seconds": None, "final_mse": None, "error": errors[name]}
        else:
            seconds, theta, info = min(runs[name], key=lambda r: r[0])
            row |= {"epochs": problem.epochs, **info, "seconds": seconds, "final_mse": problem.mse(theta)}
            row |= {"ms_per_epoch": 1e3 * seconds / max(row["epochs"], 1), "runs": len(runs[name])}
        ref = by_name.get(reference)
        if ref and row["seconds"] and ref.get("seconds"):
            row["time_ratio_to_anndl"] = row["seconds"] / ref["seconds"]
            row["per_epoch_ratio_to_anndl"] = row["ms_per_epoch"] / ref["ms_per_epoch"]
        by_name[name] = row
        rows.append(row)
    return rows


def kernel_timings(hidden: int = 50, repeats: int = 200) -> dict:
    """numpy or torch for the maths? One gradient and one Jacobian (each with its forward pass)
    of the 1-H-1 net on 943 points, float64, one thread: anndl's numpy code, the same analytic
    formulas in torch, torch autograd, and torch.func's per-sample vmap(jacrev) (what
    torch-levenberg-marquardt uses); and a Jacobian with the J'J an lm epoch forms from it."""
    import torch

    torch.set_num_threads(1)
    p = Problem(hidden, 1)

    def per_call_ms(fn, n):
        fn()  # warm-up (torch.func traces on first use)
        start = time.perf_counter()
        for _ in range(n):
            fn()
        return 1e3 * (time.perf_counter() - start) / n

    (W1, b1), (W2, b2) = [(torch.from_numpy(W), torch.from_numpy(b)) for W, b in p.layers()]
    X, T = torch.from_numpy(p.Xs), torch.from_numpy(p.Ts)

    def torch_analytic_jacobian():
        A = torch.tanh(X @ W1.T + b1)  # (N, H)
        D = (1 - A * A) * W2  # d output / d hidden pre-activation
        return torch.cat([D * X, D, A, torch.ones_like(X)], dim=1)

    def torch_analytic_gradient():
        A = torch.tanh(X @ W1.T + b1)
        delta = 2.0 * (A @ W2.T + b2 - T) / len(T)
        hidden_delta = (delta @ W2) * (1 - A * A)
        return hidden_delta.T @ X, hidden_delta.sum(0), delta.T @ A, delta.sum(0)

    params = [t.clone().requires_grad_(True) for t in (W1, b1, W2, b2)]

    def torch_autograd_gradient():
        out = torch.tanh(X @ params[0].T + params[1]) @ params[2].T + params[3]
        return torch.autograd.grad(((out - T) ** 2).mean(), params)

    def one_sample(w1, c1, w2, c2, x):
        return torch.tanh(x @ w1.T + c1) @ w2.T + c2

    def torch_jacobian_and_gram():
        J = torch_analytic_jacobian()
        return J.T @ J

    buffer = np.empty((p.Xs.shape[0], p.net.n_params), order="F")  # as the trainers reuse one

    def numpy_jacobian():
        return p.net.errors_and_jacobian(p.net.theta_, p.Xs, p.T, out=buffer)[1]

    def numpy_jacobian_and_gram():
        J = numpy_jacobian()
        return J.T @ J

    per_sample = torch.func.vmap(torch.func.jacrev(one_sample, argnums=(0, 1, 2, 3)), in_dims=(None,) * 4 + (0,))
    return {
        "numpy_gradient_ms": per_call_ms(lambda: p.net.loss_and_grad(p.net.theta_, p.Xs, p.T), repeats),
        "torch_analytic_gradient_ms": per_call_ms(torch_analytic_gradient, repeats),
        "torch_autograd_gradient_ms": per_call_ms(torch_autograd_gradient, repeats),
        "numpy_jacobian_ms": per_call_ms(numpy_jacobian, repeats),
        "torch_analytic_jacobian_ms": per_call_ms(torch_analytic_jacobian, repeats),
        "numpy_jacobian_and_gram_ms": per_call_ms(numpy_jacobian_and_gram, repeats),
        "torch_analytic_jacobian_and_gram_ms": per_call_ms(torch_jacobian_and_gram, repeats),
        "torch_vmap_jacrev_jacobian_ms": per_call_ms(lambda: per_sample(W1, b1, W2, b2, X), repeats // 10),
    }


def print_table(rows: list[dict]) -> None:
    print(
        "| method | hidden | epochs | time (s) | ms / epoch | final MSE | time / anndl | per epoch / anndl | version |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        seconds = f"{r['seconds']:.3f}" if r.get("seconds") is not None else "failed"
        per_epoch = f"{r['ms_per_epoch']:.2f}" if "ms_per_epoch" in r else ""
        mse = f"{r['final_mse']:.3e}" if r.get("final_mse") is not None else r.get("error", "")
        ratio = f"{r['time_ratio_to_anndl']:.2f}" if "time_ratio_to_anndl" in r else ""
        epoch_ratio = f"{r['per_epoch_ratio_to_anndl']:.2f}" if "per_epoch_ratio_to_anndl" in r else ""
        print(f"| {r['method']} | {r['hidden']} | {r['epochs']} | {seconds} | {per_epoch} | {mse} | {ratio} | "
              f"{epoch_ratio} | {r['version']} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=500)
    parser.add_argument(
        "--repeats", type=int, default=5, help="rounds: each method is timed once per round, its fastest run is kept"
    )
    parser.add_argument(
        "--scaling",
        type=int,
        nargs="*",
        default=[100, 200],
        help="extra hidden sizes for anndl lm and torch-levenberg-marquardt",
    )
    parser.add_argument("--skip", nargs="*", default=[], help="leave out methods whose name contains these")
    parser.add_argument("--slow-epochs", type=int, default=50, help="epochs for neurolab's per-sample Python loops")
    parser.add_argument("--quick", action="store_true", help="50 epochs, no scaling rows")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--retain-freed-memory", action="store_true",
                        help="raise glibc's malloc thresholds first (anndl.allocator), to measure what that buys")
    args = parser.parse_args()
    if args.retain_freed_memory:
        retain_freed_memory()
    epochs = 50 if args.quick else args.epochs
    with threadpool_limits(1):
        slow_epochs = min(args.slow_epochs, epochs)
        rows = benchmark(args.hidden, epochs, set(args.skip), args.repeats, slow_epochs)
        skip_scaling = set(args.skip) | {"pyrenn", "scipy", "neurolab", "sklearn", "cgf", "bfg", "gd"}
        for hidden in [] if args.quick else args.scaling:
            rows += benchmark(hidden, epochs, skip_scaling, 1, slow_epochs)
        kernels = kernel_timings(args.hidden)
    print_table(rows)
    print("\nkernel timings (ms):", json.dumps({k: round(v, 3) for k, v in kernels.items()}))
    result = {
        "problem": f"sin(x^2), x = 0:0.01:3*pi (943 points), 1-H-1 tanh net, {epochs} epochs, same initial weights",
        "machine": {"platform": platform.platform(), "python": sys.version.split()[0], "threads": 1},
        "retain_freed_memory": args.retain_freed_memory,
        "versions": {
            k: version(k)
            for k in ("numpy", "scipy", "torch", "scikit-learn", "torch-levenberg-marquardt", "pyrenn", "neurolab")
        },
        "rows": rows,
        "kernel_timings_ms": kernels,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
