"""Autoencoders and their linear ancestor: PCA by eigendecomposition (:mod:`.pca`), sparse
autoencoders stacked under a softmax layer and fine-tuned with trainscg (:mod:`.sparse`).
The 2024 course's regularised autoencoders (:mod:`.regularised`, options in :mod:`.options`), stacked
autoencoder (:mod:`.stacked`) and VAE (:mod:`.vae`).
"""
