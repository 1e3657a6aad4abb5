"""Autoencoders and their linear ancestor: PCA by eigendecomposition (:mod:`.pca`), sparse
autoencoders stacked under a softmax layer and fine-tuned with trainscg (:mod:`.sparse`)."""
