"""GAN networks and training loops: shapes, hand-computed losses, the gradient penalty, clipping,
determinism, checkpoints, and a 1-D distribution that each objective has to learn."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from anndl.generative._gan_figures import display_images
from anndl.nn import torchkit
from anndl.nn.adversarial.models import DCGANDiscriminator, DCGANGenerator, MLPCritic, MLPGenerator
from anndl.nn.adversarial.training import (
    OBJECTIVES,
    GanBudget,
    GanMethod,
    discriminator_loss,
    generate,
    generator_loss,
    gradient_penalty,
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
    steps = 6
    history = train_gan(generator, critic, tiny_images(), GanMethod(objective=objective, lr=1e-3,
                                                                     critic_steps=critic_steps),
                        GanBudget(generator_steps=steps, batch_size=10, snapshots=3), n_fixed=5)
    assert len(history.d_loss) == len(history.g_loss) == len(history.epoch) == steps
    assert history.snapshot_steps == [0, round(steps / 2), steps]
    assert all(s.shape == (5, 1, 2, 2) for s in history.snapshots_)
    # 6 batches of 10 per epoch (the last incomplete batch is dropped): epoch of each generator step
    assert history.epoch == [(i * critic_steps) // 6 + 1 for i in range(steps)]
    per_epoch = history.per_epoch()
    assert per_epoch["epoch"] == sorted(set(history.epoch))
    assert len(history.d_acc_real) == (steps if objective == "bce" else 0)
    assert set(history.to_dict()) >= {"d_loss", "g_loss", "per_epoch", "snapshot_steps"}


def test_clipping_keeps_every_critic_weight_in_range():
    generator, critic = tiny_mlps()
    train_gan(generator, critic, tiny_images(),
              GanMethod(objective="wgan-clip", lr=5e-2, optimiser="rmsprop", critic_steps=2, clip=0.05),
              GanBudget(generator_steps=8, batch_size=8))
    assert max(p.abs().max().item() for p in critic.parameters()) <= 0.05 + 1e-7


def test_same_seed_same_training_and_a_resumed_training_ends_the_same(tmp_path):
    def train(directory, seed=1):
        generator, critic = tiny_mlps(seed=seed)
        history = train_gan(generator, critic, tiny_images(),
                            GanMethod(objective="wgan-gp", lr=1e-3, betas=[0.0, 0.9], critic_steps=3),
                            GanBudget(generator_steps=3, batch_size=16, snapshots=4, checkpoint_every=1),
                            seed=7, checkpoint_dir=directory)
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
    budget = GanBudget(generator_steps=1, batch_size=8)
    with pytest.raises(ValueError, match="known: bce, wgan-clip, wgan-gp"):
        train_gan(generator, critic, tiny_images(), GanMethod(objective="lsgan"), budget)
    with pytest.raises(ValueError, match="known: adam, rmsprop"):
        train_gan(generator, critic, tiny_images(), GanMethod(optimiser="sgd"), budget)
    with pytest.raises(ValueError, match="simultaneous needs objective bce"):
        GanMethod(objective="wgan-gp", update="simultaneous", critic_steps=5)


@pytest.mark.parametrize("objective, steps, settings", [
    ("bce", 240, {"lr": 5e-3, "betas": [0.5, 0.999]}),
    ("bce-simultaneous", 240, {"lr": 5e-3, "betas": [0.5, 0.999], "update": "simultaneous"}),
    ("wgan-gp", 128, {"lr": 5e-3, "betas": [0.0, 0.9], "critic_steps": 5}),
    ("wgan-clip", 96, {"lr": 5e-3, "optimiser": "rmsprop", "critic_steps": 5, "clip": 0.1}),
])
def test_each_objective_moves_a_generator_onto_a_shifted_gaussian(objective, steps, settings):
    """1-D data N(0.5, 0.1^2): the generator starts near 0 and must end with its mean near 0.5."""
    torch.manual_seed(0)
    generator = MLPGenerator(latent_dim=2, hidden=(16,), side=1)
    critic = MLPCritic(hidden=(16,), side=1)
    data = np.random.default_rng(0).normal(0.5, 0.1, size=(512, 1, 1, 1)).astype(np.float32)
    start = generate(generator, torch.randn(2000, 2)).mean()
    batch_size = 32 if objective == "wgan-gp" else 64
    method = GanMethod(objective=objective.removesuffix("-simultaneous"), **settings)
    train_gan(generator, critic, data, method, GanBudget(generator_steps=steps, batch_size=batch_size), seed=0)
    samples = generate(generator, torch.randn(2000, 2, generator=torch.Generator().manual_seed(1)))
    assert abs(start - 0.5) > 0.2
    assert samples.mean() == pytest.approx(0.5, abs=0.08)


def test_simultaneous_update_takes_both_gradients_from_one_forward_pass():
    """One simultaneous step equals two independent SGD steps computed by hand from the same graph."""
    torch.manual_seed(0)
    generator, critic = MLPGenerator(latent_dim=2, hidden=(4,), side=1), MLPCritic(hidden=(4,), side=1)
    g0, c0 = [p.detach().clone() for p in generator.parameters()], [p.detach().clone() for p in critic.parameters()]
    data = np.full((8, 1, 1, 1), 0.5, dtype=np.float32)
    method = GanMethod(update="simultaneous", optimiser="rmsprop", lr=1e-3)
    train_gan(generator, critic, data, method, GanBudget(generator_steps=1, batch_size=8, snapshots=2), seed=3)
    # replay: same noise stream (shuffle, then latent), gradients of both losses at the old weights
    ref_g, ref_c = MLPGenerator(latent_dim=2, hidden=(4,), side=1), MLPCritic(hidden=(4,), side=1)
    for p, v in zip(list(ref_g.parameters()) + list(ref_c.parameters()), g0 + c0, strict=True):
        p.data.copy_(v)
    noise = torch.Generator().manual_seed(3)
    order = torch.randperm(8, generator=noise)
    fake = ref_g(torch.randn(8, 2, generator=noise))
    out_real, out_fake = ref_c(torch.from_numpy(data)[order]), ref_c(fake)
    d_grads = torch.autograd.grad(discriminator_loss("bce", out_real, out_fake), list(ref_c.parameters()),
                                  retain_graph=True)
    g_grads = torch.autograd.grad(generator_loss("bce", out_fake), list(ref_g.parameters()))
    opt = [torch.optim.RMSprop(ref_c.parameters(), lr=1e-3), torch.optim.RMSprop(ref_g.parameters(), lr=1e-3)]
    for params, grads in ((ref_c.parameters(), d_grads), (ref_g.parameters(), g_grads)):
        for p, g in zip(params, grads, strict=True):
            p.grad = g
    for o in opt:
        o.step()
    for trained, replayed in ((generator, ref_g), (critic, ref_c)):
        for a, b in zip(trained.parameters(), replayed.parameters(), strict=True):
            assert torch.allclose(a, b, atol=1e-7)


def test_display_images():
    images = np.array([[[[-1.0, 1.0]]], [[[0.0, 2.0]]]])  # (2, 1, 1, 2)
    shown = display_images(images)
    assert shown.shape == (2, 1, 2) and np.allclose(shown, [[[0.0, 1.0]], [[0.5, 1.0]]])
    colour = display_images(np.zeros((1, 3, 4, 5)))
    assert colour.shape == (1, 4, 5, 3)


def test_wgan_config_rejects_unknown_variants_and_missing_dcgan_runs(tmp_path):
    from anndl.errors import DataError
    from anndl.generative.wgan_mnist import WGANConfig, read_dcgan_history

    with pytest.raises(ValueError, match="variants: expected distinct names from clip, gp, bce"):
        WGANConfig(variants=["clip", "lsgan"])
    with pytest.raises(ValueError, match="variants"):
        WGANConfig(variants=["gp", "gp"])
    with pytest.raises(DataError, match="dcgan_history.json: not found"):
        read_dcgan_history(str(tmp_path))
    with pytest.raises(ValueError, match="clip: expected objective wgan-clip"):
        WGANConfig(clip=GanMethod(objective="bce"))
    cfg = WGANConfig()
    assert (cfg.clip.optimiser, cfg.clip.lr, cfg.clip.clip, cfg.clip.critic_steps) == ("rmsprop", 5e-5, 0.01, 5)
    assert cfg.gp.betas == [0.0, 0.9] and cfg.gp.gp_weight == 10.0 and cfg.gp.critic_steps == 5
    assert cfg.bce.critic_steps == 1 and cfg.bce.lr == 2e-4 and cfg.bce.update == "alternating"
    cells = [cfg.cell(v, split_seed=1, checkpoint_dir="c") for v in cfg.variants]
    assert len({c.budget.generator_steps for c in cells}) == 1  # equal generator steps for every variant
    assert cells[0].method is cfg.clip


def test_a_gan_cells_key_follows_what_the_training_depends_on_and_nothing_else():
    """Scoring and plotting options can change without retraining; the budget or method cannot."""
    import dataclasses

    from anndl.executor import cell_key
    from anndl.generative.wgan_mnist import WGANConfig
    from anndl.nn.adversarial.training import train_cell

    def key(cfg, variant="gp"):
        return cell_key(train_cell, cfg.cell(variant, split_seed=1, checkpoint_dir="c"))

    base = WGANConfig()
    scoring = dataclasses.replace(base, last_steps=50, dcgan_run="elsewhere", variants=["gp"],
                                  quality=dataclasses.replace(base.quality, n_samples=20))
    assert key(scoring) == key(base)
    longer = dataclasses.replace(base, budget=dataclasses.replace(base.budget, generator_steps=7))
    other_gp = dataclasses.replace(base, gp=dataclasses.replace(base.gp, gp_weight=1.0))
    held_out = dataclasses.replace(base, quality=dataclasses.replace(base.quality, held_out_per_class=5))
    assert len({key(base), key(longer), key(other_gp), key(held_out), key(base, "clip")}) == 5
