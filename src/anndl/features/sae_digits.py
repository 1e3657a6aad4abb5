"""§3.2 Stacked sparse autoencoders on handwritten digits: greedy layer-wise training, a softmax
layer, end-to-end fine-tuning, against an MLP 100-50 trained with conjugate gradients."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Literal

import numpy as np

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.data.course import CourseFiles
from anndl.data.course_digits import DigitData, load_digits
from anndl.nn.feedforward.classic import AlgorithmName
from anndl.registry import experiment

REPORT_TABLE_3_1 = {  # hidden layers -> (accuracy greedy, accuracy fine-tuned) in %, report's Table 3.1
    (200, 100, 50, 25): (99.49, 99.65), (200,): (99.29, 99.45), (200, 100, 50): (89.05, 99.35),
    (100, 50, 25): (67.59, 99.27), (100, 50): (90.77, 99.15), (100,): (98.49, 99.01),
    (200, 100): (98.38, 98.71),
}
REPORT_BASELINE = 92.09
"""The report's MLP 100-50 (traincgf) accuracy in %, mean of 3 runs."""


@dataclasses.dataclass
class AutoencoderLayer:
    """Settings of one sparse autoencoder (MATLAB trainAutoencoder's name-value arguments)."""

    l2: float = param(0.004, ge=0)
    """L2WeightRegularization: weight of 1/2 (|W_enc|^2 + |W_dec|^2)."""
    sparsity: float = param(4.0, ge=0)
    """SparsityRegularization: weight of the KL sparsity penalty."""
    proportion: float = param(0.15, gt=0, lt=1)
    """SparsityProportion: desired mean activation of each hidden unit."""
    epochs: int = param(400, ge=1)
    """MaxEpochs: full-batch epochs of the optimiser (MATLAB: trainscg epochs)."""


@dataclasses.dataclass
class Baseline:
    """The MLP baseline, trained with chapter 1's MATLAB-style trainer."""

    hidden: list[int] = param([100, 50], ge=1)
    """Hidden layer sizes (tanh units; softmax output)."""
    algorithm: AlgorithmName = "cgf"
    """Training algorithm of anndl.nn.feedforward.training.train (traincgf: Fletcher-Reeves conjugate gradient)."""
    epochs: int = param(200, ge=1)
    """Maximum epochs."""
    val_fraction: float = param(0.2, ge=0, lt=1)
    """Fraction of the training set used for early stopping (max_fail 6)."""
    repetitions: int = param(3, ge=0)
    """Independent runs (0: no baseline)."""


@dataclasses.dataclass(kw_only=True)
class SAEConfig(ExperimentConfig):
    data: DigitData = dataclasses.field(default_factory=lambda: DigitData(test_fraction=0.5))
    """Digits and their train/test split."""
    architectures: list[list[int]] = param([[200, 100, 50, 25], [200], [200, 100, 50], [100, 50, 25],
                                            [100, 50], [100], [200, 100]], ge=1)
    """Hidden layer sizes of each stacked autoencoder (the report's Table 3.1)."""
    repetitions: int = param(3, ge=1)
    """Independent repetitions of every architecture."""
    first_layer: AutoencoderLayer = dataclasses.field(default_factory=AutoencoderLayer)
    """Settings of the first autoencoder (course: 400 epochs, L2 0.004, sparsity 4, proportion 0.15)."""
    deeper_layers: AutoencoderLayer = dataclasses.field(
        default_factory=lambda: AutoencoderLayer(l2=0.002, sparsity=4.0, proportion=0.1, epochs=100))
    """Settings of the second and every deeper autoencoder (course: 100 epochs, L2 0.002, sparsity 4, 0.1)."""
    optimiser: Literal["scg", "lbfgs"] = "scg"
    """Trains the autoencoders, the softmax layer and the fine-tuning: scg = MATLAB's trainscg (its
    defaults: sigma 5e-5, lambda 5e-7, min_grad 1e-6); lbfgs = torch's L-BFGS with a strong-Wolfe line search."""
    softmax_epochs: int = param(400, ge=1)
    """Epochs of the softmax layer (course: 400)."""
    finetune_epochs: int = param(1000, ge=0)
    """Epochs of end-to-end fine-tuning (MATLAB's default 1000; stops earlier at min_grad)."""
    share_greedy_layers: bool = True
    """Within a repetition, architectures with a common prefix reuse the same greedily trained layers."""
    baseline: Baseline = dataclasses.field(default_factory=Baseline)
    """The MLP baseline."""
    features_shown: int = param(100, ge=1)
    """First-layer features drawn in the figure."""


