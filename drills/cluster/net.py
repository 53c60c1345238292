"""The cluster's network: one Linux network namespace per host, each on a veth pair to one bridge.

Every call between the parts crosses a real network stack (an address of its
own per host, ARP, TCP), so cutting a host off, stopping a server or moving an
address behaves as it would between machines. The bridge has an address too,
so the drill runner (in the machine's own namespace) reaches every host.

Names start with ``kz-`` (namespaces) and ``kzv-`` (the bridge's ends of the
veth pairs); ``down`` removes exactly those it finds, nothing else.
"""

import subprocess

BRIDGE = "kzbr0"
SUBNET = "10.77.0"
BRIDGE_ADDRESS = f"{SUBNET}.1"

#: host name -> its address. ``db`` is not a host: it is the primary's service address, which the
#: failover runbook moves to the promoted replica (DATABASE_URL names it, never a machine).
HOSTS = {
    "lb": f"{SUBNET}.10",
    "web1": f"{SUBNET}.11",
    "web2": f"{SUBNET}.12",
    "pg1": f"{SUBNET}.21",
    "pg2": f"{SUBNET}.22",
    "redis": f"{SUBNET}.31",
    "mq": f"{SUBNET}.41",
    "worker": f"{SUBNET}.51",
}
PRIMARY_SERVICE_ADDRESS = f"{SUBNET}.20"
#: An address nobody answers on: routing a host's traffic to it through this "gateway" drops it silently.
NOWHERE = f"{SUBNET}.254"


def namespace(host: str) -> str:
    return f"kz-{host}"


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)  # noqa: S603, S607


def in_host(host: str) -> list[str]:
    """The prefix that runs a command inside ``host``'s namespace."""
    return ["ip", "netns", "exec", namespace(host)]


def up() -> None:
    ip("link", "add", BRIDGE, "type", "bridge")
    ip("addr", "add", f"{BRIDGE_ADDRESS}/24", "dev", BRIDGE)
    ip("link", "set", BRIDGE, "up")
    for host, address in HOSTS.items():
        ns, outside = namespace(host), f"kzv-{host}"
        ip("netns", "add", ns)
        ip("link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", ns)
        ip("link", "set", outside, "master", BRIDGE)
        ip("link", "set", outside, "up")
        ip("-n", ns, "addr", "add", f"{address}/24", "dev", "eth0")
        ip("-n", ns, "link", "set", "eth0", "up")
        ip("-n", ns, "link", "set", "lo", "up")
    add_address("pg1", PRIMARY_SERVICE_ADDRESS)


def add_address(host: str, address: str) -> None:
    """An extra address on ``host``, announced at once so every host's ARP cache learns where it went."""
    ip("-n", namespace(host), "addr", "add", f"{address}/24", "dev", "eth0")
    for other in HOSTS:
        if other != host:
            ip("-n", namespace(other), "neigh", "flush", address, check=False)
    ip("neigh", "flush", address, check=False)


def cut(host: str, target: str) -> None:
    """``host``'s packets to ``target`` go to a gateway that does not exist: dropped silently, a partition."""
    ip("-n", namespace(host), "route", "add", f"{HOSTS[target]}/32", "via", NOWHERE)


def mend(host: str, target: str) -> None:
    ip("-n", namespace(host), "route", "del", f"{HOSTS[target]}/32", check=False)


def namespaces_left() -> list[str]:
    listed = ip("netns", "list", check=False).stdout.split()
    return [name for name in listed if name.startswith("kz-")]


def pids_in(ns: str) -> list[int]:
    output = ip("netns", "pids", ns, check=False).stdout.split()
    return [int(pid) for pid in output]


def down() -> None:
    for ns in namespaces_left():
        ip("netns", "del", ns, check=False)
    links = ip("-o", "link", "show", check=False).stdout.splitlines()
    for line in links:
        name = line.split(":")[1].strip().split("@")[0]
        if name.startswith("kzv-") or name == BRIDGE:
            ip("link", "del", name, check=False)
