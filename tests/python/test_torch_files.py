"""Files move between ember and PyTorch: torch.save -> ember.load and ember.save -> torch.load(weights_only=True)."""
import io
import pickle
import warnings
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember
from ember.testing import assert_close


def torch_to_ember(obj, **kw):
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return ember.load(buf, **kw)


def ember_to_torch(obj, **kw):
    buf = io.BytesIO()
    ember.save(obj, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=True, **kw)


def same(e, t):
    assert isinstance(e, ember.Tensor) and isinstance(t, torch.Tensor)
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    assert tuple(e.shape) == tuple(t.shape) and tuple(e.stride()) == tuple(t.stride())
    assert e.requires_grad == t.requires_grad
    np.testing.assert_array_equal(e.detach().numpy(), t.detach().numpy())


DTYPES = ["float32", "float64", "int64", "int32", "uint8", "bool"]


def _torch_sample(name, shape=(3, 4)):
    values = torch.arange(int(np.prod(shape))).reshape(shape) - 5
    return (values % 3 == 0) if name == "bool" else (values * 37 % 256 if name == "uint8" else values * 3).to(
        getattr(torch, name))


@pytest.mark.parametrize("name", DTYPES)
@pytest.mark.parametrize("shape", [(3, 4), (), (0,), (2, 0, 3)], ids=str)
def test_dtypes_and_shapes_both_ways(name, shape):
    t = _torch_sample(name, shape)
    same(torch_to_ember(t), t)
    e = ember.from_numpy(t.numpy().copy())
    same(e, ember_to_torch(e))


def test_torch_views_keep_layout_and_share_storage():
    base = torch.arange(24.0)
    views = {"base": base, "t": base.view(4, 6).t(), "slice": base[3:17:2], "exp": base[:4].view(4, 1).expand(4, 5),
             "off": base.view(4, 6)[1:, 2:], "scalar": base[7]}
    out = torch_to_ember(views)
    for k, v in views.items():
        same(out[k], v)
    out["base"][7] = -1.0  # views of one storage share it after loading, as in torch
    assert out["scalar"].item() == -1.0 and out["slice"][2].item() == -1.0 and out["t"][1, 1].item() == -1.0


def test_ember_views_keep_layout_and_share_storage_in_torch():
    base = ember.arange(24.0)
    views = {"base": base, "t": base.view(4, 6).t(), "slice": base[3:17:2], "exp": base[:4].view(4, 1).expand(4, 5),
             "off": base.view(4, 6)[1:, 2:], "scalar": base[7]}
    out = ember_to_torch(views)
    for k, v in views.items():
        same(v, out[k])
    assert out["t"].untyped_storage().data_ptr() == out["base"].untyped_storage().data_ptr()
    out["base"][7] = -1.0
    assert out["scalar"].item() == -1.0 and out["slice"][2].item() == -1.0


def test_only_the_used_span_of_a_storage_is_saved():
    big = ember.zeros(100_000)
    tail = big[99_990:]
    buf = io.BytesIO()
    ember.save({"tail": tail}, buf)
    assert len(buf.getvalue()) < 4096
    buf.seek(0)
    same(tail, torch.load(buf, weights_only=True)["tail"])


def test_parameters_and_requires_grad_both_ways():
    tp = torch.nn.Parameter(torch.randn(3))
    frozen = torch.nn.Parameter(torch.randn(2), requires_grad=False)
    out = torch_to_ember({"p": tp, "f": frozen, "g": torch.ones(2, requires_grad=True)})
    assert isinstance(out["p"], ember.nn.Parameter) and out["p"].requires_grad
    assert isinstance(out["f"], ember.nn.Parameter) and not out["f"].requires_grad
    assert out["g"].requires_grad and out["g"].is_leaf
    back = ember_to_torch(out)
    assert isinstance(back["p"], torch.nn.Parameter) and back["p"].requires_grad
    assert isinstance(back["f"], torch.nn.Parameter) and not back["f"].requires_grad
    assert back["g"].requires_grad
    torch.testing.assert_close(back["p"].detach(), tp.detach())


class TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)
        self.bn = torch.nn.BatchNorm2d(4)
        self.fc = torch.nn.Linear(4 * 6 * 6, 5)

    def forward(self, x):
        return self.fc(torch.relu(self.bn(self.conv(x))).flatten(1))