def _flat(images: np.ndarray) -> np.ndarray:
    return images.reshape(len(images), -1)


@dataclasses.dataclass(frozen=True)
class StackCell:
    """One architecture in one repetition (a cell of ``ctx.map``): its greedy layers, softmax and
    fine-tuning. Architectures of a repetition that share their first layer share ``seed`` and
    ``checkpoint_dir``, so each shared layer is trained once and read from its checkpoint after."""

    data: DigitData
    data_seed: int
    hidden: tuple[int, ...]
    first_layer: AutoencoderLayer
    deeper_layers: AutoencoderLayer
    softmax_epochs: int
    finetune_epochs: int
    optimiser: str
    features_shown: int
    repetition: int
    keep_features: bool
    checkpoint_dir: str
    seed: int | None = None


@dataclasses.dataclass(frozen=True)
class BaselineCell:
    """One run of the MLP baseline."""

    data: DigitData
    data_seed: int
    repetition: int
    hidden: tuple[int, ...]
    algorithm: str
    epochs: int
    val_fraction: float
    seed: int | None = None


def _stack_architecture(cell: StackCell) -> dict:
    """Train one architecture (greedy layers, softmax, then fine-tuning); measure test accuracy.

    Every stage (each autoencoder, the softmax layer, the fine-tuned stack) is saved under
    ``cell.checkpoint_dir`` when it finishes and read back, not retrained, by a restarted run or by
    another architecture of the same repetition that shares the layer.
    """
    from anndl.nn.autoencoders.sparse import StackedClassifier, train_stack
    from anndl.nn.torchkit import Checkpointer

    data = load_digits(cell.data, np.random.default_rng(cell.data_seed))
    stages = Path(cell.checkpoint_dir)
    X, X_test = _flat(data.train_images), _flat(data.test_images)
    layers = [dataclasses.asdict(cell.first_layer), dataclasses.asdict(cell.deeper_layers)]
    settings = [layers[0]] + [layers[1]] * (len(cell.hidden) - 1)
    start = time.perf_counter()
    autoencoders, softmax = train_stack(X, data.train_labels, cell.hidden, settings, seed=cell.seed,
                                        softmax_epochs=cell.softmax_epochs, progress=True,
                                        optimiser=cell.optimiser, checkpoint_dir=stages)
    stack = StackedClassifier(autoencoders, softmax)
    greedy = stack.accuracy(X_test, data.test_labels)
    finetuned = Checkpointer(stages, 1, name=f"finetuned_{'-'.join(map(str, cell.hidden))}")
    if not finetuned.resume({"stack": stack}):
        stack.fine_tune(X, data.train_labels, epochs=cell.finetune_epochs, optimiser=cell.optimiser, progress=True)
        finetuned.save(1, {"stack": stack})
    shown = autoencoders[0].encoder_weight_[: cell.features_shown].numpy() if cell.keep_features else np.zeros(0)
    return {"result": {"hidden": list(cell.hidden), "accuracy_greedy": greedy,
                       "accuracy_finetuned": stack.accuracy(X_test, data.test_labels),
                       "finetune_iterations": len(stack.loss_curve_) - 1,
                       "seconds": time.perf_counter() - start},
            "features": shown, "description": data.description}


def _baseline(cell: BaselineCell) -> dict:
    """One MLP with chapter 1's trainer; early stopping on a random val_fraction of the training set."""
    from anndl.nn.feedforward.mlp import MLP
    from anndl.nn.feedforward.training import train

    data = load_digits(cell.data, np.random.default_rng(cell.data_seed))
    X, X_test = _flat(data.train_images).astype(float), _flat(data.test_images).astype(float)
    T = np.eye(10)[data.train_labels]
    rng = np.random.default_rng(cell.seed)
    net = MLP.create(layer_sizes=[X.shape[1], *cell.hidden, 10], X=X, T=T, rng=rng,
                     hidden_activation="tanh", output="softmax")
    order = rng.permutation(len(X))
    n_val = int(round(cell.val_fraction * len(X)))
    division = {"train": np.sort(order[n_val:]), "val": np.sort(order[:n_val])}
    net, history = train(net, X, T, algorithm=cell.algorithm, division=division, epochs=cell.epochs,
                         max_fail=6, progress=True)
    accuracy = float(np.mean(net.predict(X_test).argmax(axis=1) == data.test_labels))
    return {"accuracy": accuracy, "epochs": history.epochs, "stop_reason": history.stop_reason}


