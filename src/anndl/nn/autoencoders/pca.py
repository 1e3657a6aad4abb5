"""PCA by eigendecomposition of the sample covariance, hand-written because it is the subject.

Fitted state (scikit-learn style): ``mean_`` (D,), ``eigenvalues_`` (D,) descending, with the
1/(N−1) covariance normalisation, ``components_`` (D, D) eigenvectors as rows,
``explained_variance_ratio_`` (D,). Every step runs in ``dtype`` (float64 by default; float32 gives
single precision, as MATLAB's ``single`` data would).
"""

from __future__ import annotations

import numpy as np


class PCA:
    """Principal components of data X (N samples, D features), computed in ``dtype``."""

    def __init__(self, dtype: type = np.float64):
        self.dtype = np.dtype(dtype)

    def fit(self, X: np.ndarray) -> PCA:
        X = np.asarray(X, dtype=self.dtype)
        if X.ndim != 2 or len(X) < 2:
            raise ValueError(f"PCA needs a 2-D array of at least 2 samples, got shape {X.shape}")
        self.n_samples_ = len(X)
        self.mean_ = X.mean(axis=0)
        centred = X - self.mean_
        if X.shape[1] <= X.shape[0]:
            covariance = centred.T @ centred / (len(X) - 1)
            eigenvalues, vectors = np.linalg.eigh(covariance)
            order = np.argsort(eigenvalues)[::-1]
            self.eigenvalues_ = np.clip(eigenvalues[order], 0.0, None)
            self.components_ = vectors[:, order].T
        else:
            # More features than samples: the N×N Gram matrix has the same non-zero spectrum.
            gram = centred @ centred.T / (len(X) - 1)
            eigenvalues, vectors = np.linalg.eigh(gram)
            order = np.argsort(eigenvalues)[::-1]
            eigenvalues = np.clip(eigenvalues[order], 0.0, None)
            keep = eigenvalues > eigenvalues[0] * max(1e-12, len(X) * np.finfo(self.dtype).eps)  # above rounding
            directions = centred.T @ vectors[:, order][:, keep]
            directions /= np.linalg.norm(directions, axis=0)
            self.eigenvalues_ = np.zeros(X.shape[1], dtype=self.dtype)
            self.eigenvalues_[: keep.sum()] = eigenvalues[keep]
            self.components_ = _complete_basis(directions.T, X.shape[1])
        total = self.eigenvalues_.sum()
        self.explained_variance_ratio_ = self.eigenvalues_ / total if total > 0 else np.zeros_like(total)
        return self

    def cumulative_explained_variance(self) -> np.ndarray:
        """(D,) fraction of the variance kept by the first q = 1..D components; ends at 1."""
        return np.cumsum(self.explained_variance_ratio_)

    def components_for(self, fraction: float) -> int:
        """The smallest q whose first q components explain at least ``fraction`` of the variance."""
        cumulative = self.cumulative_explained_variance()
        return int(np.searchsorted(cumulative, fraction - 1e-12) + 1)

    def transform(self, X: np.ndarray, q: int) -> np.ndarray:
        """Scores (N, q) of X on the first q components."""
        return (np.asarray(X, dtype=self.dtype) - self.mean_) @ self.components_[:q].T

    def reconstruct(self, X: np.ndarray, q: int) -> np.ndarray:
        """X (N, D) projected on the first q components and mapped back, (N, D)."""
        return self.transform(X, q) @ self.components_[:q] + self.mean_

    def rmsd(self, X: np.ndarray, q: int) -> float:
        """Root-mean-square deviation over all entries between X and its q-component reconstruction."""
        return float(np.sqrt(np.mean((np.asarray(X, dtype=self.dtype) - self.reconstruct(X, q)) ** 2)))

    def predicted_rmsd(self, q: int) -> float:
        """RMSD on the fitted data predicted from the dropped eigenvalues: MSE = (N−1)/(N·D)·Σ_{i>q} λ_i."""
        n, d = self.n_samples_, len(self.eigenvalues_)
        return float(np.sqrt((n - 1) / (n * d) * self.eigenvalues_[q:].sum()))


def _complete_basis(rows: np.ndarray, dim: int) -> np.ndarray:
    """Extend orthonormal rows (k, dim) to an orthonormal basis (dim, dim) of R^dim."""
    k = len(rows)
    if k == dim:
        return rows
    q, _ = np.linalg.qr(np.vstack([rows, np.eye(dim, dtype=rows.dtype)]).T)
    basis = q.T[:dim]
    basis[:k] = rows * np.sign(np.sum(basis[:k] * rows, axis=1, keepdims=True))
    return basis
