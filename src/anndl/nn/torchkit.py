"""Pieces every torch training loop shares: device choice, seeding, progress and checkpoints."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from anndl import atomic
from anndl.errors import ConfigError
from anndl.nn.divergence import DivergenceGuard

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(name: str = "auto") -> torch.device:
    """``auto`` is cuda when available, else cpu; asking for cuda without one is a ConfigError."""
    if name not in DEVICES:
        raise ConfigError(f"key 'device': expected one of {', '.join(DEVICES)}, got {name!r}")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("key 'device': cuda was requested but torch sees no CUDA device; use auto or cpu")
    return torch.device(name)


def seed_everything(seed: int) -> torch.Generator:
    """Seed torch, numpy's legacy global and ``random``; returns a torch Generator seeded the same."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    generator = torch.Generator()
    generator.manual_seed(seed)
    return generator


def epochs(n: int, desc: str = "epochs", start: int = 0, progress: bool = True) -> Iterator[int]:
    """``range(start, n)`` with a tqdm bar (hidden when not on a terminal)."""
    yield from tqdm(range(start, n), desc=desc, initial=start, total=n, leave=False, dynamic_ncols=True,
                    disable=None if progress else True)


def rng_state() -> dict[str, Any]:
    """Python, numpy-global and torch CPU generator states, as tensors/plain data (weights_only-safe)."""
    py_state = random.getstate()
    np_state = np.random.get_state()
    return {
        "python": [py_state[0], list(py_state[1]), py_state[2]],
        "numpy": [np_state[0], torch.from_numpy(np_state[1].astype(np.int64)), *np_state[2:]],
        "torch": torch.get_rng_state(),
    }


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`rng_state` captured."""
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    name, keys, *rest = state["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), *rest))
    torch.set_rng_state(state["torch"])


def save_checkpoint(path: Path, **state: Any) -> Path:
    """Atomically save tensors/state dicts/plain values (no arbitrary objects) with torch.save."""
    with atomic.atomic_path(Path(path)) as tmp:
        torch.save(state, tmp)
    return Path(path)


def load_checkpoint(path: Path) -> dict[str, Any]:
    """Load a checkpoint written by :func:`save_checkpoint`, with ``weights_only=True`` (no unpickling)."""
    return torch.load(Path(path), map_location="cpu", weights_only=True)


def check_finite(loss: float, epoch: int, what: str = "loss", partial_metrics: dict | None = None) -> None:
    """Stop a diverged training with a clear message (RunError) when ``loss`` is NaN or infinite.

    ``partial_metrics`` (e.g. the history so far) are written to the run's metrics.json; the last
    checkpoint written before this epoch is kept. The growth rule is :class:`DivergenceGuard`'s.
    """
    DivergenceGuard(what, factor=None).check(loss, epoch, partial_metrics)


def generator_states(**generators: torch.Generator) -> dict[str, torch.Tensor]:
    """The states of named torch Generators (CPU or CUDA), as tensors that a checkpoint can hold."""
    return {name: g.get_state() for name, g in generators.items()}


def set_generator_states(states: dict[str, torch.Tensor], **generators: torch.Generator) -> None:
    """Restore what :func:`generator_states` captured into the same-named generators."""
    for name, g in generators.items():
        g.set_state(states[name])


class Checkpointer:
    """Periodic checkpoints of one training loop in ``directory`` and resume from the latest one.

    Files are ``<name>_epochNNNN.pt``. Each holds the caller's state (state dicts, tensors, plain
    values), the ``epoch`` just finished and the global RNG states (:func:`rng_state`), which
    :meth:`maybe_resume` restores. A checkpoint is written every ``every`` epochs and after the last
    epoch, so a finished stage of a longer pipeline is resumed (skipped) as a whole; only the newest
    ``keep`` files stay. ``directory=None`` or ``every=0`` turns everything off.
    Each training loop needs its own ``(directory, name)``: parallel cells must not share one.
    """

    def __init__(self, directory: str | Path | None, name: str, every: int, total: int, keep: int = 2):
        self.directory = None if directory is None else Path(directory)
        self.name, self.every, self.total, self.keep = name, int(every), int(total), int(keep)

    @property
    def enabled(self) -> bool:
        return self.directory is not None and self.every > 0

    def path(self, epoch: int) -> Path:
        return self.directory / f"{self.name}_epoch{epoch:04d}.pt"

    def saved_epochs(self) -> list[int]:
        """Epochs (ascending, at most ``total``) that have a checkpoint file."""
        if not self.enabled or not self.directory.is_dir():
            return []
        found = []
        for path in self.directory.glob(f"{self.name}_epoch*.pt"):
            suffix = path.stem[len(self.name) + len("_epoch"):]
            if suffix.isdigit() and int(suffix) <= self.total:
                found.append(int(suffix))
        return sorted(found)

    def maybe_resume(self) -> dict[str, Any] | None:
        """Load the latest checkpoint, restore the global RNG states, return its state (None: none).

        The caller restores its own model, optimiser, generators and history from the state and
        continues from ``state["epoch"]``.
        """
        epochs_saved = self.saved_epochs()
        if not epochs_saved:
            return None
        state = load_checkpoint(self.path(epochs_saved[-1]))
        set_rng_state(state.pop("rng"))
        return state

    def maybe_save(self, epoch: int, **state: Any) -> Path | None:
        """After finishing ``epoch`` (1-based): save when it is due (every ``every``, and the last)."""
        if not self.enabled or not (epoch % self.every == 0 or epoch == self.total):
            return None
        path = save_checkpoint(self.path(epoch), epoch=epoch, rng=rng_state(), **state)
        for old in self.saved_epochs()[:-self.keep] if self.keep > 0 else []:
            self.path(old).unlink(missing_ok=True)
        return path
