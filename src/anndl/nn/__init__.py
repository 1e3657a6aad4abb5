"""What several chapters train with, one subpackage per model family.

``feedforward`` (MLP, MATLAB's trainers), ``hopfield``, ``recurrent`` (LSTM, lagged MLP,
forecasting), ``conv``, ``autoencoders`` (PCA, sparse autoencoders), ``boltzmann`` (RBM, DBM),
``adversarial`` (GANs, sample quality) and ``transport``; the modules at this level are shared by
the families: :mod:`.divergence` (when a training has diverged) and :mod:`.torchkit` (devices,
progress, checkpoints). No module here changes a process-wide setting (:mod:`anndl.process` does,
for the CLI). Nothing is imported here: ``import anndl.nn`` stays free of numpy and torch.
"""
