"""Sample quality of digit generators, measured with a small digit classifier (chapter 3's CNN).

For N generated digits (N, 28, 28) in [0, 1]:

- ``confident_fraction``: the share of samples whose top softmax probability exceeds 0.9
  (recognisable digits);
- ``class_entropy_bits``: the entropy (bits, at most log2 10 = 3.32) of the histogram of predicted
  classes; a collapsed generator that draws few digit classes scores low;
- ``frechet_distance``: the Fréchet distance between Gaussians fitted to the classifier's features
  (``DigitCNN.features``, the input of its last layer) of the samples and of held-out real digits,
  FD = ||mu1 - mu2||^2 + tr(C1 + C2 - 2 (C1^1/2 C2 C1^1/2)^1/2) (the FID recipe in a small
  feature space). It depends on the sample sizes, so compare numbers taken with equal N, and
  read them against the real-vs-real floor.
"""

from __future__ import annotations

import numpy as np
import torch

from anndl.nn.adversarial.options import QualityConfig  # also importable from here, as before
from anndl.nn.conv import cnn


def gaussian_stats(features) -> tuple[np.ndarray, np.ndarray]:
    """Mean (d,) and unbiased covariance (d, d) of features (N, d), in float64."""
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(f"need features of shape (N >= 2, d), got {features.shape}")
    return features.mean(axis=0), np.cov(features, rowvar=False).reshape(features.shape[1], -1)


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def frechet_distance(mu1, cov1, mu2, cov2) -> float:
    """Squared 2-Wasserstein distance between N(mu1, cov1) and N(mu2, cov2).

    The trace of (cov1 cov2)^1/2 is taken as that of the symmetric (s1 cov2 s1)^1/2 with
    s1 = cov1^1/2, whose eigenvalues are real and non-negative.
    """
    mu1, mu2 = np.asarray(mu1, dtype=np.float64), np.asarray(mu2, dtype=np.float64)
    cov1, cov2 = np.atleast_2d(cov1).astype(np.float64), np.atleast_2d(cov2).astype(np.float64)
    if mu1.shape != mu2.shape or cov1.shape != cov2.shape or cov1.shape != (mu1.size, mu1.size):
        raise ValueError(f"mismatched shapes: means {mu1.shape}, {mu2.shape}; covariances {cov1.shape}, "
                         f"{cov2.shape}")
    root1 = _psd_sqrt(cov1)
    cross = np.linalg.eigvalsh(root1 @ cov2 @ root1)
    trace_sqrt = np.sqrt(np.clip(cross, 0, None)).sum()
    value = float(np.sum((mu1 - mu2) ** 2) + np.trace(cov1) + np.trace(cov2) - 2 * trace_sqrt)
    return max(value, 0.0)


def frechet_distance_of_features(features_a, features_b) -> float:
    """Fréchet distance between Gaussians fitted (unbiased covariance) to features (N_a, d), (N_b, d).

    When a sample has fewer rows than d, the covariances are never formed: with centred features
    A, B, tr C_a = ||A||_F^2 / (N_a - 1), and tr (C_a^1/2 C_b C_a^1/2)^1/2 is the sum of the singular
    values of A B^T / sqrt((N_a - 1)(N_b - 1)) (the non-zero eigenvalues of C_a C_b are those of
    M M^T with M = A B^T / sqrt(...)), so the cost grows with N_a N_b, not d^3.
    """
    a = np.asarray(features_a, dtype=np.float64)
    b = np.asarray(features_b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise ValueError(f"need two feature sets (N >= 2, d) with the same d, got {a.shape} and {b.shape}")
    if min(len(a), len(b)) >= a.shape[1]:
        return frechet_distance(*gaussian_stats(a), *gaussian_stats(b))
    mean_a, mean_b = a.mean(axis=0), b.mean(axis=0)
    centred_a, centred_b = a - mean_a, b - mean_b
    scale_a, scale_b = len(a) - 1, len(b) - 1
    cross = np.linalg.svd(centred_a @ centred_b.T, compute_uv=False).sum() / np.sqrt(scale_a * scale_b)
    traces = np.sum(centred_a ** 2) / scale_a + np.sum(centred_b ** 2) / scale_b
    value = np.sum((mean_a - mean_b) ** 2) + traces - 2 * cross
    return max(float(value), 0.0)


def confident_fraction(probabilities, threshold: float = 0.9) -> float:
    """Share of rows of probabilities (N, n_classes) whose largest entry exceeds ``threshold``."""
    probabilities = np.asarray(probabilities)
    return float(np.mean(probabilities.max(axis=1) > threshold))


def class_entropy_bits(predicted, n_classes: int = 10) -> float:
    """Entropy in bits of the histogram of predicted labels (N,) over ``n_classes`` classes."""
    counts = np.bincount(np.asarray(predicted, dtype=np.int64), minlength=n_classes).astype(float)
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum()) + 0.0


