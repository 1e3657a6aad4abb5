"""§3.1 Principal component analysis on Gaussian noise, correlated spectra and handwritten threes."""

from __future__ import annotations

import dataclasses

import numpy as np

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.data.course import CourseFiles
from anndl.data.spectra import COFFEE_SPECTRA, load_spectra
from anndl.data.threes import SIDE, load_threes
from anndl.nn.autoencoders.pca import PCA
from anndl.registry import experiment


@dataclasses.dataclass(kw_only=True)
class PCAConfig(ExperimentConfig):
    gaussian_samples: int = param(500, ge=2)
    """Samples of the Gaussian-noise data set (the course's randn(50, 500))."""
    gaussian_dims: int = param(50, ge=2)
    """Dimensions of the Gaussian-noise data set."""
    spectra_path: str = COFFEE_SPECTRA
    """Correlated spectra: CSV (optionally .gz) with a header row and one spectrum per row."""
    threes_path: str | None = None
    """Threes: null for the shipped MNIST subset's 3s resampled to 16×16, or the course's threes.mat."""
    threes_count: int = param(500, ge=2)
    """Number of threes used."""
    variance_levels: list[float] = param([0.9, 0.99, 0.999], gt=0, le=1)
    """Explained-variance fractions whose component counts go into metrics.json."""
    reconstruction_q: list[int] = param([1, 2, 3, 4, 10, 50, 256], ge=1, le=256)
    """Numbers of components q shown in the threes' reconstruction panel."""
    examples: int = param(4, ge=1, le=20)
    """Threes shown in the reconstruction panel."""
    tsne_perplexity: float = param(30.0, gt=1)
    """t-SNE perplexity (capped below a third of the sample count for small data sets)."""
    tsne_max_iter: int = param(1000, ge=250)
    """t-SNE optimisation iterations (scikit-learn's minimum is 250)."""


def _q_grid(n_features: int, points: int = 40) -> np.ndarray:
    """About ``points`` log-spaced component counts from 1 to D, always including D."""
    return np.unique(np.round(np.geomspace(1, n_features, points)).astype(int))


