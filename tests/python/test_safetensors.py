"""ember.utils.safetensors against the safetensors package, and Module.load_state_dict reports against PyTorch."""
import json
import struct

import numpy as np
import pytest
import torch
from safetensors.torch import load as st_load, load_file as st_load_file, save as st_save, save_file as st_save_file

import ember
from ember.testing import assert_close
from ember.utils import safetensors as es


def _sample():
    return {"w": ember.randn(3, 4), "wt": ember.randn(4, 3).t(), "i64": ember.tensor([1, -2 ** 40]),
            "i32": ember.tensor([7], dtype=ember.int32), "u8": ember.tensor([0, 255], dtype=ember.uint8),
            "flag": ember.tensor(True), "f64": ember.tensor([[1.5]], dtype=ember.float64),
            "empty": ember.zeros(0, 3), "scalar": ember.tensor(2.5)}


def _same(e, t):
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1] and tuple(e.shape) == tuple(t.shape)
    np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_ember_files_load_in_safetensors_torch(tmp_path):
    tensors = _sample()
    es.save_file(tensors, tmp_path / "e.safetensors", metadata={"format": "pt"})
    out = st_load_file(tmp_path / "e.safetensors")
    assert set(out) == set(tensors)
    for k, v in tensors.items():
        _same(v, out[k])
    bytes_out = st_load(es.save(tensors))
    for k, v in tensors.items():
        _same(v, bytes_out[k])


def test_bytes_are_identical_to_the_reference_writer():
    tensors = _sample()
    as_torch = {k: torch.from_numpy(v.numpy().copy()) for k, v in tensors.items()}
    assert es.save(tensors, metadata={"a": "b"}) == st_save(as_torch, metadata={"a": "b"})


def test_safetensors_torch_files_load_in_ember(tmp_path):
    torch.manual_seed(0)
    tensors = {"w": torch.randn(5, 2), "b": torch.arange(3), "m": torch.tensor([True, False]),
               "d": torch.randn(2, dtype=torch.float64), "z": torch.zeros(2, 0), "s": torch.tensor(1.0)}
    st_save_file(tensors, tmp_path / "t.safetensors")
    out = es.load_file(tmp_path / "t.safetensors")
    for k, v in tensors.items():
        _same(out[k], v)
    out["w"][0, 0] = 5.0  # loaded tensors are writable
    for k, v in es.load(st_save(tensors)).items():
        _same(v, tensors[k])


@pytest.mark.parametrize("dtype,target", [(torch.float16, ember.float32), (torch.bfloat16, ember.float32),
                                          (torch.int8, ember.int32), (torch.int16, ember.int32),
                                          (torch.uint16, ember.int32), (torch.uint32, ember.int64)])
def test_dtypes_ember_lacks_are_widened_with_a_message(dtype, target):
    values = [0.5, -1.25, 3.0] if dtype.is_floating_point else [0, 1, 100, 3]
    t = torch.tensor(values).to(dtype)
    with pytest.warns(UserWarning, match="ember has no such dtype, tensors converted exactly"):
        out = es.load(st_save({"t": t}))["t"]
    assert out.dtype == target
    np.testing.assert_array_equal(out.numpy(), t.to(torch.float64 if dtype.is_floating_point else torch.int64).numpy())


def test_state_dict_round_trip_through_safetensors(tmp_path):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    st_save_file(net.state_dict(), tmp_path / "net.safetensors")
    model = ember.nn.Sequential(ember.nn.Linear(4, 3), ember.nn.ReLU(), ember.nn.Linear(3, 2))
    model.load_state_dict(ember.load(tmp_path / "net.safetensors"))
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    assert_close(model(ember.tensor(x)), net(torch.tensor(x)).detach().numpy(), atol=1e-6, rtol=1e-6)
    es.save_file(model.state_dict(), tmp_path / "back.safetensors")
    net.load_state_dict(st_load_file(tmp_path / "back.safetensors"))


def test_metadata_and_argument_errors():
    blob = es.save({"a": ember.ones(1)}, metadata={"k": "v"})
    header_len = struct.unpack("<Q", blob[:8])[0]
    assert header_len % 8 == 0 and json.loads(blob[8:8 + header_len])["__metadata__"] == {"k": "v"}
    with pytest.raises(TypeError, match="metadata must be a dict of str to str"):
        es.save({"a": ember.ones(1)}, metadata={"k": 1})
    with pytest.raises(TypeError, match="expected ember.Tensor"):
        es.save({"a": [1.0]})
    with pytest.raises(TypeError, match="expected str"):
        es.save({1: ember.ones(1)})
    with pytest.raises(TypeError, match="Expected a dict"):
        es.save([ember.ones(1)])


def _file(header, data=b""):
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data


