"""Where a number came from: library versions, the host and the git commit, for the runs, the
report and the benchmarks alike."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def library_versions() -> dict:
    """The versions every result depends on: Python, torch and NumPy."""
    import numpy as np
    import torch

    return {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__}


def host() -> dict:
    """The machine: platform string, CPU count, CPU model and torch's thread count."""
    import torch

    return {
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "cpu": cpu_model(),
        "threads": torch.get_num_threads(),
    }


def cpu_model() -> str:
    """The CPU's model name (Linux), else what :mod:`platform` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def package_version() -> str | None:
    try:
        return version("rethink")
    except PackageNotFoundError:
        return None


def git_commit() -> str | None:
    """The commit of the checkout holding this package (``+dirty`` with local changes), if any."""
    commit = _git("rev-parse", "HEAD")
    if not commit:
        return None
    return commit + ("+dirty" if _git("status", "--porcelain", "--untracked-files=no") else "")


def _git(*args: str) -> str | None:
    repo = Path(__file__).resolve().parent.parent
    try:
        done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def provenance() -> dict:
    """Everything above in one dict: ``{"versions": {...}, "host": {...}}``."""
    return {
        "versions": {**library_versions(), "rethink": package_version(), "git": git_commit()},
        "host": host(),
    }
