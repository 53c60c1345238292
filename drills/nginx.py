"""Debian's nginx as the reverse proxy in front of a Kezek server, and clients at chosen loopback addresses.

Shared by the drill ``behind_nginx`` (in front of the drill's gunicorn) and the
test ``core/tests/test_behind_nginx.py`` (in front of the live test server).
The configuration is production's in what matters here: nginx passes the
client's ``X-Forwarded-For`` on with the address it saw appended
(``$proxy_add_x_forwarded_for``), and one request id travels with each request
(``REQUEST_ID``). It runs in the foreground as one process
(no master, so no user switch) from a folder of its own, on a loopback port.
"""

import http.client
import shutil
import socket
import subprocess
import time
from pathlib import Path

#: How every throw-away nginx of the drills starts: one process in the foreground, every file it writes
#: under ``{folder}``; the caller's ``http`` block follows (``nginx_config``).
PREAMBLE = """
daemon off;
master_process off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections {connections}; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    # One id a request (docs/deployment.md, "Health and metrics"): the client's X-Request-ID when it is
    # one the web nodes accept (audit.middleware.REQUEST_ID_FORMAT), else nginx's own $request_id. It
    # goes up to the web node, whose log lines and audit events carry it (REQUEST_ID_FROM_PROXY), and
    # back to the client as the web node answered it, or as nginx made it when no web node answered.
    map $http_x_request_id $kezek_request_id {{
        "~^[A-Za-z0-9._-]{{1,64}}$" $http_x_request_id;
        default $request_id;
    }}
    map $upstream_http_x_request_id $kezek_answered_request_id {{
        "" $kezek_request_id;
        default $upstream_http_x_request_id;
    }}
"""
#: In each ``location`` that passes requests on: the request id above, up and back.
REQUEST_ID = """proxy_set_header X-Request-ID $kezek_request_id;
            proxy_hide_header X-Request-ID;
            add_header X-Request-ID $kezek_answered_request_id always;"""
PROXY = """
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://{upstream};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            {request_id}
        }}
    }}
}}
"""


def nginx_config(http_block: str, *, folder, connections: int, **values) -> str:
    """A whole configuration: the preamble, then ``http_block`` (a format string that ends the http block).

    ``{request_id}`` in ``http_block`` stands for ``REQUEST_ID``.
    """
    return (PREAMBLE + http_block).format(
        folder=folder, connections=connections, request_id=REQUEST_ID, **values
    )


class NginxMissing(RuntimeError):
    """Debian's nginx-light is not installed."""


def executable() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise NginxMissing("nginx is not installed (Debian's nginx-light; make debian-packages installs it)")
    return found


def start(folder: Path, *, port: int, upstream: str, seconds: float = 5) -> subprocess.Popen:
    """nginx listening on 127.0.0.1:``port`` and passing every request to ``upstream`` (host:port)."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "nginx.conf"
    config.write_text(nginx_config(PROXY, folder=folder, connections=64, port=port, upstream=upstream))
    process = subprocess.Popen(  # noqa: S603 (Debian's nginx, our configuration)
        [executable(), "-p", str(folder), "-c", str(config)], stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"nginx did not start: {process.communicate()[1].decode()}") from None
            time.sleep(0.02)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=5)


def send(port: int, source: str, method: str, path: str, headers: dict | None = None) -> int:
    """One request to nginx on ``port`` from the loopback address ``source``; the status it answered."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        connection.request(method, path, headers={"Host": "127.0.0.1", **(headers or {})})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()
