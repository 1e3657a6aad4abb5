"""The GAN experiments' option sections, training-cell parts and sample-quality settings, apart from
:mod:`anndl.nn.adversarial.models`, :mod:`anndl.nn.adversarial.training` and
:mod:`anndl.nn.adversarial.sample_quality` so that a config can hold them without importing torch
(``anndl describe`` / ``validate``); the training and sample-quality modules re-export them. Methods
that build networks import the models when called."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Literal

import numpy as np

from anndl.config import param
from anndl.data import cifar10
from anndl.data.mnist import load_mnist_subset
from anndl.errors import ConfigError

if TYPE_CHECKING:
    from anndl.nn.adversarial.models import DCGANDiscriminator, DCGANGenerator, MLPCritic, MLPGenerator


@dataclasses.dataclass(frozen=True, kw_only=True)
class DCGANNetworks:
    """The DCGAN pair's shape (a config section and part of a training cell's key)."""

    latent_dim: int = param(100, ge=1)
    """Dimension of the generator's N(0, I) input."""
    generator_widths: list[int] = param([256, 256, 128], ge=1)
    """Channels of the generator's dense map and its two hidden transposed convs (course: 256, 256, 128)."""
    discriminator_widths: list[int] = param([32, 64, 128], ge=1)
    """Channels of the discriminator's three convolutions (course: 32, 64, 128)."""
    dense_activation: Literal["relu", "leaky_relu"] = "relu"
    """After the generator's linear dense layer (and its batch norm): relu (course) or leaky_relu (0.2)."""

    def build(self, channels: int) -> tuple[DCGANGenerator, DCGANDiscriminator]:
        """A fresh (generator, discriminator) for images with ``channels`` channels."""
        from anndl.nn.adversarial.models import DCGANDiscriminator, DCGANGenerator

        return (DCGANGenerator(self.latent_dim, channels, self.generator_widths,
                               dense_activation=self.dense_activation),
                DCGANDiscriminator(channels, self.discriminator_widths))


@dataclasses.dataclass(frozen=True, kw_only=True)
class MLPNetworks:
    """The WGAN's MLP pair for 28x28 digits (a config section and part of a training cell's key)."""

    latent_dim: int = param(100, ge=1)
    """Dimension of the generator's N(0, I) input."""
    generator_hidden: list[int] = param([256, 256], ge=1)
    """Hidden widths of the MLP generator (course: 256, 256)."""
    critic_hidden: list[int] = param([256, 256], ge=1)
    """Hidden widths of the MLP critic / discriminator (course: 256, 256)."""

    def build(self, channels: int = 1) -> tuple[MLPGenerator, MLPCritic]:
        """A fresh (generator, critic); ``channels`` must be 1."""
        from anndl.nn.adversarial.models import MLPCritic, MLPGenerator

        if channels != 1:
            raise ValueError(f"the MLP networks take 1-channel digits, got {channels} channels")
        return MLPGenerator(self.latent_dim, self.generator_hidden), MLPCritic(self.critic_hidden)


@dataclasses.dataclass(frozen=True, kw_only=True)
class GanMethod:
    """How one GAN learns: objective, update scheme and optimiser (a config section, part of a cell key)."""

    objective: Literal["bce", "wgan-clip", "wgan-gp"] = "bce"
    """bce (standard GAN), wgan-clip (WGAN, weight clipping) or wgan-gp (WGAN, gradient penalty)."""
    update: Literal["alternating", "simultaneous"] = "alternating"
    """bce only: simultaneous (course notebook: both from one forward pass) or alternating (D, then G)."""
    optimiser: Literal["adam", "rmsprop"] = "adam"
    """Optimiser of both networks (rmsprop: PyTorch's alpha 0.99)."""
    lr: float = param(2e-4, gt=0)
    """Learning rate of both networks."""
    betas: list[float] = param([0.5, 0.999], ge=0, lt=1)
    """Adam (beta1, beta2)."""
    critic_steps: int = param(1, ge=1)
    """Critic steps per generator step (WGAN papers: 5)."""
    clip: float = param(0.01, gt=0)
    """wgan-clip: critic weights are clipped to [-clip, clip] after each critic step (paper: 0.01)."""
    gp_weight: float = param(10.0, ge=0)
    """wgan-gp: gradient-penalty weight lambda (paper: 10)."""

    def __post_init__(self):
        if len(self.betas) != 2:
            raise ValueError(f"betas: expected two numbers (beta1, beta2), got {self.betas}")
        if self.update == "simultaneous" and (self.objective != "bce" or self.critic_steps != 1):
            raise ValueError("update: simultaneous needs objective bce with critic_steps 1, got "
                             f"{self.objective} with critic_steps {self.critic_steps}")


@dataclasses.dataclass(frozen=True, kw_only=True)
class GanBudget:
    """How long a GAN trains and what it logs (a config section, part of a cell key)."""

    generator_steps: int = param(1000, ge=1)
    """Generator updates (the budget; equal across objectives; the course notebooks: 20000)."""
    batch_size: int = param(32, ge=2)
    """Real images per critic step (and as many fakes)."""
    snapshots: int = param(6, ge=2)
    """Sample grids kept over training (the first before any update)."""
    checkpoint_every: int = param(0, ge=0)
    """Save networks, optimisers and noise every this many generator steps (0: never)."""


