"""The drill runner's HTTP: single requests, and a steady load from a few threads that counts every answer."""

import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter


def get(url: str, *, timeout: float = 5) -> tuple[int, bytes]:
    """The status (0: no answer at all) and the body."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (the cluster's own hosts)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (urllib.error.URLError, OSError):
        return 0, b""


def request_id(url: str, *, sent: str = "") -> str:
    """The ``X-Request-ID`` the answer to a GET of ``url`` carries, sending ``sent`` as ours (if any)."""
    request = urllib.request.Request(url, headers={"X-Request-ID": sent} if sent else {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (the cluster's own hosts)
            return response.headers.get("X-Request-ID", "")
    except urllib.error.HTTPError as error:
        return error.headers.get("X-Request-ID", "")


def get_json(url: str, *, timeout: float = 5) -> dict | None:
    status, body = get(url, timeout=timeout)
    return json.loads(body) if status == 200 else None


class Load:
    """``threads`` clients asking ``urls`` in turn, as fast as answered, until stopped; statuses counted."""

    def __init__(self, urls: list[str], *, threads: int = 8) -> None:
        self.urls = urls
        self.statuses: Counter = Counter()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._run, args=(index,), daemon=True) for index in range(threads)
        ]

    def __enter__(self) -> "Load":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _run(self, index: int) -> None:
        turn = index
        while not self._stop.is_set():
            status, _body = get(self.urls[turn % len(self.urls)], timeout=10)
            turn += 1
            with self._lock:
                self.statuses[status] += 1

    def snapshot(self) -> Counter:
        with self._lock:
            return Counter(self.statuses)

    @property
    def errors(self) -> int:
        counted = self.snapshot()
        return sum(count for status, count in counted.items() if status != 200)

    def wait(self, seconds: float) -> None:
        time.sleep(seconds)