class EmberNet(ember.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = ember.nn.Conv2d(3, 4, 3)
        self.bn = ember.nn.BatchNorm2d(4)
        self.fc = ember.nn.Linear(4 * 6 * 6, 5)

    def forward(self, x):
        return self.fc(ember.relu(self.bn(self.conv(x))).flatten(1))


def _trained_torch_net():
    torch.manual_seed(0)
    net = TorchNet()
    net(torch.randn(6, 3, 8, 8))  # moves the running statistics
    return net.eval()


def test_torch_model_state_dict_runs_in_ember(tmp_path):
    net = _trained_torch_net()
    torch.save(net.state_dict(), tmp_path / "net.pth")
    state = ember.load(tmp_path / "net.pth")
    assert isinstance(state, OrderedDict) and list(state) == list(net.state_dict())
    model = EmberNet()
    assert repr(model.load_state_dict(state)) == "<All keys matched successfully>"
    model.eval()
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32)
    assert_close(model(ember.tensor(x)), net(torch.tensor(x)).detach().numpy(), atol=1e-5, rtol=1e-5)


def test_ember_model_state_dict_runs_in_torch(tmp_path):
    ember.manual_seed(0)
    model = EmberNet()
    model(ember.randn(6, 3, 8, 8))
    model.eval()
    ember.save(model.state_dict(), tmp_path / "net.pt")
    net = TorchNet()
    net.load_state_dict(torch.load(tmp_path / "net.pt", weights_only=True))
    net.eval()
    x = np.random.default_rng(1).standard_normal((2, 3, 8, 8)).astype(np.float32)
    torch.testing.assert_close(net(torch.tensor(x)).detach(), torch.tensor(model(ember.tensor(x)).detach().numpy()),
                               atol=1e-5, rtol=1e-5)


def test_optimizer_state_dicts_both_ways():
    torch.manual_seed(0)
    lin = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(lin.parameters(), lr=0.01)
    lin(torch.randn(4, 3)).sum().backward()
    opt.step()
    state = torch_to_ember(opt.state_dict())
    assert state["param_groups"][0]["betas"] == (0.9, 0.999) and state["param_groups"][0]["params"] == [0, 1]
    same(state["state"][0]["exp_avg"], opt.state_dict()["state"][0]["exp_avg"])

    ember.manual_seed(0)
    elin = ember.nn.Linear(3, 2)
    eopt = ember.optim.Adam(elin.parameters(), lr=0.01)
    elin(ember.randn(4, 3)).sum().backward()
    eopt.step()
    back = ember_to_torch(eopt.state_dict())
    for key, value in eopt.state_dict()["state"][0].items():
        if isinstance(value, ember.Tensor):
            same(value, back["state"][0][key])
    assert back["param_groups"][0]["lr"] == 0.01


def test_nested_containers_and_plain_values_both_ways():
    obj = {"epoch": 3, "lr": 0.1, "name": "run", "flags": [True, False, None], 7: "int key", None: "none key",
           "nested": {"pairs": [(1, 2.5), ("a", [])]}, "od": OrderedDict([("b", 1), ("a", 2)]), "big": 2 ** 70,
           "neg": -2 ** 40, "nan": float("inf"), "bytes": b"\x00\xff", "set": {1, 2}, "complex": 1 + 2j,
           "unicode": "héllo ✓", "empty": ()}
    for out in (torch_to_ember(obj), ember_to_torch(obj)):
        assert out == obj and list(out["od"]) == ["b", "a"] and isinstance(out["od"], OrderedDict)
    t = {"list": [torch.ones(2), {"deep": (torch.zeros(1, dtype=torch.int64),)}], "size": torch.Size([2, 3]),
         "dtype": torch.float64, "device": torch.device("cpu")}
    out = torch_to_ember(t)
    same(out["list"][1]["deep"][0], t["list"][1]["deep"][0])
    assert out["size"] == ember.Size([2, 3]) and out["dtype"] is ember.float64 and out["device"] == ember.device("cpu")
    back = ember_to_torch(out)
    assert back["size"] == torch.Size([2, 3]) and back["dtype"] is torch.float64
    assert back["device"] == torch.device("cpu")


@pytest.mark.parametrize("name,target", [("float16", "float32"), ("bfloat16", "float32"), ("int8", "int32"),
                                         ("int16", "int32"), ("uint16", "int32"), ("uint32", "int64"),
                                         ("uint64", "int64")])
