#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (README.md shows the same command):
#   1. the GoogleTest suite (tests/cpp), built by CMake into build/ctest and run by ctest;
#   2. the Python suite (tests/python) against the ember that pip INSTALLED: run `pip install ".[test]"`
#      first. PYTHONPATH is dropped so the source tree's python/ember can never shadow the installed
#      package, and test_packaging.py checks where `ember` came from.
# EMBER_REQUIRE_TORCH=1 turns a missing PyTorch into a failure instead of skipped comparisons.
# Both suites always run; the script fails if either did. pytest runs last so its summary closes the
# output.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python3}
JOBS=${JOBS:-2}

status=0
# EMBER_BUILD_PYTHON=OFF: the C++ tests need only the core, not a second build of the bindings.
if cmake -S . -B build/ctest -DEMBER_BUILD_TESTS=ON -DEMBER_BUILD_PYTHON=OFF \
    && cmake --build build/ctest -j"$JOBS"; then
  ctest --test-dir build/ctest --output-on-failure -j"$JOBS" || status=1
else
  echo "scripts/test.sh: building the C++ tests failed" >&2
  status=1
fi

env -u PYTHONPATH EMBER_REQUIRE_TORCH=1 EMBER_EXPECT_INSTALLED=1 \
  "$PYTHON" -m pytest tests/python -q -p no:cacheprovider || status=1

exit $status