@torch.no_grad()
def classifier_features(model: cnn.DigitCNN, images, *, batch_size: int = 500,
                        device="cpu") -> np.ndarray:
    """``model.features`` of images (N, 28, 28) in [0, 1], in eval mode: float64 (N, n_features)."""
    x = cnn.as_image_tensor(images, model.conv1.in_channels)
    was_training = model.training
    model.eval()
    out = [model.features(x[i:i + batch_size].to(device)).cpu() for i in range(0, len(x), batch_size)]
    model.train(was_training)
    return torch.cat(out).double().numpy()


def train_digit_classifier(images, labels, *, filters=(12, 24), epochs: int = 15, lr: float = 3e-4,
                           momentum: float = 0.9, batch_size: int = 64, seed: int = 0, device="cpu",
                           val=None, progress: bool = False) -> tuple[cnn.DigitCNN, dict]:
    """Chapter 3's DigitCNN fitted to images (N, 28, 28) in [0, 1] and labels (N,); (model, history)."""
    torch.manual_seed(seed)
    model = cnn.DigitCNN(filters=tuple(filters))
    history = cnn.fit_classifier(model, images, labels, epochs=epochs, lr=lr, momentum=momentum,
                                      batch_size=batch_size, seed=seed, device=device, val=val,
                                      progress=progress)
    return model, history


def sample_quality(model: cnn.DigitCNN, samples, reference, *, threshold: float = 0.9,
                   device="cpu") -> dict:
    """Quality of samples (N, 28, 28) in [0, 1] against reference real digits (M, 28, 28).

    Returns ``confident_fraction``, ``class_entropy_bits``, ``frechet_distance`` and
    ``class_histogram`` (counts of predicted classes, a list of n_classes ints).
    """
    logits = cnn.predict_logits(model, samples, device=device)
    probabilities = torch.softmax(logits, dim=1).numpy()
    predicted = probabilities.argmax(axis=1)
    fd = frechet_distance_of_features(classifier_features(model, samples, device=device),
                                      classifier_features(model, reference, device=device))
    return {"confident_fraction": confident_fraction(probabilities, threshold),
            "class_entropy_bits": class_entropy_bits(predicted, model.n_classes),
            "frechet_distance": fd,
            "class_histogram": np.bincount(predicted, minlength=model.n_classes).tolist()}


def quality_table(samples: dict[str, np.ndarray], train_images, train_labels, reference, reference_labels,
                  cfg: QualityConfig, *, seed: int, device="cpu") -> tuple[list[dict], dict]:
    """Score each generator's samples (N, 28, 28) in [0, 1] with a DigitCNN fitted to the training digits.

    ``reference`` (M, 28, 28) are the held-out real digits (labels ``reference_labels``). The first
    row, ``real (floor)``, scores ``n_samples`` random *training* digits against the same reference:
    what a generator that draws from the training distribution would get. Returns (rows, info);
    info holds the classifier's accuracy on the reference digits.
    """
    model, _ = train_digit_classifier(train_images, train_labels, filters=cfg.filters, epochs=cfg.epochs,
                                      lr=cfg.lr, momentum=cfg.momentum, batch_size=cfg.batch_size, seed=seed,
                                      device=device)
    rng = np.random.default_rng(seed)
    n_floor = min(cfg.n_samples, len(train_images))
    floor = np.asarray(train_images)[rng.choice(len(train_images), n_floor, replace=False)]
    rows = []
    for name, images in {"real (floor)": floor, **samples}.items():
        scores = sample_quality(model, images, reference, threshold=cfg.threshold, device=device)
        histogram = " ".join(str(c) for c in scores.pop("class_histogram"))
        rows.append({"generator": name, **scores, "class_histogram": histogram})
    predicted = cnn.predict_logits(model, reference, device=device).argmax(1).numpy()
    return rows, {"classifier_accuracy": float(np.mean(predicted == np.asarray(reference_labels)))}


def rows_as_metrics(rows: list[dict]) -> dict:
    """Rows of :func:`quality_table` as nested metrics ``{generator: {number: value}}`` (first word of
    the generator's name; the class histogram left to the table)."""
    skip = ("generator", "class_histogram")
    return {row["generator"].split()[0]: {k: v for k, v in row.items() if k not in skip} for row in rows}
