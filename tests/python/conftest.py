"""Shared fixtures. PyTorch is a test-only reference: when EMBER_REQUIRE_TORCH=1 (CI sets it) a
missing torch fails the run instead of skipping the comparisons."""
import os

import numpy as np
import pytest

try:
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    torch = None
    if os.environ.get("EMBER_REQUIRE_TORCH") == "1":
        raise RuntimeError("EMBER_REQUIRE_TORCH=1 but PyTorch is not installed: pip install torch==2.13.0")


@pytest.fixture
def rng():
    return np.random.default_rng(0)


requires_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed")
