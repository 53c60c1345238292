"""Debian's PgBouncer in transaction mode, as Kezek's web nodes run it (docs/deployment.md, "PgBouncer").

Shared by the cluster's web hosts (``drills/cluster/parts.py``) and the tests
behind a pooler (``core/tests/test_pgbouncer.py``), so the tests exercise the
settings the cluster and production run: transaction pooling, no idle
transaction time-out (the beat's lock lives in an open transaction,
``core/pooler.py``), a failed server retried after a second (a failover's
promoted server is found at once), a query waiting at most 10 s for a server.
"""

from pathlib import Path

CONFIG = """[databases]
{databases}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen_port}
unix_socket_dir =
auth_type = trust
auth_file = {folder}/users.txt
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 200
idle_transaction_timeout = 0
server_login_retry = 1
server_connect_timeout = 2
query_wait_timeout = 10
ignore_startup_parameters = extra_float_digits
logfile = {folder}/pgbouncer.log
pidfile = {folder}/pgbouncer.pid
"""


def write_config(
    folder: Path,
    *,
    server: str,
    server_port: int,
    listen_port: int,
    pool_size: int,
    database: str | None = None,
    user: str = "postgres",
    password: str = "",
) -> Path:
    """``folder``'s pgbouncer.ini and users.txt: ``database`` on ``server`` only, or every database of
    it (``*``) when None, for ``user``. Returns the configuration's path."""
    target = f"host={server} port={server_port}"
    databases = f"{database} = {target} dbname={database}" if database else f"* = {target}"
    (folder / "users.txt").write_text(f'"{user}" "{password}"\n')
    config = folder / "pgbouncer.ini"
    config.write_text(
        CONFIG.format(databases=databases, listen_port=listen_port, pool_size=pool_size, folder=folder)
    )
    return config
