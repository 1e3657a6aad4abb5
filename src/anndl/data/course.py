"""The course's own data files: their names, their digests, and how ``--data DIR`` hands them to a config.

A student of the course has a folder of its files under their own names (``threes.mat``,
``lasertrain.dat``, ...). Each experiment declares, next to its config class, which of its config keys
take which of these files (:class:`CourseFiles`, passed to ``@experiment(course_data=...)``);
``anndl run NAME --data DIR`` and ``anndl report --data DIR`` set those keys to the files found in
DIR. A group whose files are not all in DIR leaves the experiment on its shipped data.

Whether a run used the report's data is decided by content: :data:`DIGESTS` holds the digests of
the course's files (facts about public files; ``tests/data/test_course.py`` checks them against the
course folder), and :func:`identify` names the course files among a run's recorded reads.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from anndl.errors import DataError

CIFAR_PY = "cifar-10-batches-py"
"""The folder of CIFAR-10's python batches (``data_batch_1`` ... ``data_batch_5``), as the
``cifar-10-python.tar.gz`` archive unpacks it."""

DIGESTS: dict[str, dict[str, str]] = {
    "Data_Problem1_regression.mat": {"sha256": "8892b64603497bfecc7d8f3de402f93759f35f5986d6c17505ea0274cdb70df0"},
    "digits.mat": {"sha256": "a90212520797400fce1101adcae33bc2eb8e7e31007cf59bdf9940920b47c37a"},
    "threes.mat": {"sha256": "a1469feeb986ec29c66be6040ce8da283a676be0a966e5916348e27eaf7e8a62"},
    "digittrain_dataset.mat": {"sha256": "bc9fecc1aaaa99d86f61c1b7026f563a8fd9fc1d01709b4030fd28dafa929df7"},
    "digittest_dataset.mat": {"sha256": "173d3947f8f992888b1280375b9882eae25c1188f27d105b13cac76dd982e470"},
    "lasertrain.dat": {"sha256": "2471442ddccb9b7aa0214e1ba5a885d990c523df6cbdc694abacb0fd191da5f6"},
    "laserpred.dat": {"sha256": "be420706e3928409159f22aac148ea6748f54b4e6863653b31c6e9d6e19ce18f"},
    "ocean_day.jpg": {"sha256": "084ae49297ef39834e9ccfbfd8b138aa28db0ad8dc8dd05c1b304598edb1c506"},
    "ocean_sunset.jpg": {"sha256": "616462bfa6f82c1eba1f3395a95aedc4ff57916ea6e9bcc871fe3747f2894dd1"},
    # CIFAR-10's python batches: the md5 digests its authors publish (and torchvision checks)
    f"{CIFAR_PY}/data_batch_1": {"md5": "c99cafc152244af753f735de768cd75f"},
    f"{CIFAR_PY}/data_batch_2": {"md5": "d4bba439e000b95fd0a9bffe97cbabec"},
    f"{CIFAR_PY}/data_batch_3": {"md5": "54ebc095f3ab1f0389bbae665268c751"},
    f"{CIFAR_PY}/data_batch_4": {"md5": "634d18415352ddfa80567beed471001a"},
    f"{CIFAR_PY}/data_batch_5": {"md5": "482c414d41f54cd18b22e5b47cb7c3cb"},
}
"""Digests of the course's files, by their name in the course folder. The cholesterol spectra are
not here: ``choles_all.csv`` is each student's own export from MATLAB (its bytes depend on the
export), so no digest can recognise it and claims on it stay "not applicable"."""

MNIST_TRAIN = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
"""MNIST's training images and labels under the names its IDX files are published with."""
MNIST_TEST = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
"""MNIST's test images and labels, likewise."""

OPTIONAL = {
    "choles_all.csv": "MATLAB's cholesterol spectra, exported in MATLAB with "
                      "load choles_all; writetable(array2table(p'), 'choles_all.csv')",
    CIFAR_PY: "CIFAR-10's python batches (cifar-10-python.tar.gz unpacked)",
    **{name + suffix: "full MNIST in its IDX format (gzipped or not), as the 2024 course's notebooks download it"
       for name in (*MNIST_TRAIN, *MNIST_TEST) for suffix in ("", ".gz")},
}
"""Files a course folder may hold besides the course's own (it does not ship them)."""

