"""ember.load(weights_only=True) of hostile files: each is a clear error, nothing in it runs, and nothing
huge is allocated."""
import io
import os
import pickle
import random
import struct
import tracemalloc
import warnings
import zipfile
from collections import OrderedDict

import pytest
import torch

import ember

ERRORS = (RuntimeError, pickle.UnpicklingError)


def archive(pickle_bytes, storages=None):
    """A torch.save-style zip holding the given data.pkl and storage records."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("archive/data.pkl", pickle_bytes)
        zf.writestr("archive/byteorder", b"little")
        for key, raw in (storages or {}).items():
            zf.writestr(f"archive/data/{key}", raw)
        zf.writestr("archive/version", b"3\n")
    return out.getvalue()


def load(data):
    return ember.load(io.BytesIO(data))


class Payload:
    """Pickles as a call of func(*args): what an attacker's checkpoint contains."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


@pytest.mark.parametrize("make", [
    lambda marker: Payload(os.system, f"touch {marker}"),
    lambda marker: Payload(exec, f"open({str(marker)!r}, 'w').close()"),
    lambda marker: Payload(eval, f"open({str(marker)!r}, 'w')"),
    lambda marker: Payload(open, str(marker), "w"),
    lambda marker: {"weights": torch.ones(2), "hidden": [Payload(os.system, f"touch {marker}")]},
], ids=["os.system", "exec", "eval", "open", "nested"])
def test_payloads_are_refused_and_do_not_run(tmp_path, make):
    marker = tmp_path / "pwned"
    buf = io.BytesIO()
    torch.save(make(marker), buf)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        load(buf.getvalue())
    assert not marker.exists()


def test_blocked_modules_stay_blocked_even_when_allowlisted(tmp_path):
    marker = tmp_path / "pwned"
    data = archive(pickle.dumps(Payload(os.system, f"touch {marker}"), protocol=2))
    with ember.serialization.safe_globals([os.system]):
        with pytest.raises(pickle.UnpicklingError, match="whose module posix is blocked"):
            load(data)
    assert not marker.exists()


def test_weights_only_error_text_names_the_global():
    with pytest.raises(pickle.UnpicklingError) as info:
        load(archive(pickle.dumps(Payload(print, "x"), protocol=2)))
    text = str(info.value)
    assert "Unsupported global: GLOBAL print was not an allowed global by default" in text
    assert "`ember.serialization.add_safe_globals([print])`" in text
    assert "Re-running `ember.load` with `weights_only` set to `False` will likely succeed" in text


# Hand-written pickles: opcodes abusing allowed objects.
P = b"\x80\x02"
OD = b"ccollections\nOrderedDict\n"
HOSTILE_PICKLES = {
    "reduce_non_global": (P + b"]" + b")" + b"R.", "unrecognized function"),
    "reduce_on_tensor_result": (P + b"ctorch\nfloat32\n)R.", "Trying to call reduce for unrecognized function|"
                                "malformed pickle"),
    "newobj_tensor": (P + b"ctorch\nTensor\n)\x81.", "Can only create new object for nn.Parameter"),
    "build_on_list": (P + b"]}b.", "Can only build Tensor, Parameter, OrderedDict"),
    "build_dunder_state": (P + OD + b")R}X\t\x00\x00\x00__class__]sb.", "invalid object state"),
    "setitem_on_list": (P + b"]K\x01K\x02s.", "Can only SETITEM for dict"),
    "append_on_dict": (P + b"}K\x01a.", "Can only append lists"),
    "missing_memo": (P + b"h\x05.", "Memo value not found at index 5"),
    "empty_stack": (P + b".", "malformed pickle"),
    "no_stop": (P + b"K\x01", "no STOP opcode"),
    "huge_unicode": (P + b"\x8d" + struct.pack("<Q", 2 ** 62) + b"abc.", "pickle data was truncated"),
    "huge_bytes": (P + b"\x8e" + struct.pack("<Q", 2 ** 40) + b".", "pickle data was truncated"),
    "huge_long": (P + b"\x8b" + struct.pack("<i", 2 ** 31 - 1) + b".", "pickle data was truncated"),
    "unknown_opcode": (P + b"\xff.", "Unsupported operand 255"),
    "bytearray_of_a_size": (P + b"c__builtin__\nbytearray\nJ\x00\x00\x00\x40\x85R.", "not a size"),
    "codecs_other_encoding": (P + b"c_codecs\nencode\nX\x01\x00\x00\x00aX\x04\x00\x00\x00zlib\x86R.",
                              "only allowed for str with latin1"),
    "persid_not_storage": (P + b"X\x03\x00\x00\x00abc\x85Q.", "Only persistent_load of storage is allowed"),
    "persid_short": (P + b"X\x07\x00\x00\x00storage\x85Q.", "persistent id must be"),
    "unsupported_sparse": (P + b"ctorch._utils\n_rebuild_sparse_tensor\n.", "ember has no sparse tensors"),
    "unsupported_dtype": (P + b"ctorch\ncomplex64\n.", "torch.complex64: ember has no such dtype"),
    "unknown_storage": (P + b"ctorch\nComplexFloatStorage\n.", "no tensors of that element type"),
    "made_up_global": (P + b"cember\nnn\n.", "GLOBAL ember.nn was not an allowed global"),
    "global_no_newline": (P + b"cposix", "no terminating newline"),
}


