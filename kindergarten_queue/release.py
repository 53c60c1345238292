"""Which release of Kezek this process runs: the cache's key prefix, so no release reads another's pickles.

The cache holds pickled Python objects (an estimate's months, kept pages'
parts), and a release that changes such a class must never unpickle what the
release before it kept: it did once, and the web nodes answered 500 until the
day turned (docs/performance.md, "The last run (7 December, night)"). Keying
the whole cache by the release makes every such change safe without anyone
having to remember a version number. Web nodes, workers and beat running the
same code agree on the release, so they share one cache; during a rolling
deploy the old and the new nodes each keep their own.

``RELEASE_ID`` names the release where the deployment knows it (a tag or a
commit); otherwise it is a fingerprint of the project's Python source, read
once a process (about 300 files, a few milliseconds).
"""

import hashlib
import os
from pathlib import Path

#: Folders whose Python files are not the running release: environments, data, tests, caches.
NOT_THE_RELEASE = frozenset(
    {
        ".git",
        ".venv",
        "var",
        "node_modules",
        "staticfiles",
        "tests",
        "__pycache__",
        ".hypothesis",
        ".ruff_cache",
    }
)


def source_fingerprint(base_dir: Path) -> str:
    """A short hash of every Python file of the project (its path from ``base_dir`` and its bytes)."""
    digest = hashlib.sha256()
    for root, folders, files in os.walk(base_dir):
        folders[:] = sorted(name for name in folders if name not in NOT_THE_RELEASE)
        for name in sorted(files):
            if name.endswith(".py"):
                path = Path(root, name)
                digest.update(str(path.relative_to(base_dir)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
