"""gan_mnist and vae_mnist score their samples through one code path: the same quality_table, on the same
split and with the same classifier for the same seed, so their real-vs-real floors are identical."""

from __future__ import annotations

import pytest

from anndl import api
from anndl.nn.adversarial import sample_quality
from anndl.nn.adversarial.options import CourseGanNetworks

TINY = {"quality.epochs": 1, "quality.n_samples": 40, "quality.held_out_per_class": 4, "max_train_images": 120}


def test_gan_and_vae_samples_are_scored_by_one_code_path(tmp_path, monkeypatch):
    calls = []
    real = sample_quality.quality_table

    def spy(samples, *args, **kwargs):
        calls.append(sorted(samples))
        return real(samples, *args, **kwargs)

    monkeypatch.setattr(sample_quality, "quality_table", spy)
    gan = api.run_experiment("gan_mnist", out=tmp_path / "gan", quick=True, progress=False, variants=["mlp"], **TINY)
    vae = api.run_experiment("vae_mnist", out=tmp_path / "vae", quick=True, progress=False, **TINY)
    assert calls == [["vanilla GAN (fully connected)"], ["VAE"]]
    for key in ("frechet_distance", "confident_fraction", "class_entropy_bits"):
        assert gan.metrics[f"quality.real.{key}"] == pytest.approx(vae.metrics[f"quality.real.{key}"], rel=0, abs=0)
    assert gan.metrics["quality.classifier_accuracy"] == vae.metrics["quality.classifier_accuracy"]
    assert gan.metrics["quality.mlp.frechet_distance"] > 0 and vae.metrics["quality.vae.frechet_distance"] > 0


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_course_gan_shapes(kind):
    import torch

    generator, discriminator = CourseGanNetworks(kind=kind).build()
    images = generator(torch.randn(3, 10))
    assert images.shape == (3, 1, 28, 28) and float(images.detach().abs().max()) <= 1
    assert discriminator(images).shape == (3,)
    n = sum(p.numel() for p in generator.parameters())
    assert n == (1463312 if kind == "mlp" else 1387231)  # the course's "about 1.46 M" for the vanilla GAN