def held_out_split(labels, per_class: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, held_out) with ``per_class`` random held-out items of every label; both sorted."""
    labels = np.asarray(labels)
    held = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if len(members) <= per_class:
            raise ValueError(f"class {label} has {len(members)} items, cannot hold out {per_class}")
        held.append(rng.choice(members, per_class, replace=False))
    held = np.sort(np.concatenate(held))
    return np.setdiff1d(np.arange(len(labels)), held), held


@dataclasses.dataclass(frozen=True)
class DigitImages:
    """The shipped MNIST subset split into GAN training digits and a held-out Fréchet reference."""

    held_out_per_class: int
    max_train_images: int | None = None
    pad: int = 0
    """Background pixels (-1) added on every side of the GAN's copy (DCGAN: 2, for 32x32)."""

    def load(self, split_seed: int) -> dict:
        """``gan`` (N, 1, 28 + 2 pad, 28 + 2 pad) in [-1, 1]; ``digits`` (N, 28, 28) in [0, 1] and
        ``labels`` (N,) of the same digits; the held-out ``reference`` and ``reference_labels``."""
        digits, labels = load_mnist_subset()
        rng = np.random.default_rng(split_seed)
        train, held = held_out_split(labels, self.held_out_per_class, rng)
        train = rng.permutation(train)[: self.max_train_images]  # the subset is sorted by class
        gan = np.pad(digits[train] * 2 - 1, ((0, 0), (self.pad, self.pad), (self.pad, self.pad)), constant_values=-1)
        return {"gan": gan[:, None], "digits": digits[train], "labels": labels[train],
                "reference": digits[held], "reference_labels": labels[held]}


@dataclasses.dataclass(frozen=True)
class CifarImages:
    """One class of the CIFAR-10 binary batches as GAN training images."""

    path: str | None
    class_name: str
    max_train_images: int | None = None

    def load(self, split_seed: int) -> dict:
        """``gan`` (N, 3, 32, 32) in [-1, 1] (``split_seed`` is unused: no held-out split)."""
        if self.path is None:
            raise ConfigError("key 'cifar_path': dataset cifar10 needs the folder of the binary batches, "
                              "e.g. cifar_path=~/data/cifar-10-batches-bin")
        return {"gan": cifar10.load_class(self.path, self.class_name)[: self.max_train_images] * 2 - 1}


@dataclasses.dataclass(frozen=True)
class GanCell:
    """One GAN training: everything it depends on, so the executor's cache key is derived from it."""

    data: DigitImages | CifarImages
    networks: DCGANNetworks | MLPNetworks
    method: GanMethod
    budget: GanBudget
    split_seed: int
    checkpoint_dir: str
    device: str = "auto"
    desc: str = "GAN steps"
    seed: int | None = None


@dataclasses.dataclass(kw_only=True)
class QualityConfig:
    """How generated digits are scored (shared by the GAN experiments' configs as ``quality.*``)."""

    enabled: bool = True
    """Score the generators (MNIST only): train the classifier, sample, compute the three numbers."""
    held_out_per_class: int = param(100, ge=2)
    """Real digits per class kept out of GAN and classifier training, the Fréchet reference."""
    n_samples: int = param(1000, ge=10)
    """Generated digits scored per generator (keep equal to the reference size: FD depends on N)."""
    threshold: float = param(0.9, gt=0, lt=1)
    """A sample counts as confident when its top class probability exceeds this."""
    filters: list[int] = param([12, 24])
    """The classifier's two conv widths (chapter 3's DigitCNN; the course template's 12, 24)."""
    epochs: int = param(15, ge=1)
    """Classifier training epochs (SGD with momentum; the course's 15)."""
    lr: float = param(3e-4, gt=0)
    """Classifier learning rate (the course's 1e-4 tripled for 4000 training digits; inputs in 0..255)."""
    momentum: float = param(0.9, ge=0, lt=1)
    """Classifier SGD momentum."""
    batch_size: int = param(64, ge=1)
    """Classifier mini-batch size."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class CourseGanNetworks:
    """One of the 2024 course's GAN pairs for 28x28 digits (a config section and part of a cell key)."""

    kind: Literal["mlp", "cnn"] = "mlp"
    """mlp: the vanilla GAN (10 -> 256 -> 512 -> 1024 -> 784); cnn: the CNN-backbone GAN."""
    latent_dim: int = param(10, ge=1)
    """Dimension of the generator's N(0, I) input (course: 10)."""
    dropout: float = param(0.3, ge=0, lt=1)
    """mlp: dropout after each hidden layer of the discriminator (course: 0.3)."""

    def build(self, channels: int = 1):
        """A fresh (generator, discriminator); ``channels`` must be 1."""
        from anndl.nn.adversarial import course_models

        if channels != 1:
            raise ValueError(f"the course GANs take 1-channel digits, got {channels} channels")
        if self.kind == "mlp":
            return course_models.MLPGenerator(self.latent_dim), course_models.MLPDiscriminator(self.dropout)
        return course_models.ConvGenerator(self.latent_dim), course_models.ConvDiscriminator(self.latent_dim)