def test_dtypes_ember_lacks_load_widened_with_a_warning(name, target):
    values = torch.tensor([0, 1, 100, 3], dtype=torch.int64)
    t = (values.to(torch.float32) * 0.5 - 1).to(getattr(torch, name)) if "float" in name else values.to(
        getattr(torch, name))
    with pytest.warns(UserWarning, match=f"torch.{name} tensors, which ember does not have; they are loaded as "
                                         f"ember.{target}"):
        out = torch_to_ember({"t": t, "view": t[1:3]})
    assert out["t"].dtype == getattr(ember, target)
    np.testing.assert_array_equal(out["t"].numpy(), t.to(torch.float64 if "float" in name else torch.int64).numpy())
    np.testing.assert_array_equal(out["view"].numpy(), out["t"].numpy()[1:3])


def test_map_location_forms(tmp_path):
    path = tmp_path / "m.pt"
    torch.save({"w": torch.ones(2)}, path)
    for loc in ("cpu", ember.device("cpu"), {"cpu": "cpu"}, lambda storage, location: storage,
                lambda storage, location: None):
        assert ember.load(path, map_location=loc)["w"].tolist() == [1.0, 1.0]
    seen = []
    ember.load(path, map_location=lambda storage, location: seen.append((type(storage), location)))
    assert seen == [(ember.Tensor, "cpu")]


