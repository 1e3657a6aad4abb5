"""The report's claims: its own sentences (quoted, with §), each with a test of exactly that sentence.

Every number a claim reads is a declared metric (``report.headlines``); ``report_value`` quotes the
report's value. Tolerances for "about" and "around" are ±25 % of the report's number unless said.
"""

from __future__ import annotations

import fnmatch

from anndl.data.course import CIFAR_BATCHES
from anndl.nn.feedforward.classic import REPORT_ALGORITHMS
from anndl.report.claims import BestWithin, Choice, Claim, Data, Equals, InRange, Ordering, Timing
from anndl.report.headlines import HEADLINES, metric
from anndl.report.quantities import placeholders

SINX2 = Data("y = sin(x²) on [0, 3π], Δx = 0.01", "y = sin(x²), Δx = {config.dx}, repetitions: {config.repetitions}")
SINX2_NETS = Data("y = sin(x²), 10 repetitions per size",
                  "y = sin(x²), Δx = {config.dx}, repetitions per size: {config.repetitions}")
COURSE_DIGIT_FILES = ("digittrain_dataset.mat", "digittest_dataset.mat")


def _m(experiment: str, *keys: str):
    return tuple(metric(experiment, k) for k in keys)


def _train(experiment: str, *algorithms: str):
    return _m(experiment, *(f"noiseless.{a}.train_mse_mean" for a in algorithms))


def _timing(*algorithms: str) -> Timing:
    return Timing(_m("training_algorithms", *(f"noiseless.{a}.ms_per_epoch" for a in algorithms)),
                  _m("training_algorithms", *(f"noiseless.{a}.function_evaluations_per_epoch" for a in algorithms)))


_HOPFIELD = Data("the course's stored patterns", "the course's patterns, {n_initial_states} starts (grid and random)")
_HOPFIELD_GRID = Data("the course's stored patterns, the starts of Figure 2.1",
                      "the course's patterns, end states of the {n_grid_starts} grid starts (the course's grid, "
                      "as in Figure 2.1, which the sentence describes) after {config.num_steps} steps")
_DIGITS = Data("the course's digits.mat", "digits_path {config.digits_path} (null: the project's hand-drawn "
               "15×16 digits), noisy copies per digit: {config.repetitions}", course=("digits.mat",))
_SANTAFE = Data("Santa Fe laser, 1000 train + 100 test", "Santa Fe laser ({config.n_train} train + "
                "{config.n_test} test), repetitions: {config.repetitions}")
_PCA_GAUSS = Data("500 × 50 Gaussian samples", "{gaussian.n_samples} × {gaussian.n_features} Gaussian samples")
_SAE = Data("the course's synthetic digits (digittrain/digittest)",
            "data.source {config.data.source}, repetitions: {config.repetitions}", course=COURSE_DIGIT_FILES)
_MNIST = Data("MNIST", "MNIST subset shipped with anndl")
_REGRESSION = ("Data_Problem1_regression.mat",)

