"""`python -m devstack` (what `make run` calls): serve the local stack until SIGINT or SIGTERM.

It stops within 10 s whatever is in flight: requests get a grace period, those still running get no
answer (so nothing unsaved was acknowledged), the data directory is saved, and a watchdog ends the
process if anything still holds it. A second signal ends it at once (the last autosave stays).
"""

from __future__ import annotations

import os
import signal
import sys
import threading

from .stack import Stack, StackConfig

# The whole stop (grace, save, the embedded AWS going down) ends within this, or the watchdog ends the process.
STOP_SECONDS = 9.0


def main() -> int:
    config = StackConfig.from_environment()
    stack = Stack(config)
    profiler = None
    if os.environ.get("LEARNLOOP_PROFILE"):  # devstack/profiler.py: where the stack's time goes, written on stop
        from pathlib import Path

        from .profiler import Profiler

        profiler = Profiler(Path(os.environ["LEARNLOOP_PROFILE"]))
        profiler.start()
    stopping = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        if stopping.is_set():
            os._exit(128 + signum)  # asked twice: stop now
        stopping.set()

    # Before the stack starts: a signal while it starts (its API may already answer) is a stop like any other,
    # not Python's KeyboardInterrupt inside the start or SIGTERM's default death without a save.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)
    try:
        stack.start()
    except OSError as exc:
        print(f"learnloop: cannot start: {exc} (is port {config.port} in use? set PORT)", file=sys.stderr)
        return 1
    print(
        "\n".join(
            [
                "Learnloop is running.",
                f"  API        {stack.url}",
                f"  Dashboard  {stack.url}/dashboard   (sign in with a tenant's key)",
                f"  Root key   {stack.root_key}   (from {stack.root_key_source})",
                f"  Data       {config.data_dir}   ({stack.restored_items} items restored; saved every "
                f"{config.autosave_seconds:g}s and on exit)",
                f"  Scheduler  checks due tasks every {config.scheduler_tick_seconds:g}s",
                f"  Try        curl -s {stack.url}/health",
                "Stop with Ctrl-C.",
            ]
        ),
        flush=True,
    )
    # Waked often rather than once: Linux may deliver the signal to any of the stack's threads, and then the main
    # thread, asleep on a lock, is never interrupted to run the handler; a timed wait runs it within the tick.
    while not stopping.wait(0.2):
        pass
    print("Learnloop: stopping...", flush=True)
    watchdog = threading.Timer(STOP_SECONDS, _give_up)
    watchdog.daemon = True
    watchdog.start()
    cut = stack.stop()
    watchdog.cancel()
    if profiler is not None:
        profiler.stop()
    if cut:
        print(f"Learnloop: {cut} request(s) still running were cut off unanswered.", flush=True)
    print("Learnloop: stopped; data saved.", flush=True)
    return 0


def run() -> None:
    """Exit as soon as the stack has stopped: the requests cut off may still hold threads (a model's simulated
    latency, a provider call) that the interpreter would otherwise wait for at exit."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _give_up() -> None:
    print(f"Learnloop: not stopped after {STOP_SECONDS:g}s; exiting without a final save.", file=sys.stderr, flush=True)
    os._exit(1)


if __name__ == "__main__":
    run()
