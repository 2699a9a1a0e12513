"""Measuring tools: medians and percentiles, memory from /proc, child processes, CPU burners, the machine."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def median(values: Sequence[float]) -> float:
    return float(np.median(values)) if len(values) else float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(values, q)) if len(values) else float("nan")


def timed(fn: Callable[..., object], *args, **kwargs) -> tuple[float, object]:
    """Seconds fn(*args, **kwargs) took, and its result."""
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def _proc_status() -> dict[str, str]:
    with open("/proc/self/status", encoding="ascii") as handle:
        return dict(line.rstrip("\n").split(":\t", 1) for line in handle if ":\t" in line)


def rss_mb() -> float:
    """Resident memory of this process now, in MiB."""
    return int(_proc_status()["VmRSS"].split()[0]) / 1024


def peak_rss_mb() -> float:
    """The highest resident memory this process has had, in MiB."""
    return int(_proc_status()["VmHWM"].split()[0]) / 1024


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


def run_child(code: str, timeout: float = 900, **env: str) -> dict:
    """Run Python code in a fresh process; it prints one JSON object as its last line, which is returned.

    Memory is measured in children so that each number starts from a clean process.
    """
    done = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env=child_env(**env))
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"child failed ({done.returncode}): {done.stderr.strip()[-800:]}")
    return json.loads(lines[-1])


def wall_time(args: list[str], timeout: float = 300, **env: str) -> tuple[float, subprocess.CompletedProcess]:
    """Seconds from process start to exit for a command line, and its result."""
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=child_env(**env))
    return time.perf_counter() - started, done


BURN = "import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end:\n    pass\n"


@contextmanager
def busy_cores(count: int, max_seconds: float = 300) -> Iterator[None]:
    """Keep `count` cores busy with spinning processes, as another program on a laptop would.

    Each burner stops by itself after max_seconds even if this process dies first.
    """
    burners = [subprocess.Popen([PYTHON, "-c", BURN.format(seconds=max_seconds)]) for _ in range(count)]
    try:
        time.sleep(0.3)  # let the scheduler see them before measuring
        yield
    finally:
        for burner in burners:
            burner.kill()
        for burner in burners:
            burner.wait()


def package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def machine() -> dict:
    """Cores, memory, CPU model, load and library versions: what the numbers depend on."""
    mem_kb = 0
    with open("/proc/meminfo", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), cpu)
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "ram_gib": round(mem_kb / 1024 ** 2, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "libraries": {n: package_version(n) for n in ("torch", "sentence-transformers", "onnxruntime",
                                                      "faiss-cpu", "bm25s", "numpy", "streamlit")},
    }