CLAIMS: list[Claim] = [
    # §1.1.1 training algorithms (50 hidden units, 500 epochs, 20 repetitions in the report)
    Claim("1.1.1", "As expected, GD is the fastest algorithm", "GD fastest", _timing(*REPORT_ALGORITHMS), SINX2),
    Claim("1.1.1", "GDX only offers a slight improvement.", "GDX below GD",
          Ordering(_train("training_algorithms", "gdx"), _train("training_algorithms", "gd")), SINX2,
          why_not="gdx's adaptive learning rate did not lower the final MSE at this epoch budget."),
    Claim("1.1.1", "CGF is slightly slower than both GD and GDX but offers an improved performance.",
          "CGF below GD and GDX", Ordering(_train("training_algorithms", "cgf"),
                                           _train("training_algorithms", "gd", "gdx")), SINX2,
          why_not="Fletcher-Reeves restarts with a poor line search can stall early on sin(x²)."),
    Claim("1.1.1", "The slowest method is the BFG method", "BFG slowest", _timing(*REPORT_ALGORITHMS), SINX2),
    Claim("1.1.1", "its performance only provides a small improvement over CGF", "BFG below CGF",
          Ordering(_train("training_algorithms", "bfg"), _train("training_algorithms", "cgf")), SINX2,
          why_not="both stop near the same local minimum at 500 epochs, so their difference is within the spread."),
    Claim("1.1.1", "Among the slower, but definitely the best performing methods, are LM and BR.",
          "LM, BR lowest MSE", Ordering(_train("training_algorithms", "lm", "br"),
                                        _train("training_algorithms", "gd", "gdx", "cgf", "bfg")), SINX2,
          why_not="a repetition of lm or br stuck in a poor minimum raises its mean above a first-order method's."),
    # §1.1.2 generalisation
    Claim("1.1.2", "The LM and BR methods have the best performance across all network sizes.",
          "LM, BR lowest train MSE at every size",
          Ordering(_train("generalization", "lm", "br"), _train("generalization", "gd", "gdx", "cgf", "bfg")),
          SINX2_NETS, why_not="at the smallest sizes every second-order method reaches the same capacity-"
                              "limited MSE, so lm/br cannot be clearly lower there."),
    Claim("1.1.2", "the best generalization is achieved with 40 – 50 hidden neurons", "40–50 (test MSE on ỹ)",
          BestWithin(_m("generalization", "noisy.lm.test_mse_mean", "noisy.br.test_mse_mean"),
                     metric("generalization", "hidden_units"), 40, 50),
          Data("noisy targets (σ = 0.2), 10 repetitions",
               "noisy targets (σ = {config.noise_std}), repetitions: {config.repetitions}, lm and br"),
          why_not="with early stopping absent, test MSE on noisy targets is flat beyond ~40 units, so the "
                  "minimum falls wherever the noise puts it."),
    Claim("1.1.2", "The network perfectly matches the shape of the function when trained on noiseless data.",
          "perfect match (test MSE < 1e-3, ours)", InRange(_m("fit_trainlm", "noiseless.test_mse"), high=1e-3),
          Data("45 hidden units, trainlm", "45 hidden units, trainlm, {config.epochs} epochs"),
          why_not="this seed's initial weights led trainlm to a local minimum; the report shows one run too."),
    # §1.2 personal regression
    Claim("1.2", "we choose an architecture with three hidden layers each containing 10 neurons", "3 × 10",
          Choice(_m("personal_regression", "grid.hidden_layers", "grid.units"),
                 metric("personal_regression", "grid.val_mse_mean"), (3, 10)),
          Data("the course's personal data set (d = 8, 8, 7, 5, 1)",
               "data_path {config.data_path} (null: the built-in stand-in)", course=_REGRESSION),
          why_not="validation MSEs of the best architectures differ by more than their spread over the "
                  "repetitions, and ours is lowest elsewhere."),
    Claim("1.2", "we obtain an MSE of … 3.05 × 10⁻⁹ on the test set", "3.05e-9 (ours: ≤ 1e-8)",
          InRange(_m("personal_regression", "final.test_mse"), high=1e-8),
          Data("the course's personal data set", "data_path {config.data_path} (null: the built-in stand-in)",
               course=_REGRESSION)),
    # §2.1 Hopfield networks
    Claim("2.1", "We find 9 different attractors in this system, which include 6 spurious states.", "9, 6 spurious",
          Equals(_m("hopfield_2d", "n_attractors_grid", "n_spurious_grid"), (9, 6)), _HOPFIELD_GRID,
          why_not="saddles and the origin are end states only for starts exactly on their stable manifolds, so "
                  "the count depends on the start set and the horizon."),
    Claim("2.1", "It takes on average 8 iterations for the shown initial conditions to converge", "8",
          InRange(_m("hopfield_2d", "mean_iterations_grid"), 6, 10), _HOPFIELD_GRID,
          why_not="the count depends on the grid's spacing (starts on the square's edges are already saturated) "
                  "and on the tolerance within which a state equals its final state."),
    Claim("2.1", "We found no additional attractors outside of the stored ones.", "no spurious end state",
          Equals(_m("hopfield_3d", "n_spurious_grid"), (0,)), _HOPFIELD_GRID,
          why_not="a trajectory from the grid ended, at the horizon, in a state that is not a stored pattern."),
    Claim("2.1", "We check explicitly that the other corners are no fixed points of this equation",
          "only the 3 stored corners", Equals(_m("hopfield_3d", "corner_fixed_points"), (3,)), _HOPFIELD,
          why_not="another corner satisfies f(x) = x for the weights newhop gives these patterns."),
    Claim("2.1", "On average, it took around 55 iterations to reach the attractors.", "≈ 55",
          InRange(_m("hopfield_3d", "mean_iterations_grid"), 41.25, 68.75), _HOPFIELD_GRID,
          why_not="grid starts on the saddles' stable manifolds stay near them until rounding error carries them "
                  "off, so their counts depend on the horizon and the tolerance."),
    Claim("2.1", "low levels of noise are easily restored by the network", "easily restored (ours: ≥ 90 % at noise 2)",
          InRange(_m("hopfield_digits", "recovered_fraction.noise_2.iterations_*"), low=90), _DIGITS,
          why_not="our digit bitmaps overlap more than the course's, so noise 2 already reaches other attractors."),
    Claim("2.1", "a higher number of iterations can improve the performance of the predictions",
          "more iterations help (ours: noise 6, 20 iterations vs the longest)",
          Ordering(_m("hopfield_digits", "recovered_fraction.noise_6.iterations_20"),
                   _m("hopfield_digits", "recovered_fraction.noise_6.iterations_*")), _DIGITS,
          why_not="after 20 synchronous steps almost every noisy digit has already reached its end state."),
    # §2.2 Santa Fe, lagged MLP
    Claim("2.2", "a low lag value is unable to capture the intricacies of the time series",
          "higher lag better", Ordering(_m("mlp_santafe", "test.tuned_A.test_rmse_mean"),
                                        _m("mlp_santafe", "test.small_lag.test_rmse_mean")), _SANTAFE,
          why_not="closed-loop forecasts of a chaotic series diverge for some repetitions at any lag, and the "
                  "spread over 5 repetitions swamps the lag's effect."),
    Claim("2.2", "The first tuning procedure selects h = p = 20", "h = p = 20",
          Choice(_m("mlp_santafe", "tuning_A.grid.h", "tuning_A.grid.p"),
                 metric("mlp_santafe", "tuning_A.grid.val_mse"),
                 (20, 20)), _SANTAFE,
          why_not="one-step validation errors of neighbouring grid points differ less than their spread, so the "
                  "chosen (h, p) varies with the seed."),
    Claim("2.2", "while the second one selects h = p = 30", "h = p = 30",
          Choice(_m("mlp_santafe", "tuning_B.grid.h", "tuning_B.grid.p"),
                 metric("mlp_santafe", "tuning_B.grid.val_mse"),
                 (30, 30)), _SANTAFE,
          why_not="the report's tuning B validated on a window inside the training data (its footnote 2); ours is "
                  "leakage-free, so the selection differs."),
    # §2.3 LSTM
    Claim("2.3", "We note that the predictions are a much better approximation of the true time series.",
          "LSTM much better than the RNN", Ordering(_m("lstm_santafe", "lstm.test_rmse_mean"),
                                                    _m("lstm_santafe", "mlp.test_rmse_mean")), _SANTAFE,
          why_not="closed-loop LSTM forecasts also diverge for some seeds at this epoch budget."),
    # §3.1 PCA
    Claim("3.1", "we need around 40 out of 50 components to explain 90% of the variance", "≈ 40",
          InRange(_m("pca", "gaussian.components_for_0.9"), 35, 45), _PCA_GAUSS,
          why_not="for 500 × 50 isotropic Gaussian samples the expected count is about 42; a draw can fall outside."),
    Claim("3.1", "we can explain around 99.9% of the variance in the 21-dimensional dataset using only 3 components",
          "3 of 21", InRange(_m("pca", "spectra.components_for_0.999"), high=3),
          Data("the course's cholesterol data (21 features)", "{config.spectra_path} ({spectra.n_features} features)",
               course=("choles_all.csv",))),
    Claim("3.1", "the reconstruction error for q = 256 components is not precisely zero, but around 10⁻⁵",
          "≈ 1e-5 (single precision, float32 eps 1.2e-7)",
          InRange(_m("pca", "threes.rmsd_q256_float32"), 1e-6, 1e-4),
          Data("the course's threes.mat", "threes_path {config.threes_path} (null: MNIST threes resampled to 16×16)",
               course=("threes.mat",)),
          why_not="in float32 the residual is set by the eigen-solver's rounding, which differs from MATLAB's."),
    Claim("3.1", "This is likely due to rounding errors", "rounding (ours: float64 RMSD < 1e-10)",
          InRange(_m("pca", "threes.rmsd_q256"), high=1e-10),
          Data("the course's threes.mat", "threes_path {config.threes_path} (null: MNIST threes resampled to 16×16)",
               course=("threes.mat",)),
          why_not="a float64 residual above 1e-10 would mean more than rounding, e.g. a rank-deficient eigen-solve."),
    Claim("3.1", "the reconstruction error induced by ignoring a certain principal component is proportional to "
          "the magnitude of the corresponding eigenvalue", "proportional (ours: equal to the sum, within 1e-6)",
          InRange(_m("pca", "gaussian.identity_max_relative_error"), high=1e-6), _PCA_GAUSS,
          why_not="an identity of PCA: a deviation means the implementation is wrong."),
    # §3.2 stacked autoencoders
    Claim("3.2", "all architectures achieve an accuracy of around 99%", "99.01 … 99.65 %",
          InRange(_m("sae_digits", *(f"architectures.{a}.accuracy_finetuned" for a in
                                     ("(200, 100, 50, 25)", "(200)", "(200, 100, 50)", "(100, 50, 25)", "(100, 50)",
                                      "(100)", "(200, 100)"))), 98, 100), _SAE,
          why_not="our digits (an MNIST subset) are harder than the course's synthetic digits."),
    Claim("3.2", "fine-tuning gives significant improvements for these architectures", "+8.38 … +31.67 %",
          Ordering(_m("sae_digits", *(f"architectures.{a}.accuracy_greedy" for a in
                                      ("(200, 100, 50)", "(100, 50, 25)", "(100, 50)"))),
                   _m("sae_digits", *(f"architectures.{a}.accuracy_finetuned" for a in
                                      ("(200, 100, 50)", "(100, 50, 25)", "(100, 50)")))), _SAE,
          why_not="fine-tuning stopped early (max_fail) before it improved on the greedy stack."),
    Claim("3.2", "training and stacking the autoencoders proved to be an improved initialization scheme "
          "compared to random initialization", "(100, 50) 99.15 % vs MLP 100-50 92.09 %",
          Ordering(_m("sae_digits", "baseline.accuracy_mean"),
                   _m("sae_digits", "architectures.(100, 50).accuracy_finetuned")), _SAE,
          why_not="on our digits the MLP 100-50 trained with cgf does not get stuck as the report's did (its "
                  "std 6.80 % suggests failed runs)."),
    # §3.3 CNNs and AlexNet
    Claim("3.3", "which get flattened to a single array of size 9 216", "9216",
          Equals(_m("alexnet_shapes", "fc_input_size"), (9216,)), Data("AlexNet", "AlexNet, 227×227×3 input")),
    Claim("3.3", "the input size that is fed into the classifier is less than 6% of the original input "
          "dimensionality", "< 6 %", InRange(_m("alexnet_shapes", "fc_input_ratio"), high=6),
          Data("AlexNet", "AlexNet, 227×227×3 input")),
    Claim("3.3", "we can improve the performance by increasing the number of filters", "82.32 % → 100 %",
          Ordering(_m("cnn_digits", "12x24.test_accuracy"), _m("cnn_digits", "24x48.test_accuracy")),
          Data("MATLAB's DigitDataset (the course's synthetic digits, 750 per class for training)",
               "data.source {config.data.source}, {config.data.train_per_class} per class for training "
               "(null: the split of data.test_fraction)", course=COURSE_DIGIT_FILES),
          why_not="at our epoch budget the wider net has not converged further than the narrow one."),
    # §4 generative models
    Claim("4.2", "the generated digits are much more coherent compared to those of RBMs",
          "DBM more coherent (ours: nearer to training digits)",
          Ordering(_m("dbm_mnist", "sample_nearest_train_distance.DBM"),
                   _m("dbm_mnist", "sample_nearest_train_distance.RBM")), _MNIST,
          why_not="our DBM's joint training is short, so its Gibbs samples stay noisy."),
    Claim("4.3", "the discriminator’s accuracy oscillates around 0.5", "≈ 50 %",
          InRange(_m("dcgan", "last_steps.d_accuracy_mean"), 35, 65),
          Data("CIFAR-10 dogs", "dataset {config.dataset}, class {config.cifar_class}", course=CIFAR_BATCHES),
          why_not="at our generator budget the discriminator still wins; the course trained 20000 steps."),
    Claim("4.4", "the transported image of “ocean day” has the same color distribution as the original “ocean "
          "sunset” image", "same colours (ours: W2 halved or better)",
          Ordering(_m("ot_color_transfer", "emd.w2_after_source_recoloured"),
                   _m("ot_color_transfer", "w2_between_images_before"), factor=2.0),
          Data("the course's ocean day / ocean sunset photos", "{config.source_image} → {config.target_image}",
               course=("ocean_day.jpg", "ocean_sunset.jpg")),
          why_not="with few sampled pixels the transport plan matches the colour distribution only coarsely."),
    Claim("4.4", "the generated samples (not shown here due to space limitations) have a much higher quality",
          "WGAN better (ours: lower Fréchet distance)",
          Ordering(_m("wgan_mnist", "quality.wgan-clip.frechet_distance"),
                   _m("wgan_mnist", "quality.bce.frechet_distance")),
          Data("MNIST", "MNIST subset; generator steps: clip {clip.generator_steps}, standard {bce.generator_steps}"),
          why_not="weight clipping with RMSProp 5e-5 needs many generator steps (the course gave 20000) and "
                  "our budget gives it far fewer."),
    Claim("4.4", "WGANs are less prone to suffer from mode collapse", "less mode collapse (ours: class entropy)",
          Ordering(_m("wgan_mnist", "quality.bce.class_entropy_bits"),
                   _m("wgan_mnist", "quality.wgan-clip.class_entropy_bits")),
          Data("MNIST", "MNIST subset; generator steps: clip {clip.generator_steps}, standard {bce.generator_steps}"),
          why_not="at our generator budget the clipped WGAN's samples are poor and their classes less varied."),
]

