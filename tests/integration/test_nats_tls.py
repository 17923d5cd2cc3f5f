"""TLS for production: a `tls://` URL with VSSID_NATS_CA_FILE verifies the server and logs in."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import nats.errors
import pytest

from vssid.devstack import nats_auth
from vssid.devstack.servers import free_ports, tool_path
from vssid.devstack.supervisor import ManagedProcess
from vssid_shared.nats_access import USERS
from vssid_shared.nats_login import NatsLogin

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_certificates(where: Path) -> None:
    """A private CA and a server certificate for 127.0.0.1 signed by it."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test CA",
            "-keyout", "ca.key", "-out", "ca.pem", cwd=where)  # fmt: skip
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
            "-keyout", "server.key", "-out", "server.csr", cwd=where)  # fmt: skip
    (where / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf", "-out", "server.pem",
            cwd=where)  # fmt: skip


async def test_a_tls_url_with_the_ca_file_connects_and_plain_nats_is_refused(
    tmp_path: Path,
) -> None:
    make_certificates(tmp_path)
    passwords = nats_auth.ensure_passwords(tmp_path, USERS)
    nats_auth.write_users(tmp_path, passwords)
    port, monitor = free_ports(2)
    conf = nats_auth.auth_dir(tmp_path) / nats_auth.SERVER_CONF
    conf.write_text(
        nats_auth.server_conf(
            host="127.0.0.1",
            port=port,
            monitor_port=monitor,
            store_dir=tmp_path / "store",
            sync_interval="always",
            tls=(str(tmp_path / "server.pem"), str(tmp_path / "server.key")),
        )
    )
    server = ManagedProcess("nats", [tool_path("nats-server"), "-c", str(conf)], echo=False)
    with server:
        server.wait_http(f"http://127.0.0.1:{monitor}/healthz", 30)
        login = NatsLogin(
            f"tls://127.0.0.1:{port}", "intake", passwords["intake"], str(tmp_path / "ca.pem")
        )
        nc = await login.connect(allow_reconnect=False, connect_timeout=5)
        try:
            await nc.flush()  # a round trip on the verified, authenticated connection
            assert nc.is_connected
        finally:
            await nc.close()
        # Without the CA the server's certificate is not trusted: no connection at all.
        untrusted = NatsLogin(f"tls://127.0.0.1:{port}", "intake", passwords["intake"])
        with pytest.raises((nats.errors.NoServersError, OSError)):
            await untrusted.connect(allow_reconnect=False, connect_timeout=5, error_cb=quiet)
        # Nor in clear: the server requires TLS of every client.
        plain = NatsLogin(f"nats://127.0.0.1:{port}", "intake", passwords["intake"])
        with pytest.raises((nats.errors.Error, OSError)):
            await plain.connect(allow_reconnect=False, connect_timeout=5, error_cb=quiet)


async def quiet(error: Exception) -> None:
    """Keep nats-py from printing the expected failure; the test asserts the exception."""
