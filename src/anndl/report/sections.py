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
    Section("II.3", "Session 3: deep feature learning", ("autoencoders_mnist", "sae_mnist", "cnn_mnist",
                                                         "attention_vit"), part=2,
            setup=(
                "Autoencoder: 784 → 32 → 784, ReLU encoder, sigmoid decoder, MSE, Adam 1e-3, batch 32, 20 epochs, "
                "on 10,000 MNIST training images. 2026 additions: denoising (Gaussian, masking, salt-and-pepper), "
                "L1-sparse, KL-sparse and contractive autoencoders, judged by linear probes on the frozen codes.",
                "Stacked autoencoder: 784-256-64 sigmoid layers, each pre-trained greedily as an autoencoder (SGD "
                "0.1, MSE) with the earlier layers frozen, then a classifier (SGD 1, cross-entropy), then "
                "fine-tuning of everything; 10 / 10 / 20 epochs, batch 128, 6000 training and 1000 test images. "
                "2026: pre-training against training from scratch.",
                "CNN: conv 3×3 stride 2 with 16, 32, 32 channels and conv 2×2 stride 2 with 64, each with batch "
                "norm and ReLU, then dense 256 → 100 → 10; Adam 1e-3, batch 100, 20 epochs, 10,000 training and "
                "2000 test images.",
                "Self-attention: X of 32 × 256 and random Wq, Wk, Wv of 256 × 256, A = softmax(QKᵀ/√d), output AV, "
                "in numpy and as a torch module. ViT on MNIST: patch 7, dim 64, depth 6, 8 heads, MLP dim 128, "
                "pre-norm residual blocks, GELU, class token, learned position embedding; Adam 1e-3 with "
                "ExponentialLR(0.95) per epoch, batch 128, 20 epochs of full MNIST on a T4 GPU.",
                "anndl trains on the shipped 5000-digit MNIST subset (4000 training, 1000 test digits, stratified) "
                "with the course's settings where they fit one core (autoencoders, stacked autoencoder, CNN: all "
                "of them), and 6 ViT epochs plus a 2-epoch depth × dim grid (the course's 20 epochs: epochs=20; "
                "full MNIST: data.source=idx). It adds repetitions and their spread.",
            ),
            references=(
                Reference("stacked autoencoder test accuracy (pre-trained, fine-tuned)", "94.1 %, 95.5 %",
                          "sae_mnist", "pretrained.test_accuracy_mean"),
                Reference("CNN test accuracy after 20 epochs", "98.85–99.0 %", "cnn_mnist", "test_accuracy_mean"),
                Reference("ViT test accuracy (20 epochs of full MNIST; a student's grid)", "97.8–98.7 %",
                          "attention_vit", "vit.test_accuracy_final"),
                Reference("numpy vs torch self-attention, max |difference|", "(not reported)", "attention_vit",
                          "attention.max_abs_diff_output"),
            ),
            defects=(
                "attention.ipynb's numpy softmax clips the scores with swapped bounds, np.clip(z, 100, -100), "
                "which sets every score to −100 and makes the attention uniform, and normalises over the wrong "
                "axis. anndl's softmax subtracts each row's maximum and normalises each row: it agrees with torch's "
                "to 1e-6 and stays finite for scores of ±1e4 (tests/nn/test_attention.py); the first figure shows "
                "both attention matrices.",
                "The course's ViT divides the scores by √dim (64), not by √(dim / heads) as Vaswani et al.; anndl "
                "keeps the course's scale (vit.scale=model) and offers vit.scale=head.",
                "The CNN notebook has no activation between its two dense layers, so they compose to one linear map; "
                "anndl keeps that (dense_activation=none) and offers dense_activation=relu.",
                "The autoencoder notebook prints the sum of (batch MSE × batch size) over batches divided by the "
                "number of batches, 32 times the per-pixel MSE; anndl logs the per-pixel MSE.",
                "The stacked autoencoder's classifier stage froze only the layers before the last one, so the last "
                "encoder trained with the classifier; anndl trains only the classification layer there "
                "(freeze_encoders=false gives the notebook's behaviour).",
            )),
    Section("II.4", "Session 4: generative models", ("gan_mnist", "vae_mnist"), part=2,
            setup=(
                "RBM: scikit-learn's BernoulliRBM with the course's start of 10 components, learning rate 0.01 and "
                "10 iterations; students raise the components. anndl's rbm_mnist runs it as "
                "configs/rbm_mnist_sklearn_defaults.yaml beside the 256-component config (both in §4.1, with the "
                "pseudo-likelihood figure).",
                "DBM: a pretrained third-party TensorFlow model whose import the course commented out in March 2025; "
                "anndl's own torch DBM is dbm_mnist (§4.2).",
                "Vanilla GAN: latent 10; generator 10 → 256 → 512 → 1024 → 784 (leaky ReLU 0.2, tanh); "
                "discriminator 784 → 1024 → 512 → 256 → 1 (leaky ReLU 0.2, dropout 0.3, sigmoid), BCE; Adam 1e-3 "
                "with betas (0.5, 0.999) for both, batch 512, 50 epochs of full MNIST (about 5900 generator steps). "
                "CNN-backbone GAN: transposed convs latent → 32·latent (5×5) → 16·latent (5×5) → latent (4×4, "
                "stride 2) → 1 (4×4, stride 2) with batch norm and ReLU; the mirrored conv discriminator.",
                "VAE: encoder 784 → 128 (ReLU) → μ, log σ² of 100; decoder 100 → 128 (ReLU) → 784 (sigmoid); "
                "Xavier-uniform weights, biases 0.01; Bernoulli cross-entropy + KL; Adam 1e-3, betas (0.5, 0.999), "
                "batch 3000, 50 epochs of full MNIST. The notebook states that GANs usually give higher-quality "
                "samples than VAEs.",
                "anndl trains both GANs through its one GAN training cell and scores every generator, the VAE's "
                "decoder included, with one sample-quality code path on the same split: a digit classifier's "
                "Fréchet distance to 1000 held-out digits (read against the real-vs-real floor), the share of "
                "confident samples and the entropy of the predicted classes. Budgets that fit one core: 120 "
                "vanilla-GAN steps at batch 512, 30 CNN-GAN steps at batch 64 (one step at batch 512 takes about "
                "9 s on one core), 100 VAE epochs of the 4000 training digits (200 steps); the course's budgets are "
                "overrides named in the configs.",
            ),
            references=(
                Reference("RBM pseudo-likelihood after 30 iterations, 200 components, lr 0.1 / 0.05 / 0.02",
                          "−86.5 / −76.5 / −68.0"),
                Reference("RBM pseudo-likelihood after 30 iterations, 50 / 300 components, lr 0.1",
                          "−108.6 / −84.6"),
                Reference("vanilla GAN generator loss, last epoch", "≈ 3.2–3.4", "gan_mnist",
                          "mlp.final_epoch_g_loss"),
                Reference("vanilla GAN discriminator loss, (BCE real + BCE fake) / 2", "≈ 0.24", "gan_mnist",
                          "mlp.final_epoch_d_loss_course_scale"),
                Reference("VAE negative ELBO per image (printed 0.696 × 150: see the defects)", "≈ 104.4 nats",
                          "vae_mnist", "final_epoch_nats_per_image.loss"),
                Reference("VAE reconstruction per image (printed 0.518 × 150)", "≈ 77.7 nats", "vae_mnist",
                          "final_epoch_nats_per_image.reconstruction"),
                Reference("VAE KL per image (printed 0.178 × 150)", "≈ 26.7 nats", "vae_mnist",
                          "final_epoch_nats_per_image.kl"),
                Reference("sample quality: vanilla GAN Fréchet distance (lower is better)", "(not measured)",
                          "gan_mnist", "quality.mlp.frechet_distance"),
                Reference("sample quality: VAE Fréchet distance", "(not measured)", "vae_mnist",
                          "quality.vae.frechet_distance"),
                Reference("sample quality: real-vs-real floor", "(not measured)", "vae_mnist",
                          "quality.real.frechet_distance"),
            ),
            defects=(
                "vae.ipynb trains on the per-sample loss (BCE summed over pixels and the batch, then divided by the "
                "batch size), but divides each batch's loss by the batch size again when logging and sums the "
                "20 batches of an epoch: its printed losses are the per-sample ones × 20 / 3000. anndl logs nats "
                "per image (tests/nn/test_course_autoencoders.py checks the loss on a hand-computed case) and "
                "gives the course's printed scale beside it (final_epoch_course_printed_scale).",
                "The GAN notebook feeds ToTensor images in [0, 1] to a discriminator that sees tanh samples in "
                "[−1, 1]; anndl scales the real digits to [−1, 1], as its DCGAN does.",
                "The GAN notebook's discriminator loss is (BCE real + BCE fake) / 2 and its sigmoid output feeds "
                "BCELoss; anndl's shared trainer sums the two terms on logits (BCE-with-logits: the same gradients "
                "up to Adam's scale invariance, without the sigmoid's saturation) and reports the course's scale.",
                "The notebook's discriminator dropout is functional F.dropout, active in evaluation too; anndl's "
                "is a module, active in training only.",
            )),
)

SECTIONS: tuple[Section, ...] = PART_I + PART_II


def section_of(experiment: str) -> Section | None:
    """The report section an experiment belongs to (None: not part of the report)."""
    return next((s for s in SECTIONS if experiment in s.experiments), None)
