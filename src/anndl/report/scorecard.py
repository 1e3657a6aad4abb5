"""The report's claims and figures, as data. Values quoted in ``report_value`` are the report's own."""

from __future__ import annotations

from anndl.report.claims import Claim

CLAIMS: list[Claim] = [
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
]

# (report figure, experiment, figure name in the run directory)
REPORT_FIGURES: list[tuple[str, str, str]] = [
    ("fig3_1", "pca", "pca_tsne_three_datasets"),
    ("fig3_2", "pca", "pca_spectrum_gaussian"),
    ("fig3_3", "pca", "pca_spectrum_spectra"),
    ("fig3_4", "pca", "pca_spectrum_threes"),
    ("fig3_4", "pca", "pca_reconstruction_rmsd_vs_q"),
    ("fig3_5", "pca", "pca_threes_mean_and_reconstructions"),
    ("fig3_x", "pca", "pca_error_equals_dropped_eigenvalues"),
]
