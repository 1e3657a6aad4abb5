"""Autoencoders of the 2024 course: the undercomplete autoencoder and its regularised variants,
the greedy stacked autoencoder, and the variational autoencoder."""
