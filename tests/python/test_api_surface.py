"""The coverage check: every public name of PyTorch's main namespaces exists in ember, except those
tests/python/api_exclusions.txt lists with a reason (see api_surface.py). A name marked `pending`
may stay missing, but only while it is missing: once ember has it, its line must go."""
import pytest

import api_surface

torch = pytest.importorskip("torch")  # conftest turns a missing torch into a failure under CI

SURFACES = {s.key: s for s in api_surface.surfaces()}


@pytest.mark.parametrize("key", SURFACES)
def test_every_torch_name_is_present_or_excluded(key):
    missing = SURFACES[key].unlisted_missing
    assert not missing, (f"ember.{key if key != 'torch' else ''} lacks {len(missing)} names that "
                         f"api_exclusions.txt does not list: {missing}")


@pytest.mark.parametrize("key", SURFACES)
def test_no_pending_name_is_already_present(key):
    stale = SURFACES[key].stale_pending
    assert not stale, f"ember has these names now; remove their 'pending' lines: {stale}"


@pytest.mark.parametrize("key", SURFACES)
def test_every_exclusion_names_a_torch_name(key):
    unknown = SURFACES[key].unknown_exclusions
    assert not unknown, f"api_exclusions.txt lists names torch.{key} does not have: {unknown}"


def test_exclusion_file_rejects_malformed_lines(tmp_path):
    bad = tmp_path / "exclusions.txt"
    bad.write_text("torch.allclose\n")
    with pytest.raises(ValueError, match="expected 'namespace.name  reason'"):
        api_surface.read_exclusions(bad)
    bad.write_text("torch.vmap  eager\ntorch.vmap  eager\n")
    with pytest.raises(ValueError, match="listed twice"):
        api_surface.read_exclusions(bad)


def test_surface_sorts_names_into_present_excluded_pending_and_unlisted():
    # `statistics` stands in for torch and `math` for ember: math has sqrt (statistics imports it)
    # but not mean, median or stdev.
    surface = api_surface.Surface("x", "statistics", "math", {"x": {
        "mean": "pending", "median": "a reason", "sqrt": "pending", "not_in_statistics": "pending"}})
    assert "median" not in surface.counted and "mean" in surface.counted
    assert "mean" in surface.missing and "mean" not in surface.unlisted_missing
    assert "stdev" in surface.unlisted_missing and "sqrt" not in surface.missing
    assert surface.unknown_exclusions == ["not_in_statistics"]
    assert surface.stale_pending == ["sqrt"]
    assert 0.0 < surface.coverage < 1.0
