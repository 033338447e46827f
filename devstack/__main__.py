"""`python -m devstack` (what `make run` calls): serve the local stack until SIGINT or SIGTERM."""

from __future__ import annotations

import signal
import sys
import threading

from .stack import Stack, StackConfig


def main() -> int:
    config = StackConfig.from_environment()
    stack = Stack(config)
    try:
        stack.start()
    except OSError as exc:
        print(f"learnloop: cannot start: {exc} (is port {config.port} in use? set PORT)", file=sys.stderr)
        return 1
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
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
    stopping.wait()
    print("Learnloop: stopping...", flush=True)
    stack.stop()
    print("Learnloop: stopped; data saved.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