# (report figure, experiment, figure name in the run directory, caption of our figure)
REPORT_FIGURES: list[tuple[str, str, str, str]] = [
    ("fig1_1", "training_algorithms", "training_time_and_train_mse_by_algorithm",
     "Training time and final train MSE of the six algorithms, {config.hidden_units} hidden units, "
     "{config.epochs} epochs: median and interquartile range over repetitions (n = {config.repetitions}), "
     "each repetition a grey dot; diverged runs left out."),
    ("fig1_1", "training_algorithms", "train_mse_vs_epoch_by_algorithm",
     "Train MSE against epoch for each algorithm: median and interquartile range over repetitions "
     "(n = {config.repetitions}); lm dashed and br dotted, as they end on the same curve."),
    ("fig1_2", "generalization", "generalization_noiseless_train_and_test_mse_vs_hidden_units",
     "Train and test MSE against hidden units on noiseless targets, {config.epochs} epochs, mean over "
     "repetitions (n = {config.repetitions})."),
    ("fig1_3", "generalization", "generalization_noisy_train_and_test_mse_vs_hidden_units",
     "Train and test MSE against hidden units on noisy targets (σ = {config.noise_std}), mean over "
     "repetitions (n = {config.repetitions}); a run that diverged is left out of its mean, and marked."),
    ("fig1_4", "fit_trainlm", "fit_trainlm_45_hidden_fit_and_error",
     "Fit and error of a {config.hidden_units}-unit network trained with trainlm on noiseless and noisy targets."),
    ("fig1_5", "personal_regression", "personal_regression_grid_search_validation_mse",
     "Validation MSE over the grid of layers × units, mean over repetitions (n = {config.repetitions})."),
    ("fig1_6", "personal_regression", "personal_regression_surfaces_and_test_errors",
     "Training surface of the target t over the inputs (x₁, x₂), test surface with the trainbr network's "
     "predictions, and the map of its absolute test errors (colour bar)."),
    ("fig2_1", "hopfield_2d", "hopfield_2d_trajectories_by_attractor",
     "Trajectories of the 2-D Hopfield net from {n_initial_states} starts, coloured by end state."),
    ("fig2_1", "hopfield_3d", "hopfield_3d_trajectories_by_attractor",
     "Trajectories of the 3-D Hopfield net from {n_initial_states} starts, coloured by end state."),
    ("fig2_2", "hopfield_digits", "hopfield_digits_recovery_vs_noise_and_iterations",
     "Fraction of digits recovered against noise level and iterations, noisy copies per digit: {config.repetitions}."),
    ("fig2_3", "mlp_santafe", "santafe_validation_windows",
     "The Santa Fe series with tuning A's validation block and tuning B's closed-loop window."),
    ("fig2_4", "mlp_santafe", "santafe_mlp_closed_loop_forecasts",
     "Closed-loop test forecasts of the lagged MLP: small lag, tuning A's and tuning B's choice, "
     "repetitions: {config.repetitions}."),
    ("fig2_5", "lstm_santafe", "santafe_lstm_vs_mlp_forecasts",
     "Test forecasts of the LSTM ({config.hidden} units, lag {config.lag}) and the lagged MLP, "
     "repetitions: {config.repetitions}."),
    ("fig3_1", "pca", "pca_tsne_three_datasets", "t-SNE maps of the Gaussian, spectra and threes data sets."),
    ("fig3_2", "pca", "pca_spectrum_gaussian", "Eigenvalues and explained variance of the Gaussian data."),
    ("fig3_3", "pca", "pca_spectrum_spectra", "Eigenvalues and explained variance of the spectra (stand-in for "
     "the cholesterol data)."),
    ("fig3_4", "pca", "pca_spectrum_threes", "Eigenvalues and explained variance of the threes."),
    ("fig3_4", "pca", "pca_reconstruction_rmsd_vs_q",
     "Reconstruction RMSD against q for the three data sets. Once q reaches the data's rank the RMSD drops "
     "to floating-point round-off (about 1e-15): those points are marked on the bottom edge, not to scale."),
    ("fig3_5", "pca", "pca_threes_mean_and_reconstructions", "The mean three and reconstructions with q components."),
    ("fig3_x", "pca", "pca_error_equals_dropped_eigenvalues",
     "Reconstruction error against the sum of the dropped eigenvalues, three data sets."),
    ("table3_1", "sae_digits", "sae_accuracy_before_and_after_finetuning",
     "Test accuracy of each stacked autoencoder before and after fine-tuning, mean over repetitions "
     "(n = {config.repetitions}), with the MLP baseline."),
    ("fig4_1", "rbm_mnist", "rbm_gibbs_chains_from_test_digits",
     "Gibbs chains of the RBM ({config.components} components) started from test digits."),
    ("fig4_2", "dbm_mnist", "dbm_components_rbm_vs_layer1_vs_layer2",
     "Components of the RBM and of the DBM's first and second layers."),
    ("fig4_3", "dbm_mnist", "dbm_samples_vs_rbm_samples", "Samples of the DBM and of the RBM."),
    ("fig4_4", "dcgan", "dcgan_last_steps_loss_and_accuracy",
     "Discriminator and generator loss and accuracy over the last {config.last_steps} steps: faint, per "
     "step; solid, running mean over a twentieth of the window; dashed, window means."),
    ("fig4_5", "ot_color_transfer", "ot_original_images_and_rgb_densities",
     "The two images and the densities of their red, green and blue values."),
    ("fig4_5", "ot_color_transfer", "ot_transported_images_emd_vs_sinkhorn",
     "The images with each other's colours, transported with EMD and with Sinkhorn."),
    ("fig4_6", "wgan_mnist", "wgan_last_steps_critic_and_generator_loss",
     "Critic (top) and generator (bottom) loss of the WGANs over the last {config.last_steps} steps, as "
     "trained (no offset): faint, per step; solid, running mean; dashed, window means."),
]


