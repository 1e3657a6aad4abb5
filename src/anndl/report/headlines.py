"""Each experiment's headline metrics, declared once (name in metrics.json, label, unit, spread).

The report shows the ``headline`` ones as the experiment's small table; the scorecard reads every
number it judges through ``metric(experiment, key)``, so when an experiment renames a metric, the
name changes here and nowhere else. A test runs each shipped config quickly and checks that every
declared name is written.
"""

from __future__ import annotations

import dataclasses

from anndl.nn.feedforward.classic import REPORT_ALGORITHMS
from anndl.report.quantities import Metric

SAE_TABLE = ("(200, 100, 50, 25)", "(200)", "(200, 100, 50)", "(100, 50, 25)", "(100, 50)", "(100)", "(200, 100)")
"""The architectures of the report's Table 3.1, in its order."""


def _declare(experiment: str, *metrics: Metric) -> tuple[Metric, ...]:
    return tuple(dataclasses.replace(m, experiment=experiment) for m in metrics)


def _training_algorithms() -> list[Metric]:
    rows = []
    for a in REPORT_ALGORITHMS:
        rows.append(Metric(f"noiseless.{a}.train_mse_mean", f"{a} train MSE", "MSE",
                           std=f"noiseless.{a}.train_mse_std", n=("config.repetitions",)))
    for a in REPORT_ALGORITHMS:
        rows.append(Metric(f"noiseless.{a}.ms_per_epoch", f"{a} time per epoch", "ms"))
    for a in REPORT_ALGORITHMS:
        rows.append(Metric(f"noiseless.{a}.function_evaluations_per_epoch", f"{a} function evaluations per epoch",
                           headline=False))
    return rows


def _generalization() -> list[Metric]:
    rows = [Metric("hidden_units", "hidden units", "units", headline=False)]
    for a in REPORT_ALGORITHMS:
        rows.append(Metric(f"noiseless.{a}.train_mse_mean", f"{a} train MSE (noiseless)", "MSE",
                           std=f"noiseless.{a}.train_mse_std", n=("config.repetitions",), headline=False))
    rows += [Metric(f"noisy.{a}.test_mse_mean", f"{a} test MSE (noisy)", "MSE", std=f"noisy.{a}.test_mse_std",
                    n=("config.repetitions",), headline=False) for a in ("lm", "br")]
    rows += [Metric(f"noisy.{a}.best_hidden_units_by_test", f"{a}: best size by test MSE (noisy)", "units")
             for a in ("lm", "br")]
    return rows


def _hopfield(dim: int) -> list[Metric]:
    return [Metric("n_attractors", "end states, all starts"), Metric("n_spurious", "spurious end states, all starts"),
            Metric("n_spurious_stable", "stable spurious end states, all starts"),
            Metric("mean_iterations", "mean iterations to the end state, all starts", "iterations", exact=True),
            Metric("n_attractors_grid", "end states, grid starts"),
            Metric("n_spurious_grid", "spurious end states, grid starts"),
            Metric("mean_iterations_grid", "mean iterations to the end state, grid starts", "iterations", exact=True),
            Metric("mean_iterations_random", "mean iterations to the end state, random starts", "iterations",
                   exact=True, headline=False),
            Metric("n_fixed_points", "fixed points of the map", headline=False),
            Metric("n_fixed_points_saddle", "saddle fixed points of the map", headline=False),
            Metric("corner_fixed_points", f"corners of the {dim}-cube that are fixed points", reduce="len"),
            Metric("n_initial_states", "initial states")]


def _recovered(noise: int, iterations: str) -> Metric:
    label = "most" if iterations == "*" else iterations
    return Metric(f"recovered_fraction.noise_{noise}.iterations_{iterations}",
                  f"recovered at noise {noise}, {label} iterations", "%", scale=100, proportion=True,
                  n=("n_digits", "config.repetitions"))


def _sae() -> list[Metric]:
    rows = []
    for arch in SAE_TABLE:
        for kind, word in (("accuracy_greedy", "greedy"), ("accuracy_finetuned", "fine-tuned")):
            rows.append(Metric(f"architectures.{arch}.{kind}", f"{arch} {word}", "%",
                               std=f"architectures.{arch}.{kind}_std", n=("config.repetitions",),
                               family=f"architectures.*.{kind}", headline=kind == "accuracy_finetuned"))
    rows.append(Metric("baseline.accuracy_mean", "MLP 100-50 (cgf)", "%", per_repetition="baseline.accuracies"))
    return rows


