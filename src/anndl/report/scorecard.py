"""The report's claims and figures, as data. Values quoted in ``report_value`` are the report's own."""

from __future__ import annotations

from anndl.nn import classic
from anndl.report.claims import Claim

ALGORITHMS = tuple(classic.ALGORITHMS)
"""The trainer's algorithms (gd, gdx, cgf, bfg, lm, br): the report compares all six."""


def _per_algorithm(metrics, prefix: str, suffix: str) -> dict[str, float]:
    return {a: metrics[f"{prefix}.{a}.{suffix}"] for a in ALGORITHMS}


def _lm_br_always_best(m) -> float:
    """Fraction of network sizes at which the better of lm/br has the lowest train MSE of all six."""
    curves = _per_algorithm(m["generalization"], "noiseless", "train_mse_mean")
    sizes = len(curves["lm"])
    others = [a for a in ALGORITHMS if a not in ("lm", "br")]
    wins = sum(min(curves["lm"][i], curves["br"][i]) <= min(curves[a][i] for a in others)
               for i in range(sizes))
    return wins / sizes


def _recovered(m, noise: int) -> dict[int, float]:
    prefix = f"recovered_fraction.noise_{noise}.iterations_"
    return {int(k[len(prefix):]): v for k, v in m["hopfield_digits"].items() if k.startswith(prefix)}


def _sae_accuracies(m, kind: str) -> dict[str, float]:
    return {k.split(".")[1]: v for k, v in m["sae_digits"].items()
            if k.startswith("architectures.") and k.endswith(f".{kind}")}


def _sae_data_caveat(m) -> str | None:
    data = str(m["sae_digits"].get("data", ""))
    return None if "course" in data else f"the report used the course's synthetic digits; this run: {data}"


def _regression_caveat(m) -> str | None:
    data = str(m["personal_regression"].get("data", ""))
    return None if "course" in data or ".mat" in data else "run on the built-in stand-in, not the course's data"