@pytest.mark.parametrize("blob,match", [
    (b"", "header too small"),
    (struct.pack("<Q", 2 ** 60) + b"{}", "header too large"),
    (struct.pack("<Q", 100) + b"{}", "invalid header length"),
    (struct.pack("<Q", 3) + b"{x}", "invalid JSON"),
    (_file([1]), "not a JSON object"),
    (_file({"t": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}}, bytes(8)), "unknown dtype 'C64'"),
    (_file({"t": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, bytes(4)), "invalid shape"),
    (_file({"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, bytes(4)), "needs 8 bytes"),
    (_file({"t": {"dtype": "F32", "shape": [2 ** 40, 2 ** 40], "data_offsets": [0, 8]}}, bytes(8)), "needs"),
    (_file({"t": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}, bytes(4)), "invalid data_offsets"),
    (_file({"t": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, bytes(8)), "does not start where"),
    (_file({"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, bytes(2)), "cover 4 bytes of data but"),
    (_file({"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, bytes(8)), "cover 4 bytes of data but"),
    (_file({"__metadata__": {"a": 1}}), "__metadata__ must map str to str"),
])
def test_malformed_safetensors_are_refused(blob, match):
    with pytest.raises(es.SafetensorError, match=match):
        es.load(blob)


# ---- Module.load_state_dict reports, compared with PyTorch's text -------------------------------------------

def _messages(state_for, strict=True):
    """(ember's, torch's) RuntimeError text for the same state dict, torch's names mapped to ember's."""
    torch_model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    ember_model = ember.nn.Sequential(ember.nn.Linear(3, 2), ember.nn.BatchNorm1d(2))
    out = []
    for model, lib in ((ember_model, ember), (torch_model, torch)):
        try:
            result = model.load_state_dict(state_for(lib, model), strict=strict)
            out.append(("ok", tuple(result.missing_keys), tuple(result.unexpected_keys), repr(result)))
        except RuntimeError as e:
            out.append(("error", str(e).replace("torch.", "ember.")))
    return out


def _full(lib, model):
    return dict(model.state_dict())


STATE_CASES = {
    "missing": lambda lib, m: {k: v for k, v in _full(lib, m).items() if k != "0.bias"},
    "unexpected": lambda lib, m: dict(_full(lib, m), **{"extra": lib.ones(1), "0.weight.nested": lib.ones(1),
                                                        "5.weight": lib.ones(1)}),
    "size_mismatch": lambda lib, m: dict(_full(lib, m), **{"0.weight": lib.ones(4, 3), "1.running_mean": lib.ones(5)}),
    "all_three": lambda lib, m: dict({k: v for k, v in _full(lib, m).items() if k != "1.weight"},
                                     **{"0.weight": lib.ones(2, 2), "zzz": lib.ones(1)}),
    "not_a_tensor": lambda lib, m: dict(_full(lib, m), **{"0.bias": [1.0, 2.0]}),
    "old_batchnorm": lambda lib, m: {k: v for k, v in _full(lib, m).items() if "num_batches" not in k},
    "scalar_as_shape_1": lambda lib, m: dict(_full(lib, m), **{"1.num_batches_tracked": lib.tensor([4])}),
    "matching": _full,
}


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("case", list(STATE_CASES))
def test_load_state_dict_reports_match_torch(case, strict):
    mine, theirs = _messages(STATE_CASES[case], strict)
    assert mine == theirs


def test_load_state_dict_error_text_for_linear():
    model = ember.nn.Linear(3, 2)
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict({"weight": ember.ones(2, 4), "bias": ember.ones(2), "scale": ember.ones(1)})
    assert str(info.value) == ('Error(s) in loading state_dict for Linear:\n\tUnexpected key(s) in state_dict: '
                               '"scale". \n\tsize mismatch for weight: copying a param with shape ember.Size([2, 4]) from '
                               'checkpoint, the shape in current model is ember.Size([2, 3]).')
    result = model.load_state_dict({"weight": ember.ones(2, 3)}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == []
    assert repr(result) == "_IncompatibleKeys(missing_keys=['bias'], unexpected_keys=[])"  # torch's text too
    assert model.weight.tolist() == [[1.0] * 3] * 2
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like, got <class 'list'>."):
        model.load_state_dict([1])


def test_load_state_dict_assign_keeps_checkpoint_tensors():
    model = ember.nn.Linear(2, 2)
    weight = ember.ones(2, 2)
    model.load_state_dict({"weight": weight, "bias": ember.zeros(2)}, assign=True)
    assert isinstance(model.weight, ember.nn.Parameter) and model.weight.requires_grad
    weight[0, 0] = 7.0
    assert model.weight[0, 0].item() == 7.0


def test_load_file_is_copy_on_write(tmp_path):
    path = tmp_path / "w.safetensors"
    es.save_file({"w": ember.arange(4.0)}, path)
    loaded = es.load_file(path)["w"]
    loaded[0] = 9.0
    assert loaded.tolist() == [9.0, 1.0, 2.0, 3.0] and es.load_file(path)["w"].tolist() == [0.0, 1.0, 2.0, 3.0]
    (tmp_path / "short.safetensors").write_bytes(b"\x01")
    with pytest.raises(es.SafetensorError, match="header too small"):
        es.load_file(tmp_path / "short.safetensors")
