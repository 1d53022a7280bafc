"""ember.save / ember.load basics (PyTorch's zip format by default, ember's earlier format through
_use_new_zipfile_serialization=False), pickling and deep copies of tensors. Interchange with PyTorch is in
test_torch_files.py, hostile files in test_untrusted_files.py."""
import copy
import io
import json
import pickle
import struct
from collections import OrderedDict

import numpy as np
import pytest

import ember
from ember.testing import assert_close

DTYPES = [ember.float32, ember.float64, ember.int64, ember.int32, ember.uint8, ember.bool]


def roundtrip(obj):
    buf = io.BytesIO()
    ember.save(obj, buf)
    buf.seek(0)
    return ember.load(buf)


def _sample(dtype, shape=(3, 4)):
    values = np.arange(int(np.prod(shape))).reshape(shape) - 5
    if dtype == ember.bool:
        return ember.tensor(values % 3 == 0)
    if dtype == ember.uint8:
        return ember.tensor((values * 37) % 256, dtype=dtype)
    if dtype in (ember.float32, ember.float64):
        return ember.tensor(values * 0.37, dtype=dtype)
    return ember.tensor(values * 1_000_003, dtype=dtype)


def assert_same_tensor(a, b):
    assert isinstance(b, ember.Tensor)
    assert a.dtype == b.dtype and a.shape == b.shape and a.requires_grad == b.requires_grad
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", [(3, 4), (), (0,), (2, 0, 3), (1, 1, 5)], ids=str)
def test_tensor_roundtrip_every_dtype(dtype, shape):
    t = _sample(dtype, shape)
    assert_same_tensor(t, roundtrip(t))


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_non_contiguous_tensors(dtype):
    base = _sample(dtype, (4, 6))
    views = {"transposed": base.t(), "sliced": base[1:, ::2], "expanded": base[:1].expand(3, 6),
             "narrow": base[:, 2:5]}
    out = roundtrip(views)
    for name, v in views.items():
        assert not v.is_contiguous() or name == "narrow" or v.numel() == 0
        assert_same_tensor(v, out[name])
        assert out[name].stride() == v.stride()  # as torch.save: a view keeps its layout


def test_extreme_float_values_are_exact():
    t = ember.tensor([float("inf"), float("-inf"), float("nan"), -0.0, 5e-324, 1.7976931348623157e308],
                     dtype=ember.float64)
    out = roundtrip(t)
    np.testing.assert_array_equal(t.numpy(), out.numpy())
    assert np.signbit(out.numpy()[3])


def test_views_share_storage_after_loading():
    # As torch.save: views of one storage are saved once and share it again after loading.
    base = ember.arange(6.0)
    a, b = roundtrip([base, base[2:]])
    a[3] = 100.0
    assert b.tolist() == [2.0, 100.0, 4.0, 5.0]


def test_old_format_saves_views_independently():
    base = ember.arange(6.0)
    buf = io.BytesIO()
    ember.save([base, base[2:]], buf, _use_new_zipfile_serialization=False)
    a, b = ember.load(io.BytesIO(buf.getvalue()))
    a[3] = 100.0
    assert b.tolist() == [2.0, 3.0, 4.0, 5.0] and b.is_contiguous()


def test_requires_grad_and_parameters():
    t = ember.ones(2, requires_grad=True)
    p = ember.nn.Parameter(ember.randn(3))
    frozen = ember.nn.Parameter(ember.randn(3), requires_grad=False)
    out = roundtrip({"t": t, "p": p, "frozen": frozen, "computed": t * 2})
    assert out["t"].requires_grad and out["t"].is_leaf
    assert isinstance(out["p"], ember.nn.Parameter) and out["p"].requires_grad
    assert isinstance(out["frozen"], ember.nn.Parameter) and not out["frozen"].requires_grad
    assert_close(out["p"], p)
    # As torch.save: a computed tensor comes back as a leaf that still requires grad.
    assert out["computed"].requires_grad and out["computed"].is_leaf and out["computed"].tolist() == [2.0, 2.0]


def _model():
    return ember.nn.Sequential(ember.nn.Linear(4, 8), ember.nn.BatchNorm1d(8), ember.nn.ReLU(), ember.nn.Linear(8, 2))