CIFAR_BATCHES = tuple(f"{CIFAR_PY}/data_batch_{i}" for i in range(1, 6))


@dataclasses.dataclass(frozen=True)
class CourseFiles:
    """Config keys that take course files, set together or not at all.

    ``files``: dotted config key -> file (or folder) name in the course folder, or a tuple of names of
    which the first present is taken (``("x", "x.gz")``); ``settings``: dotted key -> value set alongside
    (e.g. ``data.source: course_mat``) when every file is present.
    """

    files: Mapping[str, str | tuple[str, ...]]
    settings: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def mnist_files(keys: Sequence[str], settings: Mapping[str, Any] | None = None) -> CourseFiles:
    """The group that points a config's MNIST keys at MNIST's IDX files, plain or gzipped. ``keys``:
    the config keys of the training images and labels, optionally followed by those of the test images
    and labels; ``settings`` as in :class:`CourseFiles`."""
    names = [*MNIST_TRAIN, *MNIST_TEST]
    if len(keys) not in (2, 4):
        raise ValueError(f"mnist_files: expected 2 or 4 config keys, got {list(keys)}")
    return CourseFiles({key: (name, name + ".gz") for key, name in zip(keys, names, strict=False)}, settings or {})


@dataclasses.dataclass(frozen=True)
class CourseChoice:
    """What ``--data DIR`` sets for one config: overrides, and which course files were used or absent."""

    overrides: tuple[tuple[str, Any], ...]
    used: tuple[str, ...]
    absent: tuple[str, ...]

    def note(self, experiment: str) -> str:
        """One line for the person running it: which course files the run takes, or that it stays shipped."""
        if not self.used and not self.absent:
            return f"{experiment}: reads none of the course's files; --data changes nothing"
        if not self.used:
            return (f"{experiment}: none of its course files ({', '.join(self.absent)}) in --data: "
                    "runs on the shipped data")
        text = f"{experiment}: course data {', '.join(self.used)}"
        absent = f" ({', '.join(self.absent)} absent: that part stays on the shipped data)" if self.absent else ""
        return text + absent


def check_folder(data_dir: str | Path) -> Path:
    """``data_dir`` as a Path if it is a folder holding at least one course file; else a DataError."""
    folder = Path(data_dir).expanduser()
    if not folder.is_dir():
        raise DataError(f"{data_dir}: --data folder not found (expected a folder holding the course's files, "
                        f"e.g. threes.mat, lasertrain.dat)")
    names = {name.split("/")[0] for name in (*DIGESTS, *OPTIONAL)}
    if not any((folder / name).exists() for name in names):
        raise DataError(f"{data_dir}: --data folder holds none of the course's files; expected any of "
                        f"{', '.join(sorted(names))}")
    return folder


def choose(declared: Sequence[CourseFiles], data_dir: Path) -> CourseChoice:
    """The overrides that point ``declared``'s keys at the files in ``data_dir`` (groups with a file
    absent are left out), with the course files used and those absent."""
    overrides: list[tuple[str, Any]] = []
    used: list[str] = []
    absent: list[str] = []
    for group in declared:
        found = {key: _first_present(data_dir, names) for key, names in group.files.items()}
        missing = [_names(group.files[key])[0] for key, name in found.items() if name is None]
        if missing:
            absent += missing
            continue
        overrides += [(key, str((data_dir / name).resolve())) for key, name in found.items()]
        overrides += list(group.settings.items())
        used += list(found.values())
    return CourseChoice(tuple(overrides), tuple(dict.fromkeys(used)), tuple(dict.fromkeys(absent)))


def _names(names: str | tuple[str, ...]) -> tuple[str, ...]:
    return (names,) if isinstance(names, str) else tuple(names)


def _first_present(data_dir: Path, names: str | tuple[str, ...]) -> str | None:
    return next((name for name in _names(names) if (data_dir / name).exists()), None)


def identify(reads: Iterable[Mapping[str, str]]) -> list[str]:
    """The course files (names of :data:`DIGESTS`) among recorded file digests (``{"sha256": ...}``)."""
    seen = {(kind, value) for digest in reads for kind, value in digest.items() if kind in ("sha256", "md5")}
    return [name for name, digest in DIGESTS.items() if any(item in seen for item in digest.items())]
