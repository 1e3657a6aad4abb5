"""Dask without an open door: the LocalCluster stays on 127.0.0.1 with no dashboard (TLS when
distributed can make temporary certificates), and ``--scheduler tls://... --security FILE`` runs a
sweep on a cluster that accepts TLS clients only."""

from __future__ import annotations

import csv
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from anndl.cli import main
from anndl.executor import DaskExecutor, temporary_tls_available

REPO = Path(__file__).resolve().parents[1]
HOPFIELD = str(REPO / "configs" / "hopfield_2d.yaml")


def test_local_cluster_listens_on_loopback_only_without_a_dashboard():
    pool = DaskExecutor(jobs=1)
    try:
        scheduler = pool._cluster.scheduler
        protocol = "tls://" if temporary_tls_available() else "tcp://"
        addresses = [scheduler.address, *pool.client.scheduler_info()["workers"]]
        assert all(a.startswith(f"{protocol}127.0.0.1:") for a in addresses), addresses
        http = [sock.getsockname() for sock in scheduler.http_server._sockets.values()]
        assert http and all(host == "127.0.0.1" for host, *_ in http), http
        for page in ("/status", "/info/main/workers.html", "/health", "/metrics"):
            with pytest.raises(urllib.error.HTTPError) as missing:
                urllib.request.urlopen(f"http://127.0.0.1:{http[0][1]}{page}", timeout=10)
            assert missing.value.code == 404, page  # no dashboard, no info pages, no health or metrics
    finally:
        pool.close()


@pytest.fixture
def certificates(tmp_path) -> Path:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make test certificates")
    folder = tmp_path / "tls"
    folder.mkdir()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
                   check=True, capture_output=True)
    return folder


def test_sweep_on_a_tls_scheduler_with_a_security_file(tmp_path, certificates):
    from distributed import LocalCluster, Security

    cert, key = str(certificates / "cert.pem"), str(certificates / "key.pem")
    security = Security(tls_ca_file=cert, tls_scheduler_cert=cert, tls_scheduler_key=key, tls_worker_cert=cert,
                        tls_worker_key=key, tls_client_cert=cert, tls_client_key=key, require_encryption=True)
    settings = certificates / "distributed.yaml"
    settings.write_text("distributed:\n  comm:\n    require-encryption: true\n"
                        "    tls: {ca-file: cert.pem, client: {cert: cert.pem, key: key.pem}}\n")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tls://", host="127.0.0.1",
                      dashboard_address=None, security=security) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tls://127.0.0.1:")
        result = CliRunner().invoke(main, ["sweep", HOPFIELD, "seed=0..1", "--quick", "--executor", "dask",
                                           "--scheduler", address, "--security", str(settings),
                                           "--out", str(tmp_path / "s")])
        assert result.exit_code == 0, result.output
        with (tmp_path / "s" / "summary.csv").open() as handle:
            assert [row["state"] for row in csv.DictReader(handle)] == ["completed", "completed"]

        settings.write_text("distributed:\n  comm:\n    tls: {ca-file: cert.pem}\n")
        bad = CliRunner().invoke(main, ["run", HOPFIELD, "--quick", "--executor", "dask", "--scheduler", address,
                                        "--security", str(settings), "--out", str(tmp_path / "r")])
        lines = [line for line in bad.output.splitlines() if line.strip()]
        assert bad.exit_code == 2 and len(lines) == 1, bad.output
        assert str(settings) in lines[0] and "client.cert" in lines[0]
        assert not (tmp_path / "r").exists()


def test_tls_scheduler_without_certificates_is_one_line_exit_2(tmp_path):
    result = CliRunner().invoke(main, ["sweep", HOPFIELD, "seed=0..1", "--quick", "--executor", "dask",
                                       "--scheduler", "tls://127.0.0.1:1", "--out", str(tmp_path / "s")])
    assert result.exit_code == 2 and "needs certificates: pass --security" in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1


def test_security_file_without_a_tls_scheduler_is_a_usage_error(tmp_path):
    settings = tmp_path / "distributed.yaml"
    settings.write_text("distributed: {}\n")
    result = CliRunner().invoke(main, ["run", HOPFIELD, "--quick", "--security", str(settings),
                                       "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and "--scheduler tls://" in result.output, result.output
    assert not (tmp_path / "r").exists()
