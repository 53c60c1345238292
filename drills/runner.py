"""Set the stack up once, run the drills in order, print one line each; the exit code says if all passed."""

import time

from .faults import DRILLS, DrillFailed
from .stack import Stack, StackError


def main(names: list[str]) -> int:
    """Run the drills named (all by default). 0 when every one passed, 1 otherwise, 2 for an unknown name."""
    chosen = names or list(DRILLS)
    unknown = sorted(set(chosen) - set(DRILLS))
    if unknown:
        print(f"Unknown drills: {', '.join(unknown)}; known: {', '.join(DRILLS)}")
        return 2
    started = time.monotonic()
    stack = None
    failures = 0
    try:
        try:
            stack = Stack()
            stack.start()
            world = stack.inside("load")
            stack.start_web()
        except Exception as error:  # whatever stopped the stack, every drill says so
            failures = len(chosen)
            for name in chosen:
                print(f"FAIL {name}: the drill stack could not start: {_why(error)}", flush=True)
        for name in chosen if not failures else ():
            try:
                checked = DRILLS[name](stack, world)
            except Exception as error:  # a broken drill still gets its line, and the others run
                failures += 1
                print(f"FAIL {name}: {_why(error)}", flush=True)
            else:
                print(f"PASS {name}: {checked}", flush=True)
    finally:
        if stack is not None:
            stack.close(keep=failures > 0)
    if failures and stack is not None:
        print(f"Logs of the failed run: {stack.logs}")
    print(f"{len(chosen) - failures} passed, {failures} failed in {time.monotonic() - started:.0f} s")
    return 1 if failures else 0


def _why(error: Exception) -> str:
    if isinstance(error, DrillFailed | StackError):
        return str(error)
    return f"{type(error).__name__}: {error}"
