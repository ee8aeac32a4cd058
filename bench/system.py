"""The machine and its processes: what the benchmark runs on, memory peaks, timed child processes.

Peak memory is the kernel's own account: ``VmHWM`` of /proc/self/status inside a
process, or ``ru_maxrss`` of one child reaped with ``os.wait4``. Other people's
work on the same machine skews timings, so ``CpuWatch`` reports how many cores
other processes kept busy while a section ran.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# Measure this checkout's qa, not whichever copy the virtualenv has installed.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def machine() -> dict:
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": _cpu_model(),
        "ram_gb": round(_meminfo_kb("MemTotal") / 2**20, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "torch": _version("torch"),
        "torch_threads": _torch_threads(),
        "faiss": _version("faiss-cpu"),
        "numpy": _version("numpy"),
        "sentence_transformers": _version("sentence-transformers"),
        "jieba": _version("jieba"),
        "commit": _commit(),
        "load_average": os.getloadavg(),
    }


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _meminfo_kb(field: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def _commit() -> str:
    """The checked-out commit (read only: ``git rev-parse``)."""
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                             text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (VmHWM)."""
    return _status_kb("VmHWM") / 1024


def rss_mb() -> float:
    return _status_kb("VmRSS") / 1024


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


@dataclass(frozen=True)
class ChildRun:
    seconds: float  # wall time from start to exit
    peak_rss_mb: float  # the child's own peak (ru_maxrss of wait4)
    returncode: int
    stdout: str
    stderr: str
    cpu_s: float = 0.0  # user + system CPU of the child (all its threads): wall time on an idle machine, roughly

    def check(self, what: str) -> "ChildRun":
        if self.returncode != 0:
            raise RuntimeError(f"{what} failed (exit {self.returncode}):\n{self.stderr[-3000:]}")
        return self


def run_child(cmd: list[str], timeout: float, cwd: Path = ROOT, env: dict | None = None) -> ChildRun:
    """Run a command, timed from spawn to exit, with the peak RSS of that child alone."""
    out_path, err_path = _scratch("out"), _scratch("err")
    with open(out_path, "w+b") as out, open(err_path, "w+b") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    stdout = out_path.read_text(encoding="utf-8", errors="replace")
    stderr = err_path.read_text(encoding="utf-8", errors="replace")
    out_path.unlink()
    err_path.unlink()
    return ChildRun(seconds, usage.ru_maxrss / 1024, proc.returncode, stdout, stderr,
                    usage.ru_utime + usage.ru_stime)


def _scratch(kind: str) -> Path:
    import tempfile

    fd, name = tempfile.mkstemp(prefix=f"bench-{kind}-")
    os.close(fd)
    return Path(name)


class CpuWatch:
    """Cores kept busy by other processes between start and stop (this process and its children excluded)."""

    def __init__(self):
        self._start = self._sample()

    @staticmethod
    def _sample() -> tuple[float, float, float]:
        fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
        busy = (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
        t = os.times()
        own = t.user + t.system + t.children_user + t.children_system
        return time.perf_counter(), busy, own

    def stop(self) -> float:
        wall0, busy0, own0 = self._start
        wall1, busy1, own1 = self._sample()
        others = (busy1 - busy0) - (own1 - own0)
        return round(max(0.0, others) / max(wall1 - wall0, 1e-9), 2)


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file()) / 2**20