def check_data(cfg: SAEConfig) -> None:
    """The digit files ``data`` names load as 28x28 images with labels (the split's seed is irrelevant)."""
    from anndl.data.course_digits import load_digits

    load_digits(cfg.data, np.random.default_rng(0))


COURSE_DATA = (CourseFiles({"data.train_images": "digittrain_dataset.mat", "data.test_images": "digittest_dataset.mat"},
                           {"data.source": "course_mat"}),)
"""Under ``--data DIR``: the course's 5000 training and 5000 test digits, as the course script uses them."""


@experiment("sae_digits", SAEConfig, "Stacked sparse autoencoders vs an MLP on digits, Table 3.1 (§3.2)",
            check_data=check_data, course_data=COURSE_DATA)
def run(cfg: SAEConfig, ctx) -> dict:
    data_seed = ctx.child_seed()
    if cfg.share_greedy_layers:  # architectures with the same first layer share it within a repetition
        firsts = list(dict.fromkeys(a[0] for a in cfg.architectures))
        groups = [[a for a in cfg.architectures if a[0] == f] for f in firsts]
    else:
        groups = [[a] for a in cfg.architectures]
    group_seeds = ctx.cell_seeds(cfg.repetitions * len(groups))  # one per (repetition, group), in that order
    cells, seeds = [], []
    for r in range(cfg.repetitions):
        # one cell per architecture; the groups' first architectures come first, so that parallel workers
        # start on different first layers rather than on the same shared one
        order = sorted(((k, i, a) for i, g in enumerate(groups) for k, a in enumerate(g)), key=lambda t: t[:2])
        for k, i, hidden in order:
            cells.append(StackCell(cfg.data, data_seed, tuple(hidden), cfg.first_layer, cfg.deeper_layers,
                                   cfg.softmax_epochs, cfg.finetune_epochs, cfg.optimiser, cfg.features_shown, r,
                                   r == 0 and i == 0 and k == 0, str(ctx.checkpoint_dir / f"sae_rep{r}_group{i}")))
            seeds.append(group_seeds[r * len(groups) + i])
    outcomes = ctx.map(_stack_architecture, cells, desc="stacked autoencoders (architecture x repetition)",
                       seeds=seeds)
    first = next(o for o, c in zip(outcomes, cells, strict=True) if c.keep_features)

    b = cfg.baseline
    baseline_cells = [BaselineCell(cfg.data, data_seed, r, tuple(b.hidden), b.algorithm, b.epochs, b.val_fraction)
                      for r in range(b.repetitions)]
    baseline = ctx.map(_baseline, baseline_cells, desc="MLP baseline") if baseline_cells else []

    rows = _table_rows(cfg.architectures, [o["result"] for o in outcomes])
    ctx.write_table("sae_accuracy", rows)
    _plot_features(ctx, first["features"], cfg.architectures[0][0])
    _plot_accuracies(ctx, rows, baseline)
    baseline_acc = [100 * r["accuracy"] for r in baseline]
    metrics = {"data": first["description"],
               "architectures": {r["hidden layers"]: {"accuracy_greedy": r["accuracy greedy (%)"],
                                                      "accuracy_finetuned": r["accuracy fine-tuned (%)"],
                                                      "accuracy_greedy_std": r["std greedy (%)"],
                                                      "accuracy_finetuned_std": r["std fine-tuned (%)"],
                                                      "improvement": r["improvement (%)"]} for r in rows}}
    if baseline_acc:
        metrics["baseline"] = {"accuracy_mean": float(np.mean(baseline_acc)),
                               "accuracy_std": float(np.std(baseline_acc)),
                               "accuracies": baseline_acc, "epochs": [int(r["epochs"]) for r in baseline],
                               "report_accuracy": REPORT_BASELINE}
    return metrics


