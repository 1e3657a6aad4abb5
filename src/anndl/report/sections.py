"""The report's structure. Part I is the course report (§1 … §4.4, in its order): titles, its figure
captions, our experiments. Part II, "The course since 2024", follows the course's Python notebooks
session by session (§II.1, §II.2, …): each section states the course's set-up, the values public runs
of the notebooks reached (a sanity band beside ours, not claims), and where the notebooks' code was
wrong and what anndl does instead.

Captions are the report's own (short quotes). ``notes`` quote statements of the report that no
metric tests (judged by eye from the figures).
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Reference:
    """A value a public run of the course's notebooks reached: shown beside ours as a sanity band."""

    quantity: str
    """What was measured, in words."""
    value: str
    """The public run's value, as text (their data and machine, not ours)."""
    experiment: str = ""
    """Our experiment that measures the same quantity (empty: none)."""
    metric: str = ""
    """Its headline metric (a key declared in report/headlines.py) shown as "ours" (empty: none)."""


@dataclasses.dataclass(frozen=True)
class Section:
    number: str
    title: str
    experiments: tuple[str, ...] = ()
    captions: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    part: int = 1
    """1: the course report; 2: the course since 2024 (the notebooks)."""
    setup: tuple[str, ...] = ()
    """Part II: the course's set-up, one fact per entry."""
    references: tuple[Reference, ...] = ()
    """Part II: values of public runs, a sanity band (not claims)."""
    defects: tuple[str, ...] = ()
    """Part II: where the notebooks' code was wrong, and what anndl does instead."""

    @property
    def anchor(self) -> str:
        return "s" + self.number.replace(".", "-")

    @property
    def depth(self) -> int:
        """1 for a chapter, 2 for a section, 3 for a subsection."""
        return self.number.count(".") + 1


PART_I: tuple[Section, ...] = (
    Section("1", "Supervised learning and generalization"),
    Section("1.1", "Training algorithms and function approximation"),
    Section("1.1.1", "Training algorithms", ("training_algorithms",),
            ("Figure 1.1: Comparison of training algorithms. Left: Training time. Right: Train MSE.",)),
    Section("1.1.2", "Generalization in function approximation", ("generalization", "fit_trainlm"),
            ("Figure 1.2: Performance of algorithms for varying network size when training on the true targets.",
             "Figure 1.3: Performance of algorithms for varying network size when training on noisy targets.",
             "Figure 1.4: Performance of networks with 45 hidden neurons trained with trainlm.")),
    Section("1.2", "Personal regression problem", ("personal_regression",),
            ("Figure 1.5: Grid search to tune the architecture of the personal regression problem.",
             "Figure 1.6: Personal regression problem. Left: Surface of the training dataset. Middle: Surface of "
             "the test dataset and predictions of the neural network (dots). Right: Absolute errors between "
             "predictions and true values of the test set.")),
    Section("2", "Recurrent neural networks"),
    Section("2.1", "Hopfield networks", ("hopfield_2d", "hopfield_3d", "hopfield_digits"),
            ("Figure 2.1: Left: Trajectories in the 2D Hopfield network. Right: Trajectories in the 3D Hopfield "
             "network. Crosses denote attractors found experimentally. Colours denote the attractor at which the "
             "trajectory ends.",
             "Figure 2.2: Number of correctly classified digits for varying levels of noise and number of "
             "iterations.")),
    Section("2.2", "Forecasting with RNNs", ("mlp_santafe",),
            ("Figure 2.3: Validation set used for tuning the RNN based on its prediction of a time series.",
             "Figure 2.4: Time series forecasting with RNNs. Left: Small lag values are unable to capture the "
             "sudden drop. Middle: Hyperparameters selected by regular tuning. Right: Hyperparameters selected by "
             "tuning on a time series.")),
    Section("2.3", "Forecasting with LSTMs", ("lstm_santafe",),
            ("Figure 2.5: Predictions on the test set of an LSTM with 30 hidden units and a lag value of 30.",)),
    Section("3", "Deep feature learning"),
    Section("3.1", "Principal component analysis", ("pca",),
            ("Figure 3.1: t-SNE plots of the three datasets.",
             "Figure 3.2: Analysis of PCA performed on random data drawn from a Gaussian distribution.",
             "Figure 3.3: Analysis of PCA performed on highly correlated cholesterol data.",
             "Figure 3.4: Analysis of PCA performed on handwritten digits.",
             "Figure 3.5: Left: Mean three. Right: Reconstructions of digits using PCA.")),
    Section("3.2", "Stacked autoencoders", ("sae_digits",),
            ("Table 3.1: Accuracy of stacked autoencoders trained on handwritten digits, averaged over 3 "
             "repetitions and sorted based on accuracy after fine-tuning.",)),
    Section("3.3", "Convolutional neural networks", ("alexnet_shapes", "cnn_digits")),
    Section("4", "Generative models"),
    Section("4.1", "Restricted Boltzmann machines", ("rbm_mnist",), ("Figure 4.1: Gibbs sampling from the RBM",),
            ("increasing the number of Gibbs steps can in some cases cause the RBM to generate different digits "
             "after sufficient iterations",)),
    Section("4.2", "Deep Boltzmann machines", ("dbm_mnist",),
            ("Figure 4.2: Left: Components of the RBM. Middle: Components of the first layer of the DBM. Right: "
             "Components of the second layer of the DBM.", "Figure 4.3: Samples from the DBM.")),
    Section("4.3", "Generative adversarial networks", ("dcgan",),
            ("Figure 4.4: Final values for the loss (left) and accuracy (right) of the discriminator (red) and "
             "generator (blue) of training the DCGAN. Dashed lines show average values over the plotted "
             "interval.",)),
    Section("4.4", "Optimal transport & Wasserstein GANs", ("ot_color_transfer", "wgan_mnist"),
            ("Figure 4.5: Left: Original images and their color distributions. Right: Transported images, using "
             "the Wasserstein and Sinkhorn distance.",
             "Figure 4.6: Final values for the loss of the discriminator (red) and generator (blue) of training "
             "the WGAN.")),
)


