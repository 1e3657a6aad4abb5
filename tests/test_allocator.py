import os
import subprocess
import sys

import pytest

JACOBIAN_LOOP = """
import resource, sys
import numpy as np
from anndl.allocator import retain_freed_memory
from anndl.nn.feedforward.mlp import MLP
from anndl.nn.feedforward.training import train
x = np.linspace(0, 3 * np.pi, 943); t = np.sin(x ** 2)
if sys.argv[1] == "retain":
    assert retain_freed_memory()
elif sys.argv[1] == "train":  # a library call first: it must leave glibc's defaults alone
    train(MLP.create([1, 50, 1], x, t, np.random.default_rng(0)), x, t, algorithm="lm", epochs=2)
net = MLP.create([1, 50, 1], x, t, np.random.default_rng(0))
Xs, T = net.scale_inputs(x), t[:, None]
net.errors_and_jacobian(net.theta_, Xs, T)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(30):
    net.errors_and_jacobian(net.theta_, Xs, T)
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 30)
"""


def faults_per_jacobian(mode: str) -> float:
    # glibc's default 128 KiB mmap threshold, made static: its dynamic raise depends on the
    # order of earlier frees and made the default's fault count vary between runs
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "131072"}
    out = subprocess.run(
        [sys.executable, "-c", JACOBIAN_LOOP, mode], capture_output=True, text=True, check=True, env=env
    )
    return float(out.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc tuning")
def test_retained_memory_spares_the_jacobian_its_page_faults():
    # a 1-50-1 Jacobian of 943 samples is 1.1 MB: fresh mmapped memory faults on its ~280 pages
    assert faults_per_jacobian("retain") < 0.2 * faults_per_jacobian("default")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc tuning")
def test_training_leaves_the_allocator_alone():
    # were train() to raise the thresholds (as it did before the CLI took that over), its
    # Jacobians afterwards would fault as rarely as with retain_freed_memory()
    assert faults_per_jacobian("train") > 0.5 * faults_per_jacobian("default")
