"""``train``: MATLAB-style training of an :class:`~anndl.nn.feedforward.mlp.MLP` with one of the classic
algorithms of :data:`anndl.nn.feedforward.classic.ALGORITHMS` (the report's six and trainscg), data division,
MATLAB's stopping rules and a per-epoch history."""

from __future__ import annotations

import inspect
import math
import time
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from anndl.nn.divergence import DivergenceGuard
from anndl.nn.feedforward.classic import ALGORITHMS, Objective, resolve_algorithm
from anndl.nn.feedforward.mlp import MLP, as_2d

DIVISIONS = ("train", "random")


@dataclass
class History:
    """Per-epoch record of one training run; entry i describes the network after i epochs
    (entry 0: the initial network). NaN where a quantity does not apply."""

    algorithm: str
    """anndl's short name of the algorithm (gd, gdx, cgf, bfg, lm, br)."""
    loss: list[float] = field(default_factory=list)
    """training loss: mse in target units (linear output) or mean cross-entropy (softmax)."""
    val_loss: list[float] = field(default_factory=list)
    """validation loss (NaN without a validation set)."""
    test_loss: list[float] = field(default_factory=list)
    """test loss (NaN without a test set)."""
    grad_norm: list[float] = field(default_factory=list)
    """norm of the gradient that the min_grad rule tests."""
    lr: list[float] = field(default_factory=list)
    """learning rate (gd, gdx) or line-search step length (cgf, bfg)."""
    mu: list[float] = field(default_factory=list)
    """Levenberg–Marquardt damping (lm, br)."""
    gamma: list[float] = field(default_factory=list)
    """effective number of parameters (br)."""
    alpha: list[float] = field(default_factory=list)
    """weight-decay coefficient of F = beta*mse + alpha*|theta|^2 (br)."""
    beta: list[float] = field(default_factory=list)
    """data-error coefficient of F (br)."""
    time: list[float] = field(default_factory=list)
    """wall time since the start of training (s)."""
    evaluations: list[float] = field(default_factory=list)
    """network evaluations on the training set so far (loss, loss-and-gradient and Jacobian calls,
    line searches included); entry 0 counts those of the algorithm's set-up."""
    stop_reason: str = ""
    """why training stopped, in MATLAB's words."""
    best_epoch: int = 0
    """epoch of the returned network (the best validation epoch when early stopping is on)."""
    diverged: bool = False
    """True when training stopped on the divergence rule of :mod:`anndl.nn.divergence`."""

    @property
    def epochs(self) -> int:
        """Number of epochs (updates) run."""
        return len(self.loss) - 1

    @property
    def evaluations_per_epoch(self) -> float:
        """Mean network evaluations per epoch run (set-up excluded; NaN before the first epoch)."""
        return (self.evaluations[-1] - self.evaluations[0]) / self.epochs if self.epochs else math.nan


def divide(n: int, division, rng: np.random.Generator | None = None) -> dict[str, np.ndarray]:
    """Index sets {"train", "val", "test"} for n samples.

    ``division``: "train" (all training, MATLAB's dividetrain), "random" (70/15/15 drawn with
    ``rng``, as dividerand) or a mapping with explicit index arrays (missing keys: empty).
    """
    empty = np.array([], dtype=int)
    if isinstance(division, dict):
        unknown = set(division) - {"train", "val", "test"}
        if unknown:
            raise ValueError(f"unknown division keys {sorted(unknown)}; known: train, val, test")
        sets = {k: np.asarray(division.get(k, empty), dtype=int).ravel() for k in ("train", "val", "test")}
        for k, idx in sets.items():
            if idx.size and (idx.min() < 0 or idx.max() >= n):
                raise ValueError(f"division[{k!r}] has indices outside [0, {n})")
        if sets["train"].size == 0:
            raise ValueError("division['train'] is empty")
        return sets
    if division == "train":
        return {"train": np.arange(n), "val": empty, "test": empty}
    if division == "random":
        if rng is None:
            raise ValueError("division='random' needs rng=np.random.Generator")
        n_val, n_test = round(0.15 * n), round(0.15 * n)
        perm = rng.permutation(n)
        return {
            "train": np.sort(perm[: n - n_val - n_test]),
            "val": np.sort(perm[n - n_val - n_test : n - n_test]),
            "test": np.sort(perm[n - n_test :]),
        }
    raise ValueError(f"unknown division {division!r}; known: {DIVISIONS} or a dict of index arrays")


def algorithm_defaults(algorithm: str) -> dict[str, float]:
    """The algorithm's own parameters that :func:`train` accepts as keywords, with their defaults
    (MATLAB's), e.g. ``{"mu": 0.001, "mu_dec": 0.1, "mu_inc": 10.0, "mu_max": 1e10}`` for lm.
    ``algorithm``: a short or MATLAB name; an unknown one is a ValueError listing the known ones."""
    stepper = ALGORITHMS[resolve_algorithm(algorithm)].stepper
    parameters = list(inspect.signature(stepper.__init__).parameters.values())[3:]  # self, objective, theta
    return {p.name: p.default for p in parameters}


