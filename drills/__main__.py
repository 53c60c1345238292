"""``python -m drills`` (``make drill``): run every fault drill, one line each, non-zero exit on a failure."""

import sys

from .runner import main

sys.exit(main(sys.argv[1:]))
