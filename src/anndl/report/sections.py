"""The course report's structure (§1 … §4.4, in its order): titles, its figure captions, our experiments.

Captions are the report's own (short quotes). ``notes`` quote statements of the report that no
metric tests (judged by eye from the figures).
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Section:
    number: str
    title: str
    experiments: tuple[str, ...] = ()
    captions: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def anchor(self) -> str:
        return "s" + self.number.replace(".", "-")

    @property
    def depth(self) -> int:
        """1 for a chapter, 2 for a section, 3 for a subsection."""
        return self.number.count(".") + 1


SECTIONS: tuple[Section, ...] = (
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


def section_of(experiment: str) -> Section | None:
    """The report section an experiment belongs to (None: not part of the report)."""
    return next((s for s in SECTIONS if experiment in s.experiments), None)
