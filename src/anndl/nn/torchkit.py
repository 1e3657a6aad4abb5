"""Pieces every torch training loop shares: device choice, progress and checkpoints."""

from __future__ import annotations

import os
import random
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from anndl import atomic, deferred_torch
from anndl.errors import ConfigError
from anndl.nn.divergence import DivergenceGuard

deferred_torch.apply(torch)  # the seed and thread count set before torch was imported

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
    """Atomically save tensors/state dicts/plain values (no arbitrary objects) with torch.save; the
    file is on disk (fsynced) before it takes the name ``path``."""
    with atomic.atomic_path(Path(path)) as tmp:
        torch.save(state, tmp)
        with open(tmp, "rb") as written:
            os.fsync(written.fileno())
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


class Checkpointer:
    """Periodic checkpoints of one training loop in ``directory``, and resume from the newest good one.

    ``objects`` maps names to what the loop must get back on resume: anything with
    ``state_dict``/``load_state_dict`` (modules, optimisers, schedulers, fitted models), a
    ``torch.Generator``, a tensor or a list of tensors (restored in place with ``copy_``), or a
    dict/list of plain values (restored in place). Each file ``<name>_epochNNNN.pt`` also holds the
    global RNG states (:func:`rng_state`: python, numpy's legacy global, torch), which
    :meth:`resume` restores. A step is what the loop counts (epochs, stages), 1-based.
    The newest :attr:`KEEP` files stay, so the previous good checkpoint survives until the new one
    is on disk; a corrupt or empty file is named in a warning and skipped. ``directory=None`` or
    ``every <= 0`` turns everything off. Each training loop needs its own ``(directory, name)``.
    """

    KEEP = 2

    def __init__(self, directory: str | Path | None, every: int, name: str = "checkpoint"):
        self.directory = None if directory is None else Path(directory)
        self.every, self.name = int(every), name
        self._saved_step: int | None = None

    @property
    def enabled(self) -> bool:
        return self.directory is not None and self.every > 0

    def path(self, step: int) -> Path:
        return self.directory / f"{self.name}_epoch{step:04d}.pt"

    def saved_steps(self) -> list[int]:
        """Steps (ascending) that have a checkpoint file."""
        if not self.enabled or not self.directory.is_dir():
            return []
        prefix = f"{self.name}_epoch"
        return sorted(int(p.stem[len(prefix):]) for p in self.directory.glob(f"{prefix}*.pt")
                      if p.stem[len(prefix):].isdigit())

    def resume(self, objects: Mapping[str, Any]) -> int:
        """Restore ``objects`` in place and the global RNG states from the newest good checkpoint.

        Returns its step (the loop continues after it), or 0 when there is none.
        """
        _check_restorable(objects)
        for step in reversed(self.saved_steps()):
            path = self.path(step)
            try:
                state = load_checkpoint(path)
                saved, rng = state["objects"], state["rng"]
                missing = set(objects) - set(saved)
                if missing:
                    raise KeyError(f"it holds no {', '.join(sorted(missing))}")
            except Exception as error:  # noqa: BLE001 - any unreadable file is skipped the same way
                reason = str(error).split(". ")[0] or type(error).__name__
                warnings.warn(f"ignoring unreadable checkpoint {path} ({reason}); trying an older one or "
                              f"starting afresh", stacklevel=2)
                continue
            for key, obj in objects.items():
                _restore(key, obj, saved[key])
            set_rng_state(rng)
            self._saved_step = step
            return step
        return 0

    def maybe_save(self, step: int, objects: Mapping[str, Any]) -> None:
        """After finishing ``step``: save when it is due (every ``every`` steps)."""
        if self.enabled and step % self.every == 0:
            self.save(step, objects)

    def save(self, step: int, objects: Mapping[str, Any]) -> None:
        """Save now (e.g. after the last step, so that a finished loop is skipped on resume), unless
        this step is already saved; then delete all but the newest :attr:`KEEP` files."""
        _check_restorable(objects)
        if not self.enabled or step == self._saved_step:
            return
        save_checkpoint(self.path(step), step=int(step), rng=rng_state(),
                        objects={k: _state_of(v) for k, v in objects.items()})
        self._saved_step = step
        for old in self.saved_steps()[:-self.KEEP]:
            self.path(old).unlink(missing_ok=True)


def _state_of(obj: Any) -> Any:
    if hasattr(obj, "state_dict"):
        return obj.state_dict()
    if isinstance(obj, torch.Generator):
        return obj.get_state()
    if isinstance(obj, torch.Tensor):
        return obj.detach().clone()
    if isinstance(obj, list | tuple):
        return [_state_of(item) for item in obj]
    if isinstance(obj, dict):
        return {k: _state_of(v) for k, v in obj.items()}
    return obj


def _restore(key: str, obj: Any, saved: Any) -> None:
    if hasattr(obj, "load_state_dict"):
        obj.load_state_dict(saved)
    elif isinstance(obj, torch.Generator):
        obj.set_state(saved)
    elif isinstance(obj, torch.Tensor):
        with torch.no_grad():
            obj.copy_(saved)
    elif isinstance(obj, list) and obj and all(isinstance(item, torch.Tensor) for item in obj):
        for item, value in zip(obj, saved, strict=True):
            _restore(key, item, value)
    elif isinstance(obj, list):
        obj[:] = saved
    else:
        obj.clear()
        obj.update(saved)


def _check_restorable(objects: Mapping[str, Any]) -> None:
    for key, obj in objects.items():
        if not (hasattr(obj, "load_state_dict") or isinstance(obj, torch.Generator | torch.Tensor | list | dict)):
            raise TypeError(f"checkpoint object {key!r} ({type(obj).__name__}) cannot be restored in place; "
                            f"give it state_dict/load_state_dict or pass a dict, list, tensor or torch.Generator")
