"""Conformance beyond our own tests: small PyTorch programs (tests/python/torch_programs/, the kinds
the seeds and the usual tutorials contain) run unmodified twice, once on PyTorch and once on ember
mapped in as `torch` (as_torch.py), and their results are compared.

Each program ends by printing `RESULT {json}` with
  values:    numbers/lists/strings that must agree (floats to rtol 1e-4, or the program's own
             `tolerance` for a key: long float32 trajectories drift apart in the last bits),
  checks:    booleans that must be true on both backends (qualitative outcomes: it learned, the
             seed's exact gradients, ...), for the programs whose randomness differs by design.
"""
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import torch

PROGRAMS_DIR = Path(__file__).resolve().parent / "torch_programs"
PROGRAMS = sorted(p.stem for p in PROGRAMS_DIR.glob("*.py") if p.stem != "as_torch")
RTOL, ATOL = 1e-4, 1e-6


def run_program(name, backend):
    path = str(PROGRAMS_DIR / f"{name}.py")
    if backend == "torch":
        command = [sys.executable, path]
    else:
        command = [sys.executable, "-c",
                   f"import sys; sys.path.insert(0, {str(PROGRAMS_DIR)!r}); import as_torch; as_torch.run({path!r})"]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{name} on {backend} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert len(lines) == 1, f"{name} on {backend} printed no RESULT line:\n{proc.stdout[-3000:]}"
    return json.loads(lines[0][len("RESULT "):])


def assert_agree(ember_value, torch_value, rtol, where):
    if isinstance(torch_value, list):
        assert isinstance(ember_value, list) and len(ember_value) == len(torch_value), \
            f"{where}: {ember_value} vs {torch_value}"
        for i, (e, t) in enumerate(zip(ember_value, torch_value)):
            assert_agree(e, t, rtol, f"{where}[{i}]")
    elif isinstance(torch_value, float) and not isinstance(torch_value, bool):
        assert isinstance(ember_value, (int, float)), f"{where}: {ember_value!r} vs {torch_value!r}"
        assert math.isclose(ember_value, torch_value, rel_tol=rtol, abs_tol=ATOL), \
            f"{where}: ember {ember_value!r}, torch {torch_value!r} (rtol {rtol})"
    else:
        assert ember_value == torch_value, f"{where}: ember {ember_value!r}, torch {torch_value!r}"


def test_there_are_at_least_twenty_programs():
    assert len(PROGRAMS) >= 20, PROGRAMS


@pytest.mark.skipif(torch is None, reason="PyTorch not installed")
@pytest.mark.parametrize("name", PROGRAMS)
def test_program_runs_alike_on_torch_and_ember(name):
    reference, ours = run_program(name, "torch"), run_program(name, "ember")
    assert ours.keys() == reference.keys()
    for key, value in reference.get("checks", {}).items():
        assert value is True, f"{name}: check {key!r} fails on PyTorch itself: the program is wrong"
        assert ours["checks"][key] is True, f"{name}: check {key!r} fails on ember"
    tolerance = reference.get("tolerance", {})
    assert reference["values"].keys() == ours["values"].keys()
    for key, value in reference["values"].items():
        assert_agree(ours["values"][key], value, tolerance.get(key, RTOL), f"{name}: {key}")
