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


# ---- the wheel's metadata and ember.__config__ -----------------------------------------------------

PYTHON_VERSIONS = ["3.9", "3.10", "3.11", "3.12", "3.13"]


def _check_metadata(meta):
    assert meta["Name"] == "ember"
    assert meta["Requires-Python"] == ">=3.9"
    requires = meta.get_all("Requires-Dist")
    assert "numpy>=1.22" in requires
    runtime = [r for r in requires if "extra ==" not in r]
    assert runtime == ["numpy>=1.22"], runtime  # the package itself needs numpy only
    assert any(r.startswith("onnx") and 'extra == "test"' in r for r in requires)
    classifiers = meta.get_all("Classifier")
    for version in PYTHON_VERSIONS:
        assert f"Programming Language :: Python :: {version}" in classifiers
    assert "Programming Language :: Python :: 3 :: Only" in classifiers


def test_wheel_metadata_declares_dependencies_and_python_versions(tmp_path):
    """The METADATA `pip wheel .` puts in the wheel, from the build backend's own PEP 517 hook (the
    same code path, without compiling the extension)."""
    import email.parser
    import subprocess
    code = ("import sys; from scikit_build_core.build import prepare_metadata_for_build_wheel as prepare; "
            "print(prepare(sys.argv[1]))")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    dist_info = proc.stdout.strip().splitlines()[-1]
    meta = email.parser.Parser().parsestr((tmp_path / dist_info / "METADATA").read_text())
    assert meta["Version"] == "0.1.0"
    _check_metadata(meta)


@pytest.mark.skipif(os.environ.get("EMBER_EXPECT_INSTALLED") != "1",
                    reason="only when testing an installed ember (scripts/test.sh)")
def test_installed_distribution_metadata_and_files():
    from importlib import metadata
    meta = metadata.metadata("ember")
    _check_metadata(meta)
    assert meta["Version"] == ember.__version__
    files = {str(f) for f in metadata.files("ember")}
    assert any(f.startswith("ember/_C") and f.endswith(".so") for f in files), sorted(files)[:20]
    assert {"ember/onnx/__init__.py", "ember/__config__.py"} <= files


def test_config_show_describes_the_build():
    import subprocess
    proc = subprocess.run([sys.executable, "-c", "import ember; print(ember.__version__, ember.__config__.show())"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    config = dict(ember._C._build_config())
    assert out.startswith(f"{ember.__version__} ember {ember.__version__} built with:")
    assert config["compiler"] in ("GNU", "Clang", "AppleClang", "IntelLLVM")
    assert config["compiler_version"][0].isdigit()
    assert f"C++ compiler: {config['compiler']} {config['compiler_version']}" in out
    assert "C++ standard: C++17" in out
    # The flags the build really used: CMakeLists.txt adds -fno-math-errno to every file.
    assert "-fno-math-errno" in config["cxx_flags"] and config["cxx_flags"] in out
    if config["build_type"] == "Release":
        assert "-O3" in config["cxx_flags"]
    capability = ember.backends.cpu.get_cpu_capability()
    assert f"CPU capability used at run time: {capability} " in out
    assert (capability == "AVX512") == config["cpu_avx512f_used"]
    assert (capability != "DEFAULT") <= config["cpu_avx2_fma"]
    assert "CUDA: not built" in out and config["cuda"] is False and ember.version.cuda is None
    assert "MPI: not built" in out and config["mpi"] is False
    assert "threads:" in ember.__config__.parallel_info()
