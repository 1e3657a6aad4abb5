"""Static index of the experiments: name -> (module, description). Generated, do not edit:
regenerate with ``python -c 'from anndl import registry; registry.write_index()'``
(tests/test_registry.py checks it against the @experiment decorators)."""

INDEX: dict[str, tuple[str, str]] = {
    'alexnet_shapes': ('anndl.features.alexnet_shapes', "AlexNet's per-layer output shapes by formula (3.1) and forward pass (§3.3)"),
    'cnn_digits': ('anndl.features.cnn_digits', 'Template and doubled-filter CNNs on digits, SGD with momentum (§3.3)'),
    'cnn_mnist_optimizers': ('anndl.supervised.cnn_mnist_optimizers', 'The Keras MNIST convnet with Adam vs SGD vs Adadelta from shared starts (2024 course, session 1)'),
    'dbm_mnist': ('anndl.generative.dbm_mnist', 'Two-layer deep Boltzmann machine on MNIST vs an RBM (§4.2)'),
    'dcgan': ('anndl.generative.dcgan', 'DCGAN on MNIST or one CIFAR-10 class, with sample quality (§4.3)'),
    'fit_trainlm': ('anndl.supervised.fit_trainlm', 'A 1-45-1 network trained with trainlm on noiseless and noisy sin(x²) (Fig. 1.4)'),
    'forecasting_cv': ('anndl.recurrent.forecasting_cv', 'Lagged MLP, SimpleRNN and stateful LSTM on Santa Fe and Mackey-Glass, (lag, H) by time-series CV, with EDA (2024 course, session 2)'),
    'generalization': ('anndl.supervised.generalization', 'Train and test MSE against hidden units, per algorithm (§1.1.2)'),
    'hopfield_2d': ('anndl.recurrent.hopfield_2d', '2-D Hopfield net: fixed points, spurious states, stability (§2.1)'),
    'hopfield_3d': ('anndl.recurrent.hopfield_3d', '3-D Hopfield net: fixed points, spurious states, stability (§2.1)'),
    'hopfield_capacity': ('anndl.recurrent.hopfield_capacity', 'Hopfield capacity and basins: Hebb vs newhop vs a modern (softmax) Hopfield net on random patterns (2024 course, session 2, 2026 additions)'),
    'hopfield_digits': ('anndl.recurrent.hopfield_digits', 'Hopfield digit recovery: fraction recovered vs noise and iterations (§2.1)'),
    'hopfield_mnist': ('anndl.recurrent.hopfield_mnist', 'Hopfield nets (newhop vs Hebb) storing ten MNIST digits: recovery vs noise and iterations (2024 course, session 2)'),
    'lstm_santafe': ('anndl.recurrent.lstm_santafe', 'Santa Fe: LSTM closed-loop forecast vs lagged MLP (§2.3)'),
    'mlp_santafe': ('anndl.recurrent.mlp_santafe', 'Santa Fe: lagged MLP, open-loop vs closed-loop tuning (§2.2)'),
    'optimizers_surface': ('anndl.supervised.optimizers_surface', "Five torch optimisers and MATLAB's trainers on a 2-50-50-1 ReLU net, damped sinc surface (2024 course, session 1)"),
    'ot_color_transfer': ('anndl.generative.ot_color_transfer', 'Optimal-transport colour transfer, EMD vs Sinkhorn (§4.4)'),
    'pca': ('anndl.features.pca', 'PCA: eigenvalue spectra, explained variance, reconstructions, t-SNE (§3.1)'),
    'personal_regression': ('anndl.supervised.personal_regression', 'Personal regression: architecture grid search with trainlm, then trainbr (§1.2)'),
    'rbm_mnist': ('anndl.generative.rbm_mnist', 'Bernoulli RBM on MNIST: pseudo-likelihood, Gibbs chains, clamped reconstruction (§4.1)'),
    'sae_digits': ('anndl.features.sae_digits', 'Stacked sparse autoencoders vs an MLP on digits, Table 3.1 (§3.2)'),
    'training_algorithms': ('anndl.supervised.training_algorithms', 'Six MATLAB training algorithms on sin(x²): time and MSE (§1.1.1)'),
    'wgan_mnist': ('anndl.generative.wgan_mnist', 'WGAN (clipping, gradient penalty) vs standard GAN on MNIST (§4.4)'),
}