PART_II_TITLE = "The course since 2024"
PART_II: tuple[Section, ...] = (
    Section("II", PART_II_TITLE, part=2, setup=(
        "Since 2024 the course's exercise sessions are Python notebooks (Keras 3 on torch, torch, scikit-learn; "
        "meant for a Colab GPU). anndl writes its own code for each exercise, runs it on CPU within the "
        "report's time budget, and adds repetitions with their spread.",
        "The reference values below come from public runs of the notebooks (their data, budgets and "
        "machines): a sanity band to place our numbers in, not claims to reproduce.")),
    Section("II.1", "Session 1: supervised learning", ("optimizers_surface", "cnn_mnist_optimizers"), part=2,
            setup=(
                "\"In the wild jungle of training algorithms\": z = sin(0.8(x² + y²)) / (x² + y²)^0.9 on a 40 × 40 "
                "grid of [−3, 3]² (1600 points), a 2-50-50-1 ReLU net, MSE, five optimisers from copies of one "
                "initialisation for 2500 epochs: SGD lr 0.05 batch 1600; SGD lr 0.1 batch 40; Nesterov lr 0.1 "
                "momentum 0.9 batch 400; Adam batch 400; L-BFGS lr 1, max_iter 1, strong-Wolfe line search, "
                "batch 1600. Training targets may carry Gaussian noise; the test target is the noiseless surface.",
                "anndl adds the course's own chapter-1 trainers (lm, br, scg, bfg) on the same net and data.",
                "MNIST convnet (the Keras example): conv 32 3×3 ReLU, max-pool 2, conv 64 3×3 ReLU, max-pool 2, "
                "dropout 0.5, dense 10 softmax (34,826 parameters); batch 128, 15 epochs, 10 % validation split, "
                "Adam; the question is whether another optimiser keeps Adam's accuracy.",
            ),
            references=(
                Reference("test MSE after 2500 epochs, SGD lr 0.05 batch 1600", "1.09e-2", "optimizers_surface",
                          "optimizers.sgd_full_batch.test_mse_mean"),
                Reference("test MSE, SGD lr 0.1 batch 40", "8.32e-4", "optimizers_surface",
                          "optimizers.sgd_batch40.test_mse_mean"),
                Reference("test MSE, Nesterov lr 0.1 batch 400", "6.46e-4", "optimizers_surface",
                          "optimizers.nesterov.test_mse_mean"),
                Reference("test MSE, Adam batch 400", "6.02e-4", "optimizers_surface",
                          "optimizers.adam.test_mse_mean"),
                Reference("test MSE, L-BFGS batch 1600", "2.23e-4 (5.19e-5 in another run)", "optimizers_surface",
                          "optimizers.lbfgs.test_mse_mean"),
                Reference("MNIST convnet test accuracy, Adam, 15 epochs of full MNIST", "99.15 %",
                          "cnn_mnist_optimizers", "adam.test_accuracy_mean"),
            ),
            defects=(
                "No defect in these two notebooks' code is known. anndl draws every optimiser's starting "
                "weights once per repetition and copies them (the notebook's deepcopy of one net), so a "
                "comparison never mixes initialisations.",
                "The convnet's budget: the course trains 15 epochs of full MNIST (60,000 images) on a GPU; anndl "
                "ships the shipped 5000-image subset and a budget that fits the report on CPU (see the config).",
            )),
    Section("II.2", "Session 2: recurrent networks", ("hopfield_mnist", "hopfield_capacity", "forecasting_cv"),
            part=2, setup=(
                "Hopfield nets by newhop's Li–Michel–Porod rule (τ = 10, h = 0.15) or the Hebb rule, synchronous or "
                "asynchronous updates. Digits: the first MNIST image of each class (784-d, rescaled to [−1, 1]), "
                "Gaussian noise of std 0–10 clipped to [−1, 1], 1–100 iterations.",
                "2026 additions: capacity with random ±1 patterns (D = 100, up to 30 patterns, 30 trials; Hebb's "
                "theory gives about 0.14·D), basins of attraction, synchronous against asynchronous; modern "
                "(continuous) Hopfield networks and their link to attention.",
                "Time series: Santa Fe A (1000 training points, the next 100 as test), normalised with the training "
                "statistics; lag matrices by Hankel; TimeSeriesSplit(test_size = 100, gap = lag), 4 folds; MLP "
                "Dense(H, tanh) → Dense(1), Adam 0.01, 200 epochs; stateful LSTM, batch 1, Adam 1e-3, 150 epochs, "
                "state reset after each epoch; defaults lag 10, H 20; a closed-loop forecast of the 100 test "
                "points, MSE in raw units. 2026: SimpleRNN, Mackey-Glass (τ = 30), ACF/PACF/spectrum/ADF per series.",
            ),
            references=(
                Reference("digits recovered (newhop)", "up to noise ≈ 5 with ≥ 40 iterations", "hopfield_mnist",
                          "lssm.max_noise_recovered_90pc"),
                Reference("Hebb capacity, stable patterns", "≈ 0.14·D (theory)", "hopfield_capacity",
                          "hebb.capacity_load_90pc"),
                Reference("Santa Fe test MSE, course defaults (lag 10, H 20), MLP", "2711", "forecasting_cv",
                          "santafe.mlp.default_test_mse_mean"),
                Reference("Santa Fe test MSE, course defaults, LSTM", "3878", "forecasting_cv",
                          "santafe.lstm.default_test_mse_mean"),
                Reference("Santa Fe test MSE, tuned MLP (lag 30, H 30)", "751", "forecasting_cv",
                          "santafe.mlp.chosen_test_mse_mean"),
                Reference("Mackey-Glass test MSE", "no public value", "forecasting_cv",
                          "mackey_glass.lstm.chosen_test_mse_mean"),
                Reference("Santa Fe test MSE, tuned LSTM (lag 20 H 80; lag 80 H 100)", "224; 90", "forecasting_cv",
                          "santafe.lstm.chosen_test_mse_mean"),
            ),
            defects=(
                "hopfield.ipynb's energy function was wrong in early 2024 (fixed later); anndl plots the fixed "
                "E = −½xᵀWx − bᵀx and shows that under synchronous updates it may rise: it is a Lyapunov function "
                "only for asynchronous updates.",
                "The 2026 Hebb rule used sign(0) = 0, which froze units; anndl's sign units keep their state when "
                "their input is exactly 0.",
                "newhop's design and the Hebb rule store ±1 vectors; anndl thresholds the rescaled digits at 0 "
                "instead of storing grey values.",
                "The 2026 time-series notebook overwrote the training series in a fold-plotting loop and normalised "
                "twice (\"flat Santa Fe predictions\"); anndl standardises once, with each fit's own training "
                "statistics, and never writes to the series.",
                "Keras 3 has no reset_states() for a stateful LSTM (the course pinned TensorFlow 2.12.1); anndl's "
                "torch LSTM carries its state through an epoch and resets it explicitly.",
            )),
)

SECTIONS: tuple[Section, ...] = PART_I + PART_II


def section_of(experiment: str) -> Section | None:
    """The report section an experiment belongs to (None: not part of the report)."""
    return next((s for s in SECTIONS if experiment in s.experiments), None)