def _hopfield_mnist() -> list[Metric]:
    rows = []
    for rule, name in (("lssm", "newhop"), ("hebb", "Hebb")):
        rows += [Metric(f"{rule}.patterns_fixed", f"{name}: stored digits that are fixed points"),
                 Metric(f"{rule}.max_noise_recovered_90pc", f"{name}: largest noise std with ≥ 90 % recovered, "
                        "most iterations", "std"),
                 Metric(f"{rule}.recovered.noise_5.iterations_*", f"{name}: recovered at noise 5, most iterations",
                        "%", scale=100, proportion=True, n=("n_patterns", "config.repetitions"))]
    return rows


HEADLINES: dict[str, tuple[Metric, ...]] = {
    "training_algorithms": _declare("training_algorithms", *_training_algorithms()),
    "generalization": _declare("generalization", *_generalization()),
    "fit_trainlm": _declare("fit_trainlm", Metric("noiseless.test_mse", "test MSE, noiseless targets", "MSE"),
                            Metric("noisy.test_mse", "test MSE, noisy targets", "MSE"),
                            Metric("noisy.test_mse_vs_true_function", "noisy fit vs the true function", "MSE")),
    "personal_regression": _declare(
        "personal_regression", Metric("chosen.hidden_layers", "chosen hidden layers"),
        Metric("chosen.units", "chosen units per layer"),
        Metric("final.train_mse", "train MSE (trainbr)", "MSE"), Metric("final.val_mse", "validation MSE", "MSE"),
        Metric("final.test_mse", "test MSE (trainbr)", "MSE"),
        Metric("grid.hidden_layers", "grid: hidden layers per architecture", "layers", exact=True, headline=False),
        Metric("grid.units", "grid: units per layer per architecture", "units", exact=True, headline=False),
        Metric("grid.val_mse_mean", "grid: validation MSE (trainlm)", "MSE", std="grid.val_mse_std",
               n=("config.repetitions",), headline=False)),
    "hopfield_2d": _declare("hopfield_2d", *_hopfield(2)),
    "hopfield_3d": _declare("hopfield_3d", *_hopfield(3)),
    "hopfield_mnist": _declare("hopfield_mnist", *_hopfield_mnist()),
    "optimizers_surface": _declare(
        "optimizers_surface",
        *[Metric(f"optimizers.{label}.test_mse_mean", f"{label}: test MSE", "MSE",
                 std=f"optimizers.{label}.test_mse_std", n=("config.repetitions",))
          for label in ("sgd_full_batch", "sgd_batch40", "nesterov", "adam", "lbfgs", "lm", "br", "scg", "bfg")],
        *[Metric(f"optimizers.{label}.ms_per_epoch", f"{label}: time per epoch", "ms", headline=False)
          for label in ("sgd_full_batch", "sgd_batch40", "nesterov", "adam", "lbfgs", "lm", "br", "scg", "bfg")]),
    "cnn_mnist_optimizers": _declare(
        "cnn_mnist_optimizers",
        *[Metric(f"{label}.test_accuracy_mean", f"{label}: test accuracy", "%", scale=100,
                 std=f"{label}.test_accuracy_std", n=("config.repetitions",))
          for label in ("adam", "sgd", "adadelta")],
        Metric("n_train", "training images"), Metric("n_test", "test images")),
    "forecasting_cv": _declare(
        "forecasting_cv",
        *[Metric(f"{series}.{model}.{which}_test_mse_mean", f"{series}, {name}: test MSE ({label})", "raw units²",
                 per_repetition=f"{series}.{model}.{which}_test_mse_per_repetition")
          for series in ("santafe", "mackey_glass") for model, name in (("mlp", "MLP"), ("rnn", "SimpleRNN"),
                                                                      ("lstm", "LSTM"))
          for which, label in (("chosen", "lag and H by CV"), ("default", "course defaults"))],
        *[Metric(f"{series}.{model}.chosen_lag", f"{series}, {model}: lag chosen by CV", headline=False)
          for series in ("santafe", "mackey_glass") for model in ("mlp", "rnn", "lstm")],
        *[Metric(f"{series}.eda.adf_pvalue", f"{series}: ADF test p-value") for series in ("santafe", "mackey_glass")]),
    "hopfield_capacity": _declare(
        "hopfield_capacity",
        *[Metric(f"{rule}.capacity_load_90pc", f"{name}: largest load P/D with ≥ 90 % of patterns fixed points")
          for rule, name in (("hebb", "Hebb"), ("lssm", "newhop"), ("modern", "modern"))],
        *[Metric(f"{rule}.recall_load_90pc", f"{name}: largest load with ≥ 90 % recalled from 10 % flipped bits")
          for rule, name in (("hebb", "Hebb"), ("lssm", "newhop"), ("modern", "modern"))],
        Metric("hebb.bits_load_99pc", "Hebb: largest load with ≥ 99 % of bits recalled")),
    "hopfield_digits": _declare("hopfield_digits", _recovered(2, "*"), _recovered(6, "20"), _recovered(6, "*"),
                                _recovered(10, "*"),
                                Metric("patterns_are_fixed_points", "stored digits that are fixed points")),
    "mlp_santafe": _declare(
        "mlp_santafe", Metric("tuning_A.h", "tuning A (validation block): h"), Metric("tuning_A.p", "tuning A: p"),
        Metric("tuning_B.h", "tuning B (closed-loop window): h"), Metric("tuning_B.p", "tuning B: p"),
        *[m for t, word in (("A", "one-step MSE on the validation block"), ("B", "closed-loop MSE on the window"))
          for m in (Metric(f"tuning_{t}.grid.h", f"tuning {t} grid: h", "units", exact=True, headline=False),
                    Metric(f"tuning_{t}.grid.p", f"tuning {t} grid: p", "units", exact=True, headline=False),
                    Metric(f"tuning_{t}.grid.val_mse", f"tuning {t}: {word}", "MSE", std=f"tuning_{t}.grid.val_mse_std",
                           n=("config.repetitions",), headline=False))],
        *[Metric(f"test.{name}.test_rmse_mean", f"test RMSE, {label}", "RMSE", std=f"test.{name}.test_rmse_std",
                 per_repetition=f"test.{name}.test_rmse_per_repetition")
          for name, label in (("small_lag", "small lag"), ("tuned_A", "tuning A"), ("tuned_B", "tuning B"))]),
    "lstm_santafe": _declare(
        "lstm_santafe", *[Metric(f"{net}.test_rmse_mean", f"{label} test RMSE", "RMSE",
                                 per_repetition=f"{net}.test_rmse_per_repetition")
                          for net, label in (("lstm", "LSTM"), ("mlp", "lagged MLP"))]),
    "pca": _declare(
        "pca", Metric("gaussian.components_for_0.9", "Gaussian: components for 90 % of the variance", "components"),
        Metric("spectra.components_for_0.999", "spectra: components for 99.9 %", "components"),
        Metric("spectra.n_features", "spectra: features"),
        Metric("threes.rmsd_q256_float32", "threes: RMSD at q = 256, float32"),
        Metric("threes.rmsd_q256", "threes: RMSD at q = 256, float64"),
        *[Metric(f"{d}.identity_max_relative_error", f"{d}: error vs dropped eigenvalues, max relative deviation",
                 exact=True)
          for d in ("gaussian", "spectra", "threes")]),
    "sae_digits": _declare("sae_digits", *_sae()),
    "cnn_digits": _declare(
        "cnn_digits", *[Metric(f"{f}.test_accuracy", f"CNN {f} filters test accuracy", "%", scale=100,
                               proportion=True, n=("n_test",)) for f in ("12x24", "24x48")]),
    "alexnet_shapes": _declare(
        "alexnet_shapes", Metric("fc_input_size", "first FC layer's input size", "values"),
        Metric("input_size", "input size", "values"),
        Metric("fc_input_ratio", "FC input / input size", "%", scale=100, exact=True)),
    "rbm_mnist": _declare(
        "rbm_mnist", Metric("pseudo_log_likelihood.test_final", "test pseudo-log-likelihood", "nats"),
        Metric("reconstruction_error.test_final", "test reconstruction error", "MSE")),
    "dbm_mnist": _declare(
        "dbm_mnist", *[Metric(f"sample_nearest_train_distance.{net}", f"{net} samples: distance to nearest "
                              "training digit", "RMS", se=f"sample_nearest_train_distance.{net}_se")
                       for net in ("DBM", "RBM")],
        Metric("reconstruction_error_test.dbm", "DBM test reconstruction error", "MSE")),
    "dcgan": _declare(
        "dcgan", Metric("last_steps.d_accuracy_mean", "discriminator accuracy, last steps", "%", scale=100),
        Metric("generator_steps", "generator steps"),
        Metric("quality.dcgan.frechet_distance", "Fréchet distance to real"),
        Metric("quality.real.frechet_distance", "real-vs-real floor")),
    "ot_color_transfer": _declare(
        "ot_color_transfer", Metric("w2_between_images_before", "colour W2 between the images before"),
        Metric("emd.w2_after_source_recoloured", "colour W2 after transport (EMD)"),
        Metric("sinkhorn.w2_after_source_recoloured", "colour W2 after transport (Sinkhorn)")),
    "wgan_mnist": _declare(
        "wgan_mnist", *[Metric(f"quality.{v}.frechet_distance", f"{label} Fréchet distance",
                               se=f"quality.{v}.frechet_distance_se")
                        for v, label in (("wgan-clip", "WGAN-clip"), ("wgan-gp", "WGAN-GP"), ("bce", "standard GAN"),
                                         ("real", "real-vs-real floor"))],
        *[Metric(f"quality.{v}.class_entropy_bits", f"{label} class entropy", "bits",
                 se=f"quality.{v}.class_entropy_bits_se")
          for v, label in (("wgan-clip", "WGAN-clip"), ("bce", "standard GAN"))],
        *[Metric(f"{v}.generator_steps", f"{v} generator steps") for v in ("clip", "gp", "bce")]),
    "autoencoders_mnist": _declare(
        "autoencoders_mnist",
        *[Metric(f"{v}.probe_accuracy_mean", f"{label}: linear-probe test accuracy", "%", scale=100,
                 per_repetition=f"{v}.probe_accuracy_per_repetition")
          for v, label in (("plain", "plain"), ("gaussian", "Gaussian denoising"), ("masking", "masking"),
                           ("salt_and_pepper", "salt-and-pepper"), ("l1_sparse", "L1-sparse"),
                           ("kl_sparse", "KL-sparse"), ("contractive", "contractive"))],
        Metric("pixels_probe_accuracy", "raw pixels: linear-probe test accuracy", "%", scale=100, exact=True),
        Metric("plain.test_mse_mean", "plain: test reconstruction MSE", "MSE",
               per_repetition="plain.test_mse_per_repetition")),
    "sae_mnist": _declare(
        "sae_mnist", *[Metric(f"{s}.test_accuracy_mean", f"{label} test accuracy", "%", scale=100,
                              per_repetition=f"{s}.test_accuracy_per_repetition")
                       for s, label in (("pretrained", "pre-trained + fine-tuned"), ("scratch", "from scratch"))]),
    "cnn_mnist": _declare(
        "cnn_mnist", Metric("test_accuracy_mean", "test accuracy after the last epoch", "%", scale=100,
                            per_repetition="test_accuracy_per_repetition"),
        Metric("n_parameters", "parameters", exact=True)),
    "attention_vit": _declare(
        "attention_vit", Metric("attention.max_abs_diff_output", "numpy vs torch attention: max |difference|",
                                exact=True),
        Metric("vit.test_accuracy_final", "ViT test accuracy", "%", scale=100, proportion=True, n=("n_test",)),
        Metric("vit.n_parameters", "ViT parameters", exact=True)),
    "gan_mnist": _declare(
        "gan_mnist", *[Metric(f"quality.{v}.frechet_distance", f"{label} Fréchet distance")
                       for v, label in (("mlp", "vanilla GAN"), ("cnn", "CNN GAN"), ("real", "real-vs-real floor"))],
        Metric("quality.mlp.class_entropy_bits", "vanilla GAN class entropy", "bits"),
        Metric("mlp.final_epoch_g_loss", "vanilla GAN generator loss, last epoch", "nats"),
        Metric("mlp.final_epoch_d_loss_course_scale", "vanilla GAN discriminator loss (course scale)", "nats"),
        Metric("mlp.generator_steps", "vanilla GAN generator steps")),
    "vae_mnist": _declare(
        "vae_mnist", Metric("final_epoch_nats_per_image.loss", "negative ELBO, last epoch", "nats"),
        Metric("final_epoch_nats_per_image.reconstruction", "reconstruction, last epoch", "nats"),
        Metric("final_epoch_nats_per_image.kl", "KL, last epoch", "nats"),
        Metric("quality.vae.frechet_distance", "VAE Fréchet distance"),
        Metric("quality.real.frechet_distance", "real-vs-real floor"),
        Metric("quality.vae.class_entropy_bits", "VAE class entropy", "bits")),
}


def metric(experiment: str, key: str) -> Metric:
    """The declared metric ``key`` of ``experiment`` (KeyError naming the declaration if undeclared)."""
    for declared in HEADLINES.get(experiment, ()):
        if declared.key == key:
            return declared
    raise KeyError(f"{experiment}: metric {key!r} is not declared in anndl/report/headlines.py")