@pytest.mark.parametrize("name", list(HOSTILE_PICKLES))
def test_hostile_pickles(name):
    data, match = HOSTILE_PICKLES[name]
    with pytest.raises(pickle.UnpicklingError, match=match):
        load(archive(data))


class Forged:
    """Pickles as torch's _rebuild_tensor_v2 with arguments of our choosing, around a real torch storage."""

    def __init__(self, storage, offset, size, stride, requires_grad=False):
        self.args = (storage, offset, size, stride, requires_grad, OrderedDict())

    def __reduce__(self):
        return torch._utils._rebuild_tensor_v2, self.args


def forged(offset, size, stride, numel=4, **kw):
    buf = io.BytesIO()
    with warnings.catch_warnings():  # TypedStorage is deprecated in torch; it is what its files hold
        warnings.simplefilter("ignore")
        storage = torch.arange(float(numel)).storage()
    torch.save({"t": Forged(storage, offset, size, stride, **kw)}, buf)
    return buf.getvalue()


@pytest.mark.parametrize("offset,size,stride,match", [
    (0, (5,), (1,), "require a storage of 20 bytes, but the storage in the file has 16 bytes"),
    (3, (2,), (1,), "require a storage of 20 bytes"),
    (0, (2, 2), (2, 2), "require a storage of 20 bytes"),
    (2 ** 62, (1,), (1,), "require a storage of"),
    (-1, (2,), (1,), "invalid storage offset -1"),
    (2 ** 64, (1,), (1,), "invalid storage offset"),
    (0, (-2,), (1,), "negative size or stride"),
    (0, (2,), (-1,), "negative size or stride"),
    (0, (2 ** 40, 2 ** 40), (0, 0), "more than 2\\*\\*63-1 elements"),
    (0, (2, 2 ** 62), (1, 0), "more than 2\\*\\*63-1 elements"),
    (0, (2,), (2 ** 62,), "require a storage of"),
    (0, (2, 2), (1,), "mismatch in length of strides and shape"),
    (0, ("a",), (1,), "tensor size must be a tuple of ints"),
    (0, (2,), (1,), "requires_grad must be a bool"),
])
def test_forged_tensor_geometry_is_refused(offset, size, stride, match):
    kw = {"requires_grad": "yes"} if "requires_grad" in match else {}
    with pytest.raises(RuntimeError, match=match):
        load(forged(offset, size, stride, **kw))


def test_valid_forged_geometry_loads_for_contrast():
    out = load(forged(1, (2, 2), (0, 1)))["t"]
    assert out.tolist() == [[1.0, 2.0], [1.0, 2.0]] and out.stride() == (0, 1)


def _tensor_ops(numel, key="0", storage_type=b"ctorch\nFloatStorage\n"):
    """Opcodes pushing _rebuild_tensor_v2(("storage", storage_type, key, "cpu", numel), 0, (1,), (1,), False, {})."""
    key_bytes = key.encode()
    return (b"ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storage" + storage_type + b"X" +
            struct.pack("<I", len(key_bytes)) + key_bytes + b"X\x03\x00\x00\x00cpu\x8a\x08" + struct.pack("<q", numel) +
            b"tQK\x00K\x01\x85K\x01\x85\x89" + OD + b")RtR")


