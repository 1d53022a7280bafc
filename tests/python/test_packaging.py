"""The suite must exercise the package pip installed, not the source tree: scripts/test.sh (and so
CI) sets EMBER_EXPECT_INSTALLED=1, and this test fails if `import ember` found python/ember."""
import os
import pathlib
import sys

import pytest

import ember

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.skipif(os.environ.get("EMBER_EXPECT_INSTALLED") != "1",
                    reason="only when testing an installed ember (scripts/test.sh)")
def test_ember_is_imported_from_site_packages():
    package = pathlib.Path(ember.__file__).resolve().parent
    extension = pathlib.Path(ember._C.__file__).resolve()
    assert package.parent.name == "site-packages", package
    assert pathlib.Path(sys.prefix).resolve() in package.parents, (package, sys.prefix)
    assert REPO / "python" not in package.parents
    assert extension.parent == package, extension
