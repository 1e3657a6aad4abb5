"""GAN architectures of the 2024 course (trained by :mod:`anndl.nn.gan_training`)."""
