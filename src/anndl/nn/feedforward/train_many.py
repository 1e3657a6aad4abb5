"""``train_many``: :func:`~anndl.nn.feedforward.training.train` for B networks of one architecture at once.

gd, gdx, lm and br advance all B networks together (:mod:`anndl.nn.feedforward.classic.batched`), each with
its own state, stopping rules, early-stopping weights and history; every network follows the
trajectory that ``train`` gives it alone. Other algorithms (cgf and bfg, whose line searches
take a different number of loss evaluations per network), and lm / br for networks with more
parameters than training errors (solved through JJ', the dual form), are trained one by one with
``train``.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence

import numpy as np
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from anndl.nn.divergence import DivergenceGuard
from anndl.nn.feedforward.batched import NetworkBatch
from anndl.nn.feedforward.classic import ALGORITHMS, resolve_algorithm
from anndl.nn.feedforward.classic.batched import BATCH_STEPPERS, BatchStepper
from anndl.nn.feedforward.mlp import MLP, as_2d
from anndl.nn.feedforward.training import History, _StopRules, divide, train

CHUNK_VALUES = 2**17
"""Default bound on networks x samples x widest layer of one batch (1 MiB of float64 values)."""
RECORDED = ("loss", "val_loss", "test_loss", "grad_norm", "lr", "mu", "gamma", "alpha", "beta", "time",
            "evaluations")
"""The per-epoch fields of :class:`History`."""


def _per_network(A, count: int, what: str) -> list[np.ndarray]:
    """One (N, k) array per network: A shared by all, or a sequence / (B, N, k) array of them."""
    if isinstance(A, np.ndarray) and A.ndim <= 2:
        return [as_2d(A)] * count
    arrays = [as_2d(a) for a in A]
    if len(arrays) != count:
        raise ValueError(f"{what}: {len(arrays)} arrays for {count} networks")
    return arrays


def train_many(
    nets: Sequence[MLP],
    X,
    T,
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
    chunk_values: int = CHUNK_VALUES,
    **algorithm_params,
) -> list[tuple[MLP, History]]:
    """Train copies of ``nets`` (same layer sizes, activation and output) and return
    [(trained net, history)] in their order, each as ``train(net, X_b, T_b, ...)`` would.

    X, T: one (N, n_in) / (N, n_out) array for all networks, or one per network (a sequence or
    a (B, N, ...) array); every network has the same N and the same ``division``, drawn once
    (with ``rng`` for "random"). The other arguments are :func:`train`'s. History.time is the
    batch's wall time (all networks of a batch share it); ``max_time`` applies to the batch.

    The networks are trained in batches of as many as keep one layer's activations of the batch
    within ``chunk_values`` float64 values (networks x N x widest layer): beyond the CPU cache a
    bigger batch only waits longer on memory. Where that is one network, all are trained one by
    one with ``train``. The results do not depend on it.
    """
    if not len(nets):
        return []
    name = resolve_algorithm(algorithm)
    Xs_, Ts_ = _per_network(X, len(nets), "X"), _per_network(T, len(nets), "T")
    n = Xs_[0].shape[0]
    if any(x.shape[0] != n or t.shape[0] != n for x, t in zip(Xs_, Ts_, strict=True)):
        raise ValueError("train_many needs the same number of samples N for every network")
    sets = divide(n, division, rng)
    options = {"epochs": epochs, "goal": goal, "max_fail": max_fail, "min_grad": min_grad, "max_time": max_time,
               "threads": threads, **algorithm_params}  # fmt: skip
    size = max(1, chunk_values // (len(sets["train"]) * max(nets[0].layer_sizes)))
    spec = ALGORITHMS[name]
    dual = spec.needs_jacobian and nets[0].n_params > len(sets["train"]) * nets[0].layer_sizes[-1]
    if name not in BATCH_STEPPERS or len(nets) == 1 or size == 1 or dual:
        return [train(net, x, t, algorithm=name, division=sets, progress=progress, **options)
                for net, x, t in zip(nets, Xs_, Ts_, strict=True)]  # fmt: skip
    if spec.needs_jacobian and nets[0].output != "linear":
        raise ValueError(f"{name} needs a linear output (mse); use gd, gdx, cgf or bfg for softmax")
    for net, x, t in zip(nets, Xs_, Ts_, strict=True):
        if x.shape[1] != net.layer_sizes[0] or t.shape[1] != net.layer_sizes[-1]:
            raise ValueError(f"X {x.shape} and T {t.shape} do not fit a net with layers {net.layer_sizes}")
    max_fail = spec.max_fail if max_fail is None else int(max_fail)
    min_grad = spec.min_grad if min_grad is None else float(min_grad)
    scaled = [net.scale_inputs(x) for net, x in zip(nets, Xs_, strict=True)]
    data = {k: NetworkBatch(nets, [xs[sets[k]] for xs in scaled], [t[sets[k]] for t in Ts_])
            for k in ("train", "val", "test") if sets[k].size}  # fmt: skip
    early_stopping = "val" in data and max_fail > 0
    rules = _StopRules(goal, epochs, min_grad, max_fail if early_stopping else 0, max_time)
    out = []
    with threadpool_limits(threads):
        for lo in range(0, len(nets), size):
            chunk = np.arange(lo, min(lo + size, len(nets)))
            parts = {k: batch.select(chunk) for k, batch in data.items()}
            start = time.perf_counter()
            theta = np.stack([nets[b].theta_ for b in chunk])
            stepper = BATCH_STEPPERS[name](parts["train"], theta, **algorithm_params)
            thetas, histories = _batch_epoch_loop(stepper, name, parts, rules, progress, start)
            out += [(nets[b].with_theta(th), h) for b, th, h in zip(chunk, thetas, histories, strict=True)]
    return out


class _NetworkView:
    """What _StopRules.reason reads from a stepper, for one network of a batch."""

    __slots__ = ("grad_norm", "stop")

    def __init__(self, grad_norm: float, stop: str | None):
        self.grad_norm, self.stop = grad_norm, stop


def _batch_epoch_loop(stepper: BatchStepper, name: str, data: dict, rules: _StopRules, progress: bool, start):
    """The epoch loop of :func:`anndl.nn.feedforward.training._epoch_loop` for every network of the batch:
    record, keep the best validation weights, test the stop rules, step the networks still
    running. Returns (B, P) weights to keep and B histories."""
    size = stepper.size
    record = {k: np.full((rules.epochs + 1, size), np.nan) for k in RECORDED}
    best_theta, best_val = stepper.theta.copy(), np.full(size, np.inf)
    fails, best_epoch, last_epoch = (np.zeros(size, dtype=int) for _ in range(3))
    reasons = [""] * size
    running = np.arange(size)
    # each network's own divergence guard: its reference is its own initial loss
    own_rules = [dataclasses.replace(rules, guard=DivergenceGuard(rules.guard.what), diverged=False)
                 for _ in range(size)]
    bar = tqdm(total=rules.epochs, desc=f"train {size} x {name}", disable=None if progress else True, leave=False)
    for epoch in range(rules.epochs + 1):
        rows = slice(None) if len(running) == size else running
        theta, perf = stepper.theta[rows], stepper.perf[running]
        at = record["loss"][epoch]
        at[running] = perf
        for split in ("val", "test"):
            if split in data:
                record[f"{split}_loss"][epoch, running] = data[split].loss(theta, rows)[0]
        record["grad_norm"][epoch, running] = stepper.grad_norm[running]
        for key, values in stepper.log.items():
            record[key][epoch, running] = values[running]
        elapsed = time.perf_counter() - start
        record["time"][epoch, running] = elapsed
        record["evaluations"][epoch, running] = stepper.batch.evaluations[running]
        if rules.max_fail:
            val = record["val_loss"][epoch, running]
            better, worse = val < best_val[running], val > best_val[running]
            improved = running[better]
            best_theta[improved], best_val[improved] = theta[better], val[better]
            fails[improved], best_epoch[improved] = 0, epoch
            fails[running[worse]] += 1
        still = []
        for i, b in enumerate(running):
            view = _NetworkView(stepper.grad_norm[b], stepper.stop[b])
            reason = own_rules[b].reason(perf[i], epoch, view, fails[b], elapsed)
            if reason is None:
                still.append(b)
            else:
                reasons[b], last_epoch[b] = reason, epoch
        running = np.array(still, dtype=int)
        if not running.size:
            break
        stepper.step(running)
        bar.update(1)
    bar.close()
    histories = []
    for b in range(size):
        h = History(algorithm=name, **{k: record[k][: last_epoch[b] + 1, b].tolist() for k in RECORDED})
        h.stop_reason, h.diverged = reasons[b], own_rules[b].diverged
        h.best_epoch = int(best_epoch[b]) if rules.max_fail else int(last_epoch[b])
        histories.append(h)
    return (best_theta if rules.max_fail else stepper.theta), histories