def _pid_pickle(numel, key="0", storage_type=b"ctorch\nFloatStorage\n"):
    return P + b"}X\x01\x00\x00\x00t" + _tensor_ops(numel, key, storage_type) + b"s."


def test_hand_written_tensor_pickle_loads():
    assert load(archive(_pid_pickle(2), {"0": struct.pack("<2f", 1.5, 2.5)}))["t"].tolist() == [1.5]


@pytest.mark.parametrize("numel,storages,match", [
    (2 ** 40, {"0": bytes(8)}, "declares 4398046511104 bytes but its record holds 8"),
    (2 ** 62, {"0": bytes(8)}, "declares .* bytes but its record holds 8"),
    (-1, {"0": bytes(8)}, "invalid storage id"),
    (2, {}, "the archive has no record archive/data/0"),
])
def test_storage_sizes_larger_than_the_file(numel, storages, match):
    tracemalloc.start()
    try:
        with pytest.raises(ERRORS, match=match):
            load(archive(_pid_pickle(numel), storages))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2 ** 20


def test_storage_key_path_tricks_are_just_missing_records():
    with pytest.raises(RuntimeError, match="has no record archive/data/../../etc/passwd"):
        load(archive(_pid_pickle(2, key="../../etc/passwd"), {"0": bytes(8)}))


def test_storage_used_as_two_dtypes_is_refused():
    pkl = P + b"(" + _tensor_ops(2) + _tensor_ops(1, storage_type=b"ctorch\nIntStorage\n") + b"t."
    with pytest.raises(RuntimeError, match="referenced as torch.float32 and as torch.int32"):
        load(archive(pkl, {"0": bytes(8)}))


def _valid_file():
    buf = io.BytesIO()
    ember.save({"w": ember.arange(64.0).reshape(8, 8), "b": ember.ones(8), "meta": {"step": 3}}, buf)
    return buf.getvalue()


@pytest.mark.parametrize("cut", [0, 1, 4, 22, 100, 500, 1000, -200, -40, -22, -1])
def test_truncated_archives(cut):
    data = _valid_file()
    with pytest.raises(ERRORS, match="invalid or corrupted|truncated|central directory|zip|bad magic"):
        load(data[:cut])


def test_record_running_past_the_end_of_the_file():
    data = bytearray(_valid_file())
    zf = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = zf.getinfo("archive/data/0")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    del data[start + 8:start + 200]  # the record loses bytes; the central directory still declares them
    with pytest.raises(ERRORS):
        load(bytes(data))


def test_zip_bomb_is_refused_before_allocating():
    # A deflated record that declares 2**40 uncompressed bytes (a real bomb's ratio is what matters).
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("archive/data.pkl", _pid_pickle(2 ** 38))
        zf.writestr("archive/data/0", bytes(2 ** 20))
    data = bytearray(out.getvalue())
    central = data.rindex(b"PK\x01\x02archive/data/0"[:4], 0, len(data))
    name_at = data.index(b"archive/data/0", central)
    entry = data.rindex(b"PK\x01\x02", 0, name_at)
    struct.pack_into("<I", data, entry + 24, 2 ** 32 - 1)  # uncompressed size: 4 GiB from ~1 KiB
    tracemalloc.start()
    try:
        with pytest.raises(RuntimeError, match="zip bomb|declares"):
            load(bytes(data))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2 ** 20


def test_random_corruption_never_escapes_as_another_error():
    data = _valid_file()
    rng = random.Random(1234)
    outcomes = {"loaded": 0, "refused": 0}
    for _ in range(300):
        corrupt = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            corrupt[rng.randrange(len(corrupt))] = rng.randrange(256)
        try:
            load(bytes(corrupt))
            outcomes["loaded"] += 1  # a flip inside tensor data is still a valid file
        except (RuntimeError, pickle.UnpicklingError, ValueError):
            outcomes["refused"] += 1
    assert outcomes["refused"] > 0 and sum(outcomes.values()) == 300