def test_model_state_dict_roundtrip(tmp_path):
    ember.manual_seed(0)
    model = _model()
    model.train()
    model(ember.randn(16, 4))  # moves the BatchNorm running statistics
    path = tmp_path / "model.pt"
    ember.save(model.state_dict(), path)
    ember.save(model.state_dict(), str(tmp_path / "model_str.pt"))
    state = ember.load(path)
    assert isinstance(state, OrderedDict)
    assert list(state) == list(model.state_dict())
    for k, v in model.state_dict().items():
        assert_same_tensor(v.detach(), state[k])
    assert state["1.num_batches_tracked"].dtype == ember.int64
    fresh = _model()
    fresh.load_state_dict(ember.load(str(tmp_path / "model_str.pt")))
    x = ember.randn(5, 4)
    model.eval()
    fresh.eval()
    assert_close(fresh(x), model(x))


def test_nested_containers():
    obj = {"epoch": 3, "lr": 0.1, "name": "run", "flags": [True, False, None], "nested": {"pairs": [(1, 2.5), ("a", [])]},
           7: "int key", 2.5: "float key", None: "none key", False: "bool key", "od": OrderedDict([("b", 1), ("a", 2)]),
           "tensors": [ember.zeros(2), {"w": ember.eye(2)}], "big": 2 ** 70, "tuple": (), "unicode": "héllo ✓"}
    out = roundtrip(obj)
    assert set(out) == set(obj)
    for k in obj:
        if k not in ("tensors", "od"):
            assert out[k] == obj[k] and type(out[k]) is type(obj[k])
    assert isinstance(out["nested"]["pairs"][0], tuple)
    assert isinstance(out["od"], OrderedDict) and list(out["od"]) == ["b", "a"]
    assert_close(out["tensors"][1]["w"], np.eye(2, dtype=np.float32))
    assert repr(roundtrip(float("nan"))) == "nan" and roundtrip(float("-inf")) == float("-inf")


def test_load_keyword_arguments(tmp_path):
    path = tmp_path / "x.pt"
    ember.save([ember.ones(2)], path)
    assert ember.load(path, map_location="cpu")[0].tolist() == [1.0, 1.0]
    assert ember.load(path, weights_only=True)[0].tolist() == [1.0, 1.0]


# ---- malformed files in ember's earlier format ------------------------------------------------------------

def _blob(obj):
    buf = io.BytesIO()
    ember.save(obj, buf, _use_new_zipfile_serialization=False)
    return buf.getvalue()


def _with_header(header, payload=b""):
    raw = json.dumps(header).encode()
    return b"EMBER\x00" + struct.pack("<IQ", 1, len(raw)) + raw + payload


def _load_bytes(data):
    return ember.load(io.BytesIO(data))


TENSOR = {"t": "tensor", "dtype": "float32", "shape": [2], "offset": 0, "requires_grad": False, "parameter": False}

MALFORMED = [
    ("bad_magic", lambda: b"PQ\x03\x04" + _blob([1])[4:], "not an ember file \\(bad magic bytes\\)"),
    ("empty", lambda: b"", "not an ember file"),
    ("version", lambda: _blob(1)[:6] + struct.pack("<I", 99) + _blob(1)[10:], "unsupported format version 99"),
    ("truncated_header", lambda: _blob({"a": ember.ones(3)})[:20], "header runs past the end of the file"),
    ("truncated_data", lambda: _blob(ember.ones(100))[:-8], "tensor data runs past the end of the file"),
    ("corrupted_json", lambda: _blob({"abc": 1}).replace(b'"abc"', b'"ab\x00{'), "header is not valid JSON"),
    ("not_utf8", lambda: _blob({"abc": 1}).replace(b'"abc"', b'"\xff\xfe\xfd"'), "header is not valid JSON"),
    ("bad_dtype", lambda: _with_header(dict(TENSOR, dtype="object"), bytes(8)), "unknown dtype 'object'"),
    ("offset_past_end", lambda: _with_header(dict(TENSOR, offset=4), bytes(8)), "tensor data runs past the end"),
    ("negative_offset", lambda: _with_header(dict(TENSOR, offset=-4), bytes(8)), "bad tensor offset"),
    ("bad_shape", lambda: _with_header(dict(TENSOR, shape=[-1]), bytes(8)), "bad tensor shape"),
    ("huge_shape", lambda: _with_header(dict(TENSOR, shape=[2 ** 40, 2 ** 40]), bytes(8)),
     "tensor data runs past the end"),
    ("unknown_kind", lambda: _with_header({"t": "pickle", "v": "cos\nsystem"}), "unknown entry kind 'pickle'"),
    ("not_a_node", lambda: _with_header([1, 2]), "malformed header entry"),
    ("bad_int", lambda: _with_header({"t": "int", "v": "3"}), "bad int value"),
    ("bad_float", lambda: _with_header({"t": "float", "v": "x"}), "bad float value"),
    ("bad_list", lambda: _with_header({"t": "list", "v": 3}), "bad sequence"),
    ("bad_dict_item", lambda: _with_header({"t": "dict", "v": [[{"t": "int", "v": 1}]]}), "bad dict item"),
    ("unhashable_key", lambda: _with_header({"t": "dict", "v": [[{"t": "list", "v": []}, {"t": "none"}]]}),
     "bad dict key"),
]