def _table_rows(architectures: list[list[int]], results: list[dict]) -> list[dict]:
    """One row per architecture (mean and std over repetitions), sorted by fine-tuned accuracy."""
    rows = []
    for hidden in architectures:
        mine = [r for r in results if list(r["hidden"]) == list(hidden)]
        greedy = 100 * np.array([r["accuracy_greedy"] for r in mine])
        tuned = 100 * np.array([r["accuracy_finetuned"] for r in mine])
        report = REPORT_TABLE_3_1.get(tuple(hidden), (float("nan"), float("nan")))
        rows.append({"hidden layers": "(" + ", ".join(map(str, hidden)) + ")",
                     "accuracy greedy (%)": float(greedy.mean()), "std greedy (%)": float(greedy.std()),
                     "accuracy fine-tuned (%)": float(tuned.mean()), "std fine-tuned (%)": float(tuned.std()),
                     "improvement (%)": float(tuned.mean() - greedy.mean()),
                     "report greedy (%)": report[0], "report fine-tuned (%)": report[1],
                     "fine-tuning iterations": float(np.mean([r["finetune_iterations"] for r in mine])),
                     "repetitions": len(mine)})
    return sorted(rows, key=lambda r: -r["accuracy fine-tuned (%)"])


def _plot_features(ctx, features: np.ndarray, n_hidden: int) -> None:
    features = np.asarray(features)
    side = int(round(np.sqrt(features.shape[1])))
    images = features.reshape(len(features), side, side)
    images = images / np.abs(images).max(axis=(1, 2), keepdims=True)
    fig, ax = plotting.subplots(1, 1, width=6, height=6)
    plotting.image_grid(ax, images, ncols=int(np.ceil(np.sqrt(len(images)))), cmap="gray", vmin=-1, vmax=1)
    ax.set_title(f"First autoencoder ({n_hidden} units): encoder weights of {len(images)} units")
    fig.supxlabel("each unit scaled by its largest |weight|: black −1, grey 0, white +1", fontsize=8)
    ctx.save_figure(fig, "sae_first_layer_features")


def _plot_accuracies(ctx, rows: list[dict], baseline: list[dict]) -> None:
    fig, ax = plotting.subplots(1, 1, width=7, height=4.2)
    y = np.arange(len(rows))[::-1]
    greedy = ax.barh(y + 0.2, [r["accuracy greedy (%)"] for r in rows], 0.4,
                     xerr=[r["std greedy (%)"] for r in rows], label="greedy (before fine-tuning)")
    tuned = ax.barh(y - 0.2, [r["accuracy fine-tuned (%)"] for r in rows], 0.4,
                    xerr=[r["std fine-tuned (%)"] for r in rows], label="fine-tuned")
    for bars in (greedy, tuned):  # the values, inside the bars: differences of a few tenths matter here
        ax.bar_label(bars, fmt="%.2f", label_type="center", color="white", fontsize=8)
    if baseline:
        mean_baseline = 100 * np.mean([b["accuracy"] for b in baseline])
        ax.axvline(mean_baseline, color="k", ls="--", lw=1, label=f"MLP baseline (cgf): {mean_baseline:.2f}")
    ax.set_yticks(y, [r["hidden layers"] for r in rows])
    ax.set(xlabel="test accuracy (%; bars: mean, whiskers: std over repetitions)", ylabel="hidden layers",
           title="Stacked autoencoders: test accuracy before and after fine-tuning", xlim=(0, 100))
    fig.legend(loc="outside lower center", ncols=3, fontsize=8)
    data = {"hidden layers": [r["hidden layers"] for r in rows]}
    data |= {f"{k} (%)": [r[f"{k} (%)"] for r in rows] for k in ("accuracy greedy", "std greedy",
                                                                  "accuracy fine-tuned", "std fine-tuned")}
    if baseline:
        data["MLP baseline (cgf) mean test accuracy (%)"] = [100 * np.mean([b["accuracy"] for b in baseline])]
    ctx.save_figure(fig, "sae_accuracy_before_and_after_finetuning", data=data)