CLAIMS: list[Claim] = [
    # §1.1 training algorithms and generalisation
    Claim(("training_algorithms",), "1.1.1", "lm and br reach a train MSE at least 100× below gd (noiseless)",
          "orders of magnitude", lambda m: min(m["training_algorithms"]["noiseless.gd.train_mse_mean"]
                                               / m["training_algorithms"][f"noiseless.{a}.train_mse_mean"]
                                               for a in ("lm", "br")), lambda v: v >= 100),
    Claim(("training_algorithms",), "1.1.1", "gd is the fastest algorithm per epoch", "gd fastest",
          lambda m: min(_per_algorithm(m["training_algorithms"], "noiseless", "ms_per_epoch").items(),
                        key=lambda kv: kv[1])[0], lambda v: v == "gd"),
    Claim(("training_algorithms",), "1.1.1", "cgf reaches a lower train MSE than gd and gdx", "cgf < gdx < gd",
          lambda m: tuple(m["training_algorithms"][f"noiseless.{a}.train_mse_mean"] for a in ("cgf", "gdx", "gd")),
          lambda v: v[0] < min(v[1:])),
    Claim(("training_algorithms",), "1.1.1", "bfg is the slowest algorithm (training time)", "bfg slowest",
          lambda m: max(_per_algorithm(m["training_algorithms"], "noiseless", "seconds_mean").items(),
                        key=lambda kv: kv[1])[0], lambda v: v == "bfg"),
    Claim(("generalization",), "1.1.2", "lm or br has the lowest train MSE at every network size (noiseless)",
          "lm, br best at all sizes", _lm_br_always_best, lambda v: v == 1.0),
    Claim(("generalization",), "1.1.2", "on noisy data the best test MSE is reached with 40–50 hidden units (lm)",
          "40–50", lambda m: m["generalization"]["noisy.lm.best_hidden_units_by_test"], lambda v: 40 <= v <= 50),
    Claim(("fit_trainlm",), "1.1.2", "45 hidden units with trainlm match the noiseless function (test MSE < 1e-3)",
          "perfect match", lambda m: m["fit_trainlm"]["noiseless.test_mse"], lambda v: v < 1e-3),
    Claim(("personal_regression",), "1.2", "the grid search picks three hidden layers of 10 units",
          "3 × 10", lambda m: f"{m['personal_regression']['chosen.hidden_layers']} × "
                              f"{m['personal_regression']['chosen.units']}", lambda v: v == "3 × 10",
          caveat=_regression_caveat),
    Claim(("personal_regression",), "1.2", "the trainbr-retrained network reaches a test MSE below 1e-8",
          "3.05e-9", lambda m: m["personal_regression"]["final.test_mse"], lambda v: v < 1e-8,
          caveat=_regression_caveat),
    # §2.1 Hopfield
    Claim(("hopfield_2d",), "2.1", "the 2-D network has 9 fixed points, 6 of them spurious", "9, 6 spurious",
          lambda m: (m["hopfield_2d"]["n_attractors"], m["hopfield_2d"]["n_spurious"]), lambda v: v == (9, 6)),
    Claim(("hopfield_2d",), "2.1", "2-D trajectories converge in about 8 iterations on average", "8",
          lambda m: m["hopfield_2d"]["mean_iterations"], lambda v: 5 <= v <= 11),
    Claim(("hopfield_3d",), "2.1", "the 3-D network has no fixed points besides the stored patterns", "none",
          lambda m: m["hopfield_3d"]["n_spurious"], lambda v: v == 0),
    Claim(("hopfield_3d",), "2.1", "the 3-D network has no stable spurious attractor", "none",
          lambda m: m["hopfield_3d"]["n_spurious_stable"], lambda v: v == 0),
    Claim(("hopfield_3d",), "2.1", "3-D trajectories take around 55 iterations on average", "≈ 55",
          lambda m: m["hopfield_3d"]["mean_iterations"], lambda v: 35 <= v <= 75),
    Claim(("hopfield_digits",), "2.1", "low noise (2) is restored: ≥ 90 % of digits recovered",
          "easily restored", lambda m: max(_recovered(m, 2).values()), lambda v: v >= 0.9),
    Claim(("hopfield_digits",), "2.1", "more iterations recover more digits at high noise (6)",
          "more iterations help", lambda m: (lambda r: (r[min(r)], r[max(r)]))(_recovered(m, 6)),
          lambda v: v[1] > v[0]),
    # §2.2–2.3 Santa Fe
    Claim(("mlp_santafe",), "2.2", "the tuned lagged MLP forecasts the test set better than a small lag",
          "higher lag better", lambda m: (m["mlp_santafe"]["test.tuned_A.test_rmse_mean"],
                                          m["mlp_santafe"]["test.small_lag.test_rmse_mean"]), lambda v: v[0] < v[1]),
    Claim(("mlp_santafe",), "2.2", "regular tuning (open loop) selects h = p = 20", "h = p = 20",
          lambda m: f"h={m['mlp_santafe']['tuning_A.h']}, p={m['mlp_santafe']['tuning_A.p']}",
          lambda v: v == "h=20, p=20"),
    Claim(("lstm_santafe",), "2.3", "the LSTM beats the lagged MLP on test RMSE", "LSTM much better",
          lambda m: (m["lstm_santafe"]["lstm.test_rmse_mean"], m["lstm_santafe"]["mlp.test_rmse_mean"]),
          lambda v: v[0] < v[1]),
    # §3.1 PCA
    Claim(("pca",), "3.1", "Gaussian noise needs about 40 of 50 components for 90 % of the variance",
          "≈ 40", lambda m: m["pca"]["gaussian.components_for_0.9"], lambda v: 35 <= v <= 45),
    Claim(("pca",), "3.1", "highly correlated spectra need 3 or fewer components for 99.9 % of the variance",
          "3 (cholesterol, 21 features)", lambda m: m["pca"]["spectra.components_for_0.999"], lambda v: v <= 3),
    Claim(("pca",), "3.1", "reconstruction error of the threes at q = 256 is zero up to rounding",
          "≈ 1e-5", lambda m: m["pca"]["threes.rmsd_q256"], lambda v: v < 1e-4),
    Claim(("pca",), "3.1", "the error from dropping components equals the sum of the dropped eigenvalues",
          "proportional", lambda m: max(m["pca"][f"{d}.identity_max_relative_error"]
                                        for d in ("gaussian", "spectra", "threes")), lambda v: v < 1e-6),
    # §3.3 CNNs and AlexNet
    Claim(("cnn_digits",), "3.3", "doubling the CNN's filters (24, 48) raises test accuracy",
          "82.32 % -> 100 %", lambda m: (m["cnn_digits"]["12x24.test_accuracy"],
                                         m["cnn_digits"]["24x48.test_accuracy"]), lambda v: v[1] > v[0]),
    Claim(("alexnet_shapes",), "3.3", "AlexNet flattens 6×6×256 = 9216 values into its first FC layer",
          "9216", lambda m: m["alexnet_shapes"]["fc_input_size"], lambda v: v == 9216),
    Claim(("alexnet_shapes",), "3.3", "the classifier's input is less than 6 % of the input size (154,587)",
          "< 6 %", lambda m: m["alexnet_shapes"]["fc_input_ratio"], lambda v: v < 0.06),
    Claim(("sae_digits",), "3.2", "the best stacked autoencoder reaches 99 % or more after fine-tuning", "99.65 %",
          lambda m: max(_sae_accuracies(m, "accuracy_finetuned").values()), lambda v: v >= 99.0,
          caveat=_sae_data_caveat),
    Claim(("sae_digits",), "3.2", "fine-tuning improves every architecture's accuracy", "+0.16 … +31.67 %",
          lambda m: min(f - _sae_accuracies(m, "accuracy_greedy")[k]
                        for k, f in _sae_accuracies(m, "accuracy_finetuned").items()), lambda v: v > 0),
    Claim(("sae_digits",), "3.2", "stacked autoencoders beat the MLP 100-50 baseline trained with cgf",
          "99.65 % vs 92.09 %", lambda m: (max(_sae_accuracies(m, "accuracy_finetuned").values()),
                                           m["sae_digits"]["baseline.accuracy_mean"]), lambda v: v[0] > v[1]),
    # §4 generative models
    Claim(("dbm_mnist",), "4.2", "DBM samples are more coherent than RBM samples (closer to real digits)",
          "DBM better", lambda m: (m["dbm_mnist"]["sample_nearest_train_distance.DBM"],
                                   m["dbm_mnist"]["sample_nearest_train_distance.RBM"]), lambda v: v[0] < v[1]),
    Claim(("dcgan",), "4.3", "the discriminator's accuracy oscillates around 0.5 at the end of training",
          "≈ 0.5", lambda m: m["dcgan"]["last_steps.d_accuracy_mean"], lambda v: 0.35 <= v <= 0.65),
    Claim(("wgan_mnist",), "4.4", "the WGAN's samples are closer to real digits than a standard GAN's "
          "(Fréchet distance in a digit classifier's features)", "higher quality",
          lambda m: (m["wgan_mnist"]["quality.wgan-clip.frechet_distance"],
                     m["wgan_mnist"]["quality.bce.frechet_distance"]), lambda v: v[0] < v[1]),
    Claim(("wgan_mnist",), "4.4", "the WGAN is less prone to mode collapse (higher class entropy of samples)",
          "less mode collapse", lambda m: (m["wgan_mnist"]["quality.wgan-clip.class_entropy_bits"],
                                           m["wgan_mnist"]["quality.bce.class_entropy_bits"]), lambda v: v[0] > v[1]),
    Claim(("ot_color_transfer",), "4.4", "the transported image takes the other image's colour distribution",
          "same colours", lambda m: (m["ot_color_transfer"]["emd.w2_after_source_recoloured"],
                                     m["ot_color_transfer"]["w2_between_images_before"]), lambda v: v[0] < 0.5 * v[1]),
]

