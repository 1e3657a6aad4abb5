"""GAN networks and training loops: shapes, hand-computed losses, the gradient penalty, clipping,
determinism, checkpoints, and a 1-D distribution that each objective has to learn."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from anndl.nn import torchkit
from anndl.nn.gan_models import DCGANDiscriminator, DCGANGenerator, MLPCritic, MLPGenerator
from anndl.nn.gan_training import (
    OBJECTIVES,
    discriminator_loss,
    display_images,
    generate,
    generator_loss,
    gradient_penalty,
    tile,
    train_gan,
)


def n_params(module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_dcgan_shapes_and_parameter_count_of_the_course_architecture():
    generator, discriminator = DCGANGenerator(100, 3), DCGANDiscriminator(3)
    fake = generator(torch.randn(4, 100))
    assert fake.shape == (4, 3, 32, 32) and fake.abs().max() <= 1
    assert discriminator(fake).shape == (4,)
    # dense 100 -> 8*8*256 (no bias) + BN; convT 3x3 256->256 and 256->128 (no bias) + BN; convT 128->3 + bias
    dense = 100 * 8 * 8 * 256 + 2 * 8 * 8 * 256
    convs = 9 * 256 * 256 + 2 * 256 + 9 * 256 * 128 + 2 * 128 + 9 * 128 * 3 + 3
    assert n_params(generator) == dense + convs
    # conv 3->32 (+bias), 32->64 and 64->128 (no bias) + BN, dense 128*8*8 -> 1
    expected = (9 * 3 * 32 + 32) + (9 * 32 * 64 + 2 * 64) + (9 * 64 * 128 + 2 * 128) + (128 * 64 + 1)
    assert n_params(discriminator) == expected
    with pytest.raises(ValueError, match="3 channel counts"):
        DCGANGenerator(widths=(8, 8))


def test_mlp_shapes_and_parameter_count():
    generator, critic = MLPGenerator(), MLPCritic()
    fake = generator(torch.randn(5, 100))
    assert fake.shape == (5, 1, 28, 28) and fake.abs().max() <= 1
    assert critic(fake).shape == (5,)
    assert n_params(generator) == (100 * 256 + 256) + (256 * 256 + 256) + (256 * 784 + 784)
    assert n_params(critic) == (784 * 256 + 256) + (256 * 256 + 256) + (256 + 1)


def test_bce_losses_at_the_equilibrium_and_by_hand():
    half = torch.zeros(6)  # logit 0: D says 1/2 everywhere
    assert discriminator_loss("bce", half, half).item() == pytest.approx(2 * math.log(2))
    assert generator_loss("bce", half).item() == pytest.approx(math.log(2))
    real, fake = torch.tensor([2.0, -1.0]), torch.tensor([0.5])
    by_hand = np.mean([math.log(1 + math.exp(-2.0)), math.log(1 + math.exp(1.0))]) + math.log(1 + math.exp(0.5))
    assert discriminator_loss("bce", real, fake).item() == pytest.approx(by_hand, rel=1e-6)
    assert generator_loss("bce", fake).item() == pytest.approx(math.log(1 + math.exp(-0.5)), rel=1e-6)


def test_wasserstein_losses_by_hand():
    real, fake = torch.tensor([1.0, 3.0]), torch.tensor([0.5, -0.5, 1.5])
    for objective in ("wgan-clip", "wgan-gp"):
        assert discriminator_loss(objective, real, fake).item() == pytest.approx(0.5 - 2.0)
        assert generator_loss(objective, fake).item() == pytest.approx(-0.5)


def test_gradient_penalty_of_a_linear_critic_is_the_squared_norm_gap():
    w = torch.tensor([1.0, 2.0, 2.0])  # norm 3 everywhere -> (3 - 1)^2 = 4 at every interpolate
    real, fake = torch.randn(7, 3), torch.randn(7, 3)
    penalty = gradient_penalty(lambda x: x @ w, real, fake, torch.Generator().manual_seed(0))
    assert penalty.item() == pytest.approx(4.0, rel=1e-6)


def test_gradient_penalty_matches_finite_differences():
    torch.manual_seed(0)
    critic = MLPCritic(hidden=(5,), side=2).double()
    real, fake = torch.randn(3, 1, 2, 2, dtype=torch.float64), torch.randn(3, 1, 2, 2, dtype=torch.float64)
    penalty = gradient_penalty(critic, real, fake, torch.Generator().manual_seed(3))
    eps = torch.rand((3, 1, 1, 1), generator=torch.Generator().manual_seed(3)).double()
    x_hat = eps * real + (1 - eps) * fake
    norms = []
    for x in x_hat:
        grad = np.zeros(4)
        for k in range(4):
            step = torch.zeros(4, dtype=torch.float64)
            step[k] = 1e-6
            up, down = x + step.view(1, 2, 2), x - step.view(1, 2, 2)
            grad[k] = (critic(up[None]).item() - critic(down[None]).item()) / 2e-6
        norms.append(np.linalg.norm(grad))
    assert penalty.item() == pytest.approx(np.mean((np.array(norms) - 1) ** 2), rel=1e-6)


def tiny_mlps(seed=0):
    torch.manual_seed(seed)
    return MLPGenerator(latent_dim=4, hidden=(16,), side=2), MLPCritic(hidden=(16,), side=2)


def tiny_images(n=64, seed=0):
    return np.tanh(np.random.default_rng(seed).normal(0.3, 0.2, size=(n, 1, 2, 2))).astype(np.float32)


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_history_lengths_and_snapshots(objective):
    generator, critic = tiny_mlps()
    critic_steps = 1 if objective == "bce" else 3
    history = train_gan(generator, critic, tiny_images(), objective=objective, epochs=3, batch_size=10,
                        lr=1e-3, critic_steps=critic_steps, n_snapshots=3, n_fixed=5)
    steps = 3 * (64 // 10) // critic_steps  # the last incomplete batch is dropped
    assert len(history.d_loss) == len(history.g_loss) == len(history.epoch) == steps
    assert history.snapshot_steps == [0, round(steps / 2), steps]
    assert all(s.shape == (5, 1, 2, 2) for s in history.snapshots_)
    per_epoch = history.per_epoch()
    assert per_epoch["epoch"] == sorted(set(history.epoch))
    assert len(history.d_acc_real) == (steps if objective == "bce" else 0)
    assert set(history.to_dict()) >= {"d_loss", "g_loss", "per_epoch", "snapshot_steps"}


def test_clipping_keeps_every_critic_weight_in_range():
    generator, critic = tiny_mlps()
    train_gan(generator, critic, tiny_images(), objective="wgan-clip", epochs=2, batch_size=8, lr=5e-2,
              optimiser="rmsprop", critic_steps=2, clip=0.05)
    assert max(p.abs().max().item() for p in critic.parameters()) <= 0.05 + 1e-7


def test_same_seed_same_training_and_a_resumed_training_ends_the_same(tmp_path):
    def train(directory, seed=1):
        generator, critic = tiny_mlps(seed=seed)
        history = train_gan(generator, critic, tiny_images(), objective="wgan-gp", epochs=3, batch_size=16,
                            lr=1e-3, betas=(0.0, 0.9), critic_steps=3, seed=7, n_snapshots=4,
                            checkpoint_dir=directory, checkpoint_every=1)
        return history, generator

    first, generator = train(tmp_path / "a")
    again, _ = train(tmp_path / "b")
    assert first.d_loss == again.d_loss and first.g_loss == again.g_loss
    # keep=2: the newest two checkpoints stay; drop the last one and train again from other weights
    assert sorted(p.name for p in (tmp_path / "a").glob("*.pt")) == ["gan_epoch0002.pt", "gan_epoch0003.pt"]
    (tmp_path / "a" / "gan_epoch0003.pt").unlink()
    resumed, resumed_generator = train(tmp_path / "a", seed=99)
    assert resumed.d_loss == first.d_loss and resumed.epoch == first.epoch
    assert resumed.snapshot_steps == first.snapshot_steps
    assert all(np.array_equal(a, b) for a, b in zip(resumed.snapshots_, first.snapshots_, strict=True))
    z = torch.randn(6, 4)
    assert np.allclose(generate(resumed_generator, z), generate(generator, z))
    state = torchkit.load_checkpoint(tmp_path / "a" / "gan_epoch0003.pt")
    assert state["step"] == 3 and len(state["objects"]["logged"]["history"]["g_loss"]) == len(first.g_loss)


def test_unknown_objective_and_optimiser_are_value_errors():
    generator, critic = tiny_mlps()
    with pytest.raises(ValueError, match="known: bce, wgan-clip, wgan-gp"):
        train_gan(generator, critic, tiny_images(), objective="lsgan", epochs=1, batch_size=8, lr=1e-3)
    with pytest.raises(ValueError, match="known: adam, rmsprop"):
        train_gan(generator, critic, tiny_images(), objective="bce", epochs=1, batch_size=8, lr=1e-3,
                  optimiser="sgd")


@pytest.mark.parametrize("objective, settings", [
    ("bce", {"epochs": 30, "batch_size": 64, "lr": 5e-3, "betas": (0.5, 0.999)}),
    ("wgan-gp", {"epochs": 40, "batch_size": 32, "lr": 5e-3, "betas": (0.0, 0.9), "critic_steps": 5}),
    ("wgan-clip", {"epochs": 60, "batch_size": 64, "lr": 5e-3, "optimiser": "rmsprop", "critic_steps": 5,
                   "clip": 0.1}),
])
def test_each_objective_moves_a_generator_onto_a_shifted_gaussian(objective, settings):
    """1-D data N(0.5, 0.1^2): the generator starts near 0 and must end with its mean near 0.5."""
    torch.manual_seed(0)
    generator = MLPGenerator(latent_dim=2, hidden=(16,), side=1)
    critic = MLPCritic(hidden=(16,), side=1)
    data = np.random.default_rng(0).normal(0.5, 0.1, size=(512, 1, 1, 1)).astype(np.float32)
    start = generate(generator, torch.randn(2000, 2)).mean()
    train_gan(generator, critic, data, objective=objective, seed=0, **settings)
    samples = generate(generator, torch.randn(2000, 2, generator=torch.Generator().manual_seed(1)))
    assert abs(start - 0.5) > 0.2
    assert samples.mean() == pytest.approx(0.5, abs=0.08)


def test_display_images_and_tile():
    images = np.array([[[[-1.0, 1.0]]], [[[0.0, 2.0]]]])  # (2, 1, 1, 2)
    shown = display_images(images)
    assert shown.shape == (2, 1, 2) and np.allclose(shown, [[[0.0, 1.0]], [[0.5, 1.0]]])
    colour = display_images(np.zeros((1, 3, 4, 5)))
    assert colour.shape == (1, 4, 5, 3)
    canvas = tile(np.zeros((3, 2, 2)), ncols=2, pad=1)
    assert canvas.shape == (5, 5) and canvas[2].tolist() == [1.0] * 5 and canvas[3:, 3:].min() == 1.0


def test_wgan_config_rejects_unknown_variants_and_missing_dcgan_runs(tmp_path):
    from anndl.errors import DataError
    from anndl.generative.wgan_mnist import WGANConfig, optimiser_settings, read_dcgan_history

    with pytest.raises(ValueError, match="variants: expected distinct names from clip, gp, bce"):
        WGANConfig(variants=["clip", "lsgan"])
    with pytest.raises(ValueError, match="variants"):
        WGANConfig(variants=["gp", "gp"])
    with pytest.raises(DataError, match="dcgan_history.json: not found"):
        read_dcgan_history(str(tmp_path))
    settings = {v: optimiser_settings(vars(WGANConfig()), v) for v in ("clip", "gp", "bce")}
    assert settings["clip"] == {"optimiser": "rmsprop", "lr": 5e-5, "clip": 0.01, "critic_steps": 5}
    assert settings["gp"]["betas"] == (0.0, 0.9) and settings["gp"]["gp_weight"] == 10.0
    assert settings["bce"]["critic_steps"] == 1 and settings["bce"]["lr"] == 2e-4