@pytest.mark.parametrize("make,match", [(m[1], m[2]) for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_files_raise_runtime_error(make, match):
    with pytest.raises(RuntimeError, match="ember.load: invalid or corrupted file: " + match):
        _load_bytes(make())


def test_old_format_roundtrip_and_map_location(tmp_path):
    path = tmp_path / "old.pt"
    obj = {"w": ember.arange(6.0).reshape(2, 3).t(), "n": [1, None, "s"], "p": ember.nn.Parameter(ember.ones(2))}
    ember.save(obj, path, _use_new_zipfile_serialization=False)
    assert path.read_bytes().startswith(b"EMBER\x00")
    out = ember.load(path, map_location="cpu")
    assert_same_tensor(obj["w"], out["w"])
    assert out["n"] == [1, None, "s"] and isinstance(out["p"], ember.nn.Parameter)


def test_bare_pickle_is_refused_with_a_reason():
    with pytest.raises(RuntimeError, match="bare pickle.*PyTorch's legacy format"):
        _load_bytes(pickle.dumps({"a": 1}))


def test_loading_never_runs_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (open, (str(tmp_path / "pwned"), "w"))

    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps(Evil()))
    with pytest.raises(RuntimeError, match="bare pickle"):
        ember.load(path)
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("obj,name", [(object(), "object"), ({1, 2}, "set"), (np.zeros(2), "ndarray"),
                                      ([ember.nn.Linear(1, 1)], "Linear"), (b"bytes", "bytes"), (1j, "complex"),
                                      ({(1, 2): 0}, None)])
def test_old_format_refuses_what_it_cannot_hold(obj, name):
    # The zip format pickles all of these (as torch.save); ember's earlier format holds plain data only.
    match = f"cannot store objects of type {name}" if name else "dict keys must be str, int, float, bool or None"
    with pytest.raises(TypeError, match=match):
        ember.save(obj, io.BytesIO(), _use_new_zipfile_serialization=False)


def test_failed_save_writes_nothing(tmp_path):
    path = tmp_path / "partial.pt"
    with pytest.raises(TypeError):
        ember.save([ember.ones(2), object()], path, _use_new_zipfile_serialization=False)
    assert not path.exists()
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        ember.save([ember.ones(2), lambda: 0], path)  # the pickle is built before the file is opened
    assert not path.exists()


# ---- pickle and deepcopy --------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_pickle_tensor(dtype):
    t = _sample(dtype)
    out = pickle.loads(pickle.dumps(t))
    assert_same_tensor(t, out)
    assert_same_tensor(t.t(), pickle.loads(pickle.dumps(t.t())))


def test_pickle_keeps_requires_grad_not_grad():
    # As PyTorch: a pickled leaf keeps requires_grad; its .grad is not part of the pickle.
    x = ember.ones(2, requires_grad=True)
    (x * 2).sum().backward()
    y = pickle.loads(pickle.dumps(x))
    assert y.requires_grad and y.is_leaf and y.grad is None


def test_deepcopy_tensor_keeps_requires_grad_and_grad():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    y = copy.deepcopy(x)
    assert y.requires_grad and y.is_leaf
    assert_close(y.grad, [3.0, 3.0])
    y.grad.zero_()
    y.detach().zero_()
    assert x.grad.tolist() == [3.0, 3.0] and x.tolist() == [1.0, 2.0]
    a = ember.zeros(3)
    pair = copy.deepcopy([a, a])
    assert pair[0] is pair[1] and pair[0] is not a


def test_deepcopy_non_leaf_raises_like_torch():
    x = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="Only Tensors created explicitly by the user \\(graph leaves\\) support "
                                           "the deepcopy protocol"):
        copy.deepcopy(x * 2)


def test_deepcopy_and_pickle_module():
    ember.manual_seed(0)
    model = _model()
    model(ember.randn(8, 4))
    for clone in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert clone is not model
        for (name, p), (name2, q) in zip(model.named_parameters(), clone.named_parameters()):
            assert name == name2 and isinstance(q, ember.nn.Parameter) and q.requires_grad
            assert_same_tensor(p.detach(), q.detach())
        with ember.no_grad():
            clone[0].weight.fill_(0.0)
        assert model[0].weight.abs().sum().item() > 0
        assert_close(clone[1].running_mean, model[1].running_mean)