def names_missing(experiment: str, values: dict) -> list[str]:
    """Names the report reads for ``experiment`` that a run did not write: declared headline metrics,
    the claims' data descriptions and the figure captions' placeholders. ``values``: the run's flat metrics
    with its ``config.*`` values (``build.config_values``)."""
    wanted = [m.check_name() for m in HEADLINES.get(experiment, ()) if not m.pending]
    wanted += [name for c in CLAIMS if experiment == c.experiments[0] for name in placeholders(c.data.ours)]
    wanted += [name for _, e, _, caption in REPORT_FIGURES if e == experiment for name in placeholders(caption)]
    wanted += [name for (e, _), caption in EXTRA_FIGURES.items() if e == experiment for name in placeholders(caption)]
    return sorted({name for name in wanted if not any(fnmatch.fnmatchcase(k, name) for k in values)})

# Captions of our figures that the report does not have: (experiment, figure name) -> caption
EXTRA_FIGURES: dict[tuple[str, str], str] = {
    ("alexnet_shapes", "alexnet_output_size_per_layer"): "Output size of each AlexNet layer for a 227×227×3 input.",
    ("cnn_digits", "cnn_accuracy_and_loss_vs_iteration"):
        "Training loss and validation accuracy against iteration for each filter setting, {config.epochs} epochs.",
    ("cnn_digits", "cnn_confusion_matrices"): "Test confusion matrices of the two CNNs.",
    ("cnn_digits", "cnn_first_layer_filters"): "First-layer filters of the CNNs.",
    ("dbm_mnist", "dbm_training_reconstruction_error"): "Reconstruction error of the RBM and the DBM during training.",
    ("dcgan", "dcgan_loss_and_accuracy_per_epoch"):
        "Discriminator and generator loss and accuracy per epoch, {config.budget.generator_steps} generator steps.",
    ("dcgan", "dcgan_samples_over_training"): "Generator samples at snapshots during training.",
    ("hopfield_2d", "hopfield_2d_energy_along_trajectories"):
        "Energy of the 2-D Hopfield net along each trajectory (it never increases).",
    ("hopfield_3d", "hopfield_3d_energy_along_trajectories"):
        "Energy of the 3-D Hopfield net along each trajectory (it never increases).",
    ("optimizers_surface", "optimizers_surface_train_mse_vs_epoch_and_time"):
        "Training MSE of the 2-50-50-1 ReLU net on the damped sinc surface against epoch and against wall time: "
        "five torch optimisers ({config.epochs} epochs) and MATLAB's trainers ({config.classic_epochs} epochs), "
        "mean over {config.repetitions} shared starts.",
    ("optimizers_surface", "optimizers_surface_final_mse_and_time_per_epoch"):
        "Final train and test MSE per optimiser (mean ± std over {config.repetitions} starts) and time per epoch.",
    ("cnn_mnist_optimizers", "cnn_mnist_optimizers_validation_curves_and_test_accuracy"):
        "The Keras MNIST convnet with each optimiser from {config.repetitions} shared starts, {config.epochs} "
        "epochs on {n_train} images: validation loss and accuracy per epoch, and test accuracy.",
    ("forecasting_cv", "forecasting_cv_eda_acf_pacf_spectrum"):
        "Each series' training part, its ACF and PACF (±1.96/√n band), power spectrum and ADF test p-value.",
    ("forecasting_cv", "forecasting_cv_validation_mse_by_lag_and_hidden"):
        "One-step validation MSE of each (lag, H) over {config.folds} time-series CV folds (gap = lag), per model: "
        "the mean over the folds, with their min–max.",
    ("forecasting_cv", "forecasting_cv_closed_loop_test_forecasts"):
        "Closed-loop test forecasts of each model with its CV-chosen lag and H, {config.repetitions} repetitions.",
    ("hopfield_capacity", "hopfield_capacity_stable_and_recalled_vs_load"):
        "Fraction of {config.dimension}-bit random patterns that are fixed points, and recalled from starts with "
        "{config.flip_fraction} of their bits flipped, against the load P/D: Hebb, newhop and a modern Hopfield "
        "net (β = {config.beta}), {config.trials} trials.",
    ("hopfield_capacity", "hopfield_capacity_basins_sync_vs_async"):
        "Basins of attraction: recall against the start's Hamming distance at P = {config.basin_patterns}, "
        "synchronous against asynchronous updates.",
    ("hopfield_mnist", "hopfield_mnist_recovery_vs_noise_and_iterations"):
        "Fraction of noisy starts of the ten stored MNIST digits recovered exactly, newhop against Hebb, "
        "{config.repetitions} starts per digit and noise level, {config.update} updates.",
    ("hopfield_mnist", "hopfield_mnist_energy_sync_vs_async"):
        "The course's energy −½xᵀWx − bᵀx along noisy starts' trajectories, synchronous against asynchronous.",
    ("hopfield_mnist", "hopfield_mnist_examples"):
        "The stored digits, a noisy start of each, and each rule's end state.",
    ("hopfield_digits", "hopfield_digits_examples_noisy_result_target"):
        "Noisy starts, end states and targets at three noise levels.",
    ("lstm_santafe", "santafe_lstm_training_loss"):
        "LSTM training loss against epoch, {config.training.epochs} epochs, repetitions (n = {config.repetitions}).",
    ("mlp_santafe", "santafe_mlp_tuning_grids"):
        "Validation error over the (h, p) grid for tuning A (validation block) and tuning B (closed-loop window).",
    ("ot_color_transfer", "ot_rgb_densities_after_transport_vs_target"):
        "Colour densities of the transported image against those of the target image.",
    ("rbm_mnist", "rbm_clamped_reconstruction_rows_0_12_removed"):
        "Reconstructions of test digits with rows 0–12 removed and the rest clamped.",
    ("rbm_mnist", "rbm_clamped_reconstruction_rows_15_27_removed"):
        "Reconstructions of test digits with rows 15–27 removed and the rest clamped.",
    ("rbm_mnist", "rbm_components"): "Components (weights of hidden units) of the RBM, {config.components} in all.",
    ("rbm_mnist", "rbm_training_pll_and_reconstruction_error"):
        "Pseudo-log-likelihood and reconstruction error against epoch, {config.epochs} epochs.",
    ("attention_vit", "attention_numpy_softmax_vs_notebook_clipping"):
        "Self-attention of {config.tokens} random tokens: anndl's row softmax against the course notebook's "
        "clipped softmax, which is uniform.",
    ("attention_vit", "attention_vit_test_accuracy_and_grid"):
        "ViT test accuracy per epoch ({config.epochs} epochs) and the depth x dim grid "
        "({config.grid_epochs} epochs each).",
    ("attention_vit", "attention_vit_class_token_maps"):
        "Class-token attention over the patches of test digits: last block and rollout over all blocks.",
    ("autoencoders_mnist", "autoencoders_probe_accuracy_and_reconstruction_error"):
        "Linear-probe test accuracy on the frozen codes and clean test reconstruction error per autoencoder "
        "(± sd, n = {config.repetitions}).",
    ("autoencoders_mnist", "autoencoders_reconstructions"): "Test digits and each autoencoder's reconstruction.",
    ("autoencoders_mnist", "autoencoders_codes_pca"):
        "Test codes of each autoencoder on their first two principal components.",
    ("cnn_mnist", "cnn_mnist_test_accuracy_per_epoch"):
        "Test accuracy and training loss per epoch of the course CNN (mean ± sd, n = {config.repetitions}).",
    ("gan_mnist", "gan_mnist_losses_per_step"): "Generator and discriminator losses per generator step, course scale.",
    ("gan_mnist", "gan_mnist_samples_over_training"): "Samples for fixed latent vectors during training.",
    ("gan_mnist", "gan_mnist_latent_interpolation"): "Generated digits along straight latent paths.",
    ("sae_mnist", "sae_mnist_pretraining_and_test_accuracy"):
        "Greedy pre-training losses, and test accuracy per supervised epoch, pre-trained against from scratch "
        "(mean ± sd, n = {config.repetitions}).",
    ("vae_mnist", "vae_mnist_loss_curves"): "VAE loss per epoch in nats per image: total, reconstruction, KL.",
    ("vae_mnist", "vae_mnist_reconstructions_samples_interpolation"):
        "Held-out digits and their reconstructions, decoded prior samples, latent interpolation.",
    ("sae_digits", "sae_first_layer_features"): "Features learned by the first autoencoder layer.",
    ("wgan_mnist", "wgan_critic_gap_and_generator_loss_per_epoch"):
        "Critic gap (real minus fake score) and generator loss per epoch for each variant.",
    ("wgan_mnist", "wgan_samples_over_training"): "Samples of each variant at snapshots during training.",
    ("wgan_mnist", "wgan_vs_standard_gan_last_steps"): "WGAN and standard GAN losses over the last steps.",
}


def uncaptioned(experiment: str, figure_names: list[str]) -> list[str]:
    """Figures of ``experiment`` (names without suffix) that have no caption here."""
    known = {n for _, e, n, _ in REPORT_FIGURES if e == experiment} | {n for e, n in EXTRA_FIGURES if e == experiment}
    return sorted(set(figure_names) - known)