def train(
    net: MLP,
    X: np.ndarray,
    T: np.ndarray,
    algorithm: str = "lm",
    division="train",
    epochs: int = 1000,
    goal: float = 0.0,
    max_fail: int | None = None,
    min_grad: float | None = None,
    max_time: float = math.inf,
    progress: bool = False,
    rng: np.random.Generator | None = None,
    threads: int | None = 1,
    **algorithm_params,
) -> tuple[MLP, History]:
    """Train a copy of ``net`` on X (N, n_in), T (N, n_out) and return (trained net, history).

    ``net`` itself is not changed, so several algorithms can start from the same weights.
    ``algorithm``: gd, gdx, cgf, bfg, lm, br or MATLAB's traingd ... trainbr; its parameters
    (lr, mu, ...) are keyword arguments with MATLAB's defaults. ``max_fail`` and ``min_grad``
    default to the algorithm's MATLAB values (6, and 0 = no validation stop for br).

    Each epoch first checks MATLAB's stopping rules in order (goal, epochs, min_grad,
    the algorithm's own stop such as mu > mu_max, validation failures, max_time), then
    updates. Validation failures count strict increases over the best validation loss; when
    early stopping is on (a validation set and max_fail > 0), the best-validation network is
    returned, otherwise the last one.

    ``threads`` caps BLAS and OpenMP threads during training (None: leave them as they are).
    The default 1 is fastest for these small matrices: extra threads only add
    synchronisation, and runs are parallelised over processes (``--jobs``) instead.
    """
    name = resolve_algorithm(algorithm)
    spec = ALGORITHMS[name]
    if spec.needs_jacobian and net.output != "linear":
        raise ValueError(f"{name} needs a linear output (mse); use gd, gdx, cgf or bfg for softmax")
    accepted = list(algorithm_defaults(name))
    unknown = set(algorithm_params) - set(accepted)
    if unknown:
        raise ValueError(f"unknown parameters {sorted(unknown)} for {name}; known: {accepted}")
    max_fail = spec.max_fail if max_fail is None else int(max_fail)
    min_grad = spec.min_grad if min_grad is None else float(min_grad)

    X, T = as_2d(X), as_2d(T)
    if X.shape[0] != T.shape[0] or X.shape[1] != net.layer_sizes[0] or T.shape[1] != net.layer_sizes[-1]:
        raise ValueError(f"X {X.shape} and T {T.shape} do not fit a net with layers {net.layer_sizes}")
    sets = divide(X.shape[0], division, rng)
    Xs = net.scale_inputs(X)
    evaluation = {k: (Xs[sets[k]], T[sets[k]]) for k in ("val", "test") if sets[k].size}
    early_stopping = "val" in evaluation and max_fail > 0

    with threadpool_limits(threads), np.errstate(over="ignore", invalid="ignore"):  # divergence is a stop rule
        start = time.perf_counter()
        stepper = spec.stepper(Objective(net, Xs[sets["train"]], T[sets["train"]]), net.theta_, **algorithm_params)
        rules = _StopRules(goal, epochs, min_grad, max_fail if early_stopping else 0, max_time)
        theta, history = _epoch_loop(stepper, name, net, evaluation, rules, progress, start)
    return net.with_theta(theta), history


@dataclass
class _StopRules:
    goal: float
    epochs: int
    min_grad: float
    max_fail: int  # 0: no early stopping
    max_time: float
    guard: DivergenceGuard = field(default_factory=lambda: DivergenceGuard("training loss"))
    diverged: bool = False

    def reason(self, perf: float, epoch: int, stepper, fails: int, elapsed: float) -> str | None:
        if (why := self.guard.reason(perf)) is not None:
            self.diverged = True
            return f"Training diverged: {why}"
        if perf <= self.goal:
            return "Performance goal met"
        if epoch >= self.epochs:
            return "Maximum epoch reached"
        if stepper.grad_norm < self.min_grad:
            return "Minimum gradient reached"
        if stepper.stop is not None:
            return stepper.stop
        if self.max_fail and fails >= self.max_fail:
            return "Validation stop"
        if elapsed > self.max_time:
            return "Maximum time elapsed"
        return None


def _epoch_loop(stepper, name: str, net: MLP, evaluation: dict, rules: _StopRules, progress: bool, start):
    """Run epochs until a stopping rule fires; returns (weights to keep, history).
    ``start``: perf_counter() value that history.time counts from."""
    history = History(algorithm=name)
    best_theta, best_val, fails = stepper.theta.copy(), math.inf, 0
    bar = tqdm(total=rules.epochs, desc=f"train {name}", disable=None if progress else True, leave=False)
    for epoch in range(rules.epochs + 1):
        perf = stepper.perf
        val, test = (net.loss(stepper.theta, *evaluation[k]) if k in evaluation else math.nan for k in ("val", "test"))
        _record(history, stepper, perf, val, test, time.perf_counter() - start)
        if rules.max_fail:
            if val < best_val:
                best_theta, best_val, fails, history.best_epoch = stepper.theta.copy(), val, 0, epoch
            elif val > best_val:
                fails += 1
        history.stop_reason = rules.reason(perf, epoch, stepper, fails, history.time[-1])
        if history.stop_reason is not None:
            history.diverged = rules.diverged
            break
        stepper.step()
        bar.update(1)
        bar.set_postfix(loss=f"{stepper.perf:.3g}", refresh=False)
    bar.close()
    if rules.max_fail:
        return best_theta, history
    history.best_epoch = history.epochs
    return stepper.theta, history


def _record(history: History, stepper, perf: float, val: float, test: float, elapsed: float) -> None:
    history.loss.append(perf)
    history.val_loss.append(val)
    history.test_loss.append(test)
    history.grad_norm.append(stepper.grad_norm)
    for key in ("lr", "mu", "gamma", "alpha", "beta"):
        getattr(history, key).append(float(stepper.log.get(key, math.nan)))
    history.time.append(elapsed)
    history.evaluations.append(stepper.objective.evaluations)
