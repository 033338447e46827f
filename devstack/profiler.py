"""A sampling profiler of the whole local stack (`LEARNLOOP_PROFILE=<file> make run`; py-spy is not installed).

Every few milliseconds it looks at every thread's stack (sys._current_frames) and counts, for the threads
that are running Python rather than waiting (on a lock, a socket, a sleep), the function on top (self) and
every function on the stack (inclusive), and which package the top belongs to. On stop it writes the counts,
largest first, to the file. One process and one GIL: the shares say where the stack's single core goes.
"""

from __future__ import annotations

import dis
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import FrameType

_WAITING = {"acquire", "wait", "select", "poll", "accept", "recv_into", "recv", "sleep", "readinto", "_wait_for_tstate_lock"}
_ACQUIRING = dis.opmap["BEFORE_WITH"]  # a thread blocked taking a lock in a `with` (moto_fixes.LOCK, moto's own)
_PACKAGES = (
    "moto",
    "botocore",
    "pynamodb",
    "pydantic",
    "werkzeug",
    "chalice",
    "urllib3",
    "http",
    "json",
    "chalicelib",
    "devstack",
)


class Profiler:
    def __init__(self, path: Path, every_seconds: float = 0.005) -> None:
        self.path = path
        self.every = every_seconds
        self.samples = 0
        self.idle = 0
        self.top: Counter[str] = Counter()
        self.inclusive: Counter[str] = Counter()
        self.packages: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="profiler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _loop(self) -> None:
        me = threading.get_ident()
        while not self._stop.wait(self.every):
            for ident, frame in sys._current_frames().items():
                if ident != me:
                    self._sample(frame)

    def _sample(self, frame: FrameType) -> None:
        self.samples += 1
        if frame.f_code.co_name in _WAITING or frame.f_code.co_code[frame.f_lasti] == _ACQUIRING:
            self.idle += 1
            return
        self.top[_name(frame)] += 1
        self.packages[_package(frame)] += 1
        seen = set()
        current: FrameType | None = frame
        while current is not None:
            name = _name(current)
            if name not in seen:
                seen.add(name)
                self.inclusive[name] += 1
            current = current.f_back

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        busy = max(1, self.samples - self.idle)
        lines = [f"{self.samples} thread samples, {busy} running Python ({time.strftime('%Y-%m-%d %H:%M:%S')})", ""]
        lines.append("by package (the function on top):")
        lines += [f"  {n / busy:6.1%}  {name}" for name, n in self.packages.most_common()]
        lines.append("self (the function on top):")
        lines += [f"  {n / busy:6.1%}  {name}" for name, n in self.top.most_common(60)]
        lines.append("inclusive (anywhere on the stack):")
        lines += [f"  {n / busy:6.1%}  {name}" for name, n in self.inclusive.most_common(150)]
        self.path.write_text("\n".join(lines) + "\n")


def _name(frame: FrameType) -> str:
    code = frame.f_code
    path = code.co_filename
    short = path.split("site-packages/")[-1] if "site-packages/" in path else "/".join(path.split("/")[-2:])
    return f"{short}:{code.co_name}"


def _package(frame: FrameType) -> str:
    path = frame.f_code.co_filename
    tail = path.split("site-packages/")[-1] if "site-packages/" in path else path
    for package in _PACKAGES:
        if f"/{package}/" in f"/{tail}" or tail.startswith(package):
            return package
    return "other"
