"""The stubs match the runtime exactly (mypy's stubtest) and type-check real usage."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT.parent / "examples" / "python" / "quickstart.py"


def test_stubtest_matches_runtime(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "procore"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Success" in out.stdout


def test_example_type_checks_strictly(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path), str(EXAMPLE)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