# (report figure, experiment, figure name in the run directory)
REPORT_FIGURES: list[tuple[str, str, str]] = [
    ("fig1_1", "training_algorithms", "training_time_and_train_mse_by_algorithm"),
    ("fig1_1", "training_algorithms", "train_mse_vs_epoch_by_algorithm"),
    ("fig1_2", "generalization", "generalization_noiseless_train_and_test_mse_vs_hidden_units"),
    ("fig1_3", "generalization", "generalization_noisy_train_and_test_mse_vs_hidden_units"),
    ("fig1_4", "fit_trainlm", "fit_trainlm_45_hidden_fit_and_error"),
    ("fig1_5", "personal_regression", "personal_regression_grid_search_validation_mse"),
    ("fig1_6", "personal_regression", "personal_regression_surfaces_and_test_errors"),
    ("fig2_1", "hopfield_2d", "hopfield_2d_trajectories_by_attractor"),
    ("fig2_1", "hopfield_3d", "hopfield_3d_trajectories_by_attractor"),
    ("fig2_2", "hopfield_digits", "hopfield_digits_recovery_vs_noise_and_iterations"),
    ("fig2_3", "mlp_santafe", "santafe_validation_windows"),
    ("fig2_4", "mlp_santafe", "santafe_mlp_closed_loop_forecasts"),
    ("fig2_5", "lstm_santafe", "santafe_lstm_vs_mlp_forecasts"),
    ("fig3_1", "pca", "pca_tsne_three_datasets"),
    ("fig3_2", "pca", "pca_spectrum_gaussian"),
    ("fig3_3", "pca", "pca_spectrum_spectra"),
    ("fig3_4", "pca", "pca_spectrum_threes"),
    ("fig3_4", "pca", "pca_reconstruction_rmsd_vs_q"),
    ("fig3_5", "pca", "pca_threes_mean_and_reconstructions"),
    ("fig3_x", "pca", "pca_error_equals_dropped_eigenvalues"),
    ("table3_1", "sae_digits", "sae_accuracy_before_and_after_finetuning"),
    ("fig4_1", "rbm_mnist", "rbm_gibbs_chains_from_test_digits"),
    ("fig4_2", "dbm_mnist", "dbm_components_rbm_vs_layer1_vs_layer2"),
    ("fig4_3", "dbm_mnist", "dbm_samples_vs_rbm_samples"),
    ("fig4_4", "dcgan", "dcgan_last_steps_loss_and_accuracy"),
    ("fig4_5", "ot_color_transfer", "ot_original_images_and_rgb_densities"),
    ("fig4_5", "ot_color_transfer", "ot_transported_images_emd_vs_sinkhorn"),
    ("fig4_6", "wgan_mnist", "wgan_last_steps_critic_and_generator_loss"),
]