def _rezip(data, replace):
    """A copy of a zip file with some records' contents replaced (by name suffix)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info)
            for suffix, new in replace.items():
                if info.filename.endswith(suffix):
                    content = new(content) if callable(new) else new
            dst.writestr(info.filename, content)
    return out.getvalue()


def _torch_bytes(obj):
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def test_cuda_locations_need_map_location_without_cuda():
    data = _rezip(_torch_bytes({"w": torch.ones(2)}),
                  {"data.pkl": lambda p: p.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")})
    with pytest.raises(RuntimeError, match="Attempting to deserialize object on a CUDA device but "
                                           "ember.cuda.is_available\\(\\) is False"):
        ember.load(io.BytesIO(data))
    assert ember.load(io.BytesIO(data), map_location="cpu")["w"].tolist() == [1.0, 1.0]
    assert ember.load(io.BytesIO(data), map_location={"cuda:0": "cpu"})["w"].tolist() == [1.0, 1.0]


def test_big_endian_files_are_byteswapped():
    t = torch.arange(5, dtype=torch.float64) * 1.5
    data = _rezip(_torch_bytes({"t": t}), {"byteorder": b"big",
                                           "data/0": lambda raw: np.frombuffer(raw, "<f8").astype(">f8").tobytes()})
    same(ember.load(io.BytesIO(data))["t"], t)


def test_deflated_archives_load():
    t = torch.arange(1000, dtype=torch.int32)
    src = zipfile.ZipFile(io.BytesIO(_torch_bytes({"t": t})))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    same(ember.load(io.BytesIO(out.getvalue()))["t"], t)


def test_mmap_loading_is_copy_on_write(tmp_path):
    path = tmp_path / "big.pt"
    t = torch.arange(10_000, dtype=torch.float32)
    torch.save({"t": t, "v": t[5:10]}, path)
    out = ember.load(path, mmap=True)
    same(out["t"], t)
    out["t"][5] = -3.0
    assert out["v"][0].item() == -3.0  # views still share
    assert ember.load(path)["t"][5].item() == 5.0  # the file is unchanged
    with pytest.raises(ValueError, match="f must be a file path in order to use the mmap argument"):
        ember.load(io.BytesIO(path.read_bytes()), mmap=True)


def test_ember_files_match_torch_layout(tmp_path):
    path = tmp_path / "my.model.pt"
    ember.save({"a": ember.ones(3), "b": ember.zeros(2, dtype=ember.int64)}, path)
    data = path.read_bytes()
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = [i.filename for i in zf.infolist()]
    assert names == ["my.model/data.pkl", "my.model/.format_version", "my.model/.storage_alignment",
                     "my.model/byteorder", "my.model/data/0", "my.model/data/1", "my.model/version",
                     "my.model/.data/serialization_id"]
    assert zf.read("my.model/byteorder") == b"little" and zf.read("my.model/version") == b"3\n"
    for info in zf.infolist():  # torch mmaps storages, so their data starts 64-byte aligned
        name_len, extra_len = np.frombuffer(data[info.header_offset + 26:info.header_offset + 30], "<u2")
        assert (info.header_offset + 30 + name_len + extra_len) % 64 == 0
        assert info.compress_type == zipfile.ZIP_STORED
    out = torch.load(path, weights_only=True, mmap=True)
    assert out["a"].tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_pickle_protocols(protocol):
    buf = io.BytesIO()
    obj = {"t": ember.arange(4.0)[1:], "s": "x", "b": b"raw", "l": [1, (2, 3)]}
    ember.save(obj, buf, pickle_protocol=protocol)
    buf.seek(0)
    out = ember.load(buf)
    assert out["t"].tolist() == [1.0, 2.0, 3.0] and out["s"] == "x" and out["b"] == b"raw" and out["l"] == [1, (2, 3)]
    buf.seek(0)
    assert torch.load(buf, weights_only=False)["t"].tolist() == [1.0, 2.0, 3.0]


def test_whole_modules_need_weights_only_false_as_in_torch(tmp_path):
    model = ember.nn.Sequential(ember.nn.Linear(3, 2), ember.nn.ReLU())
    path = tmp_path / "model.pt"
    ember.save(model, path)
    with pytest.raises(pickle.UnpicklingError, match="(?s)Weights only load failed.*GLOBAL ember.nn.modules.container"
                                                     ".Sequential was not an allowed global by default"):
        ember.load(path)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        torch.load(path)  # torch refuses the same file for the same reason
    clone = ember.load(path, weights_only=False)
    x = ember.randn(4, 3)
    assert_close(clone(x), model(x))
    assert isinstance(clone[0].weight, ember.nn.Parameter)


def test_torch_modules_are_refused_with_a_reason(tmp_path):
    path = tmp_path / "torch_model.pt"
    torch.save(torch.nn.Linear(2, 2), path)
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL torch.nn.modules.linear.Linear was not an allowed"):
        ember.load(path)
    with pytest.raises(pickle.UnpicklingError, match="(?s)a PyTorch object ember does not provide.*state_dict"):
        ember.load(path, weights_only=False)


class Point:
    def __init__(self, x):
        self.x = x

    def __eq__(self, other):
        return isinstance(other, Point) and other.x == self.x


def test_safe_globals_allow_user_classes(tmp_path):
    path = tmp_path / "p.pt"
    ember.save({"p": Point(3), "t": ember.ones(1)}, path)
    with pytest.raises(pickle.UnpicklingError, match="test_torch_files.Point"):
        ember.load(path)
    with ember.serialization.safe_globals([Point]):
        assert ember.load(path)["p"] == Point(3)
        assert Point in ember.serialization.get_safe_globals()
    assert Point not in ember.serialization.get_safe_globals()
    ember.serialization.add_safe_globals([Point])
    try:
        assert ember.load(path)["p"] == Point(3)
    finally:
        ember.serialization.clear_safe_globals()


def test_legacy_and_torchscript_files_are_refused(tmp_path):
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buf, _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="(?s)PyTorch.s legacy format.*Re-save it with torch.save"):
        ember.load(io.BytesIO(buf.getvalue()))
    path = tmp_path / "script.pt"
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), path)
    with pytest.raises(RuntimeError, match="TorchScript"):
        ember.load(path)


def test_safetensors_paths_dispatch(tmp_path):
    from safetensors.torch import save_file
    path = tmp_path / "w.safetensors"
    save_file({"w": torch.arange(3.0)}, path)
    assert ember.load(path)["w"].tolist() == [0.0, 1.0, 2.0]


def test_files_from_paths_and_file_objects(tmp_path):
    path = tmp_path / "x.pt"
    ember.save([ember.ones(2)], str(path))
    with open(path, "rb") as f:
        assert ember.load(f)[0].tolist() == [1.0, 1.0]
    with open(tmp_path / "y.pt", "wb") as f:
        ember.save({"a": 1}, f)
    assert torch.load(tmp_path / "y.pt", weights_only=True) == {"a": 1}
    with pytest.raises(TypeError, match="got bytes"):
        ember.load(path.read_bytes())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ember.load(path)  # nothing to warn about for plain float32 tensors


def test_pickle_load_args_as_torch(tmp_path):
    path = tmp_path / "e.pt"
    ember.save({"s": "x"}, path)
    assert ember.load(path, weights_only=False, encoding="latin1") == {"s": "x"}
    with pytest.warns(UserWarning, match="pickle_load_args only works if `weights_only=False`"):
        ember.load(path, encoding="latin1")
    with pytest.raises(TypeError, match="unexpected pickle arguments \\['bogus'\\]"):
        ember.load(path, weights_only=False, bogus=1)
    with pytest.raises(RuntimeError, match="Can not safely load weights when explicit pickle_module is specified"):
        ember.load(path, pickle_module=pickle)
