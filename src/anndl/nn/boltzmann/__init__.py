"""Boltzmann machines: the Bernoulli RBM and its (persistent) contrastive-divergence trainer
(:mod:`.rbm`), the two-layer DBM pretrained from two RBMs and trained jointly (:mod:`.dbm`)."""