def _rmsd_curve(pca: PCA, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Component counts q and the RMSD measured by actually reconstructing X from q components."""
    qs = _q_grid(X.shape[1])
    return qs, np.array([pca.rmsd(X, q) for q in qs])


def _plot_spectrum(ctx, name: str, title: str, pca: PCA, levels: list[float]) -> None:
    fig, (ax_eig, ax_cum) = plotting.subplots(1, 2)
    q = np.arange(1, len(pca.eigenvalues_) + 1)
    positive = pca.eigenvalues_ > 0
    ax_eig.semilogy(q[positive], pca.eigenvalues_[positive], ".-")
    ax_eig.set(xlabel="component index q", ylabel="eigenvalue (variance, data units²)",
               title=f"{title}: eigenvalues")
    (curve,) = ax_cum.plot(q, pca.cumulative_explained_variance(), ".-", label="cumulative explained variance")
    handles = [curve]
    for index, level in enumerate(levels, start=1):
        k = pca.components_for(level)
        threshold = ax_cum.axhline(level, color="grey", lw=0.6, ls=":", label="variance levels (dotted)")
        handles += [threshold] if index == 1 else []
        handles += ax_cum.plot([k], [level], "o", color=f"C{index}", label=f"{level:.1%} reached at q = {k}")
    ax_cum.set(xlabel="number of components q", ylabel="cumulative explained variance (fraction)",
               title=f"{title}: explained variance", xscale="log")
    ax_cum.legend(handles=handles, loc="best", fontsize=8)
    data = {"component index q (positive eigenvalues)": q[positive],
            "eigenvalue (variance, data units²)": pca.eigenvalues_[positive],
            "number of components q": q, "cumulative explained variance": pca.cumulative_explained_variance(),
            "variance level": levels, "components for the level": [pca.components_for(level) for level in levels]}
    ctx.save_figure(fig, f"pca_spectrum_{name}", data=data)


def check_data(cfg: PCAConfig) -> None:
    """The spectra CSV and the threes table (or the shipped digits) load with the expected shapes."""
    from anndl.data.spectra import load_spectra
    from anndl.data.threes import load_threes

    load_spectra(cfg.spectra_path)
    load_threes(cfg.threes_path, cfg.threes_count)


COURSE_DATA = (CourseFiles({"threes_path": "threes.mat"}), CourseFiles({"spectra_path": "choles_all.csv"}))
"""Under ``--data DIR``: the course's threes, and MATLAB's cholesterol spectra when exported (see README)."""


@experiment("pca", PCAConfig, "PCA: eigenvalue spectra, explained variance, reconstructions, t-SNE (§3.1)",
            check_data=check_data, course_data=COURSE_DATA)
def run(cfg: PCAConfig, ctx) -> dict:
    rng = ctx.rng()
    datasets = {
        "gaussian": rng.standard_normal((cfg.gaussian_samples, cfg.gaussian_dims)),
        "spectra": load_spectra(cfg.spectra_path),
        "threes": load_threes(cfg.threes_path, cfg.threes_count),
    }
    titles = {"gaussian": "Gaussian noise", "spectra": "coffee spectra", "threes": "handwritten threes"}
    metrics: dict = {}
    fits: dict[str, PCA] = {}
    rmsd_curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name, X in ctx.progress(datasets.items(), desc="PCA", total=len(datasets)):
        pca = fits[name] = PCA().fit(X)
        _plot_spectrum(ctx, name, titles[name], pca, cfg.variance_levels)
        rmsd_curves[name] = _rmsd_curve(pca, X)
        metrics[name] = {
            "n_samples": X.shape[0], "n_features": X.shape[1],
            **{f"components_for_{level:g}": pca.components_for(level) for level in cfg.variance_levels},
            "explained_by_first": float(pca.explained_variance_ratio_[0]),
            "rmsd_q1": float(rmsd_curves[name][1][0]),
            "rmsd_full": float(rmsd_curves[name][1][-1]),
        }

    _plot_rmsd(ctx, rmsd_curves, titles)
    _plot_dropped_eigenvalue_identity(ctx, fits, rmsd_curves, titles, metrics)
    _plot_threes(ctx, cfg, fits["threes"], datasets["threes"], metrics)
    threes = datasets["threes"]  # the report's "around 1e-5" at full q is single precision: the same PCA in float32
    metrics["threes"][f"rmsd_q{threes.shape[1]}_float32"] = PCA(np.float32).fit(threes).rmsd(threes, threes.shape[1])
    _plot_tsne(ctx, cfg, datasets, titles)
    return metrics


ROUND_OFF = 1e-9
"""An RMSD below this times the data's RMSD at q = 1 is floating-point round-off (the data fully kept)."""


def _plot_rmsd(ctx, curves: dict[str, tuple[np.ndarray, np.ndarray]], titles: dict[str, str]) -> None:
    """RMSD against q on log axes, the y range clipped to the informative values: the round-off cliff
    (RMSD ~1e-15 once q reaches the data's rank) is marked by triangles on the bottom edge, not drawn to
    scale, so that it does not squash the range where the components matter."""
    fig, axes = plotting.subplots(1, len(curves))
    data = {}
    for ax, (name, (q, curve)) in zip(axes, curves.items(), strict=True):
        informative = curve > ROUND_OFF * curve[0]
        ax.loglog(q[informative], curve[informative], ".-", ms=3, color="C0", label="reconstruction RMSD")
        low = 10 ** np.floor(np.log10(curve[informative].min()))
        ax.set_ylim(low, None)
        if not informative.all():
            cliff = q[~informative]
            ax.plot(cliff, np.full(cliff.size, low), "v", ms=4, color="C3", clip_on=False,
                    label="round-off (below the axis)")
            ax.annotate(f"q ≥ {cliff[0]:g}: RMSD ≈ {np.median(curve[~informative]):.0e}\n(round-off), not to scale",
                        (cliff[0], low), xytext=(-4, 14), textcoords="offset points", ha="right", fontsize=7,
                        color="C3")
        plotting.dense_log_ticks(ax)
        ax.set(xlabel="components kept q", ylabel="reconstruction RMSD (data units)", title=titles[name])
        data |= {f"{name} components kept q": q, f"{name} reconstruction RMSD (data units)": curve}
    axes[0].legend(loc="lower left", fontsize=8)
    ctx.save_figure(fig, "pca_reconstruction_rmsd_vs_q", data=data)


def _plot_dropped_eigenvalue_identity(ctx, fits, curves, titles, metrics) -> None:
    """Measured MSE against (N−1)/(N·D)·Σ dropped eigenvalues: the points lie on the diagonal."""
    fig, axes = plotting.subplots(1, len(fits))
    data = {}
    for ax, (name, pca) in zip(axes, fits.items(), strict=True):
        qs, rmsd = curves[name]
        measured = rmsd**2
        predicted = np.array([pca.predicted_rmsd(q) ** 2 for q in qs])
        keep = predicted > predicted.max() * 1e-12
        data |= {f"{name} q": qs[keep], f"{name} (N−1)/(N·D) · Σ dropped eigenvalues (data units²)": predicted[keep],
                 f"{name} measured reconstruction MSE (data units²)": measured[keep]}
        ax.loglog(predicted[keep], measured[keep], ".", ms=4, label=f"q = 1 … {qs[-1]}")
        lims = [predicted[keep].min(), predicted[keep].max()]
        ax.plot(lims, lims, "k--", lw=0.8, label="identity")
        ax.set(xlabel="(N−1)/(N·D) · Σ dropped eigenvalues", ylabel="measured reconstruction MSE",
               title=titles[name])
        ax.legend()
        rel = np.abs(measured[keep] - predicted[keep]) / predicted[keep]
        metrics[name]["identity_max_relative_error"] = float(rel.max())
    ctx.save_figure(fig, "pca_error_equals_dropped_eigenvalues", data=data)


def _plot_threes(ctx, cfg: PCAConfig, pca: PCA, threes: np.ndarray, metrics: dict) -> None:
    qs = [q for q in cfg.reconstruction_q if q <= threes.shape[1]]
    examples = threes[: cfg.examples]
    columns = [examples] + [pca.reconstruct(examples, q) for q in qs]
    for q in qs:
        metrics["threes"][f"rmsd_q{q}"] = pca.rmsd(threes, q)
    tiles = np.stack(columns, axis=1).reshape(-1, SIDE, SIDE)
    fig, (ax_mean, ax_grid) = plotting.subplots(
        1, 2, width=1.0, height=0.75 * (cfg.examples + 1), gridspec_kw={"width_ratios": [1, len(columns)]})
    fig.set_size_inches(0.9 * (len(columns) + 1) + 1, 0.9 * cfg.examples + 0.8)
    ax_mean.imshow(pca.mean_.reshape(SIDE, SIDE), cmap="gray_r")
    ax_mean.set_title("mean three")
    ax_mean.set_axis_off()
    plotting.image_grid(ax_grid, tiles, ncols=len(columns), cmap="gray_r", vmin=0, vmax=1)
    for j, label in enumerate(["original"] + [f"q={q}" for q in qs]):
        ax_grid.text((j + 0.5) * (SIDE + 1), -2, label, ha="center", va="bottom", fontsize=8)
    ax_grid.set_title("reconstructions from q principal components", pad=24)
    ctx.save_figure(fig, "pca_threes_mean_and_reconstructions")


def _plot_tsne(ctx, cfg: PCAConfig, datasets: dict[str, np.ndarray], titles: dict[str, str]) -> None:
    fig, axes = plotting.subplots(1, len(datasets))
    for ax, (name, X) in zip(axes, ctx.progress(datasets.items(), desc="t-SNE", total=len(datasets)),
                             strict=True):
        perplexity = min(cfg.tsne_perplexity, (len(X) - 1) / 3)
        from sklearn.manifold import TSNE  # scikit-learn only when t-SNE runs, not to validate a config

        embedding = TSNE(perplexity=perplexity, max_iter=cfg.tsne_max_iter, init="pca",
                         random_state=ctx.child_seed() % 2**32).fit_transform(X)
        ax.scatter(embedding[:, 0], embedding[:, 1], s=6, alpha=0.7)
        ax.set(xlabel="t-SNE 1 (arbitrary units)", ylabel="t-SNE 2 (arbitrary units)",
               title=f"{titles[name]} (N = {len(X)})")
    ctx.save_figure(fig, "pca_tsne_three_datasets")
