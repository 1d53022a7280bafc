"""PyTorch's legacy tensor types: ember.FloatTensor(2, 3) makes a float32 tensor and
isinstance(t, ember.FloatTensor) tests a tensor's dtype."""
import ember
from ember import _C


class _LegacyTypeMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, _C.Tensor) and obj.dtype == cls.dtype and obj.device.type == "cpu"


def _legacy_type(name, dtype):
    def __new__(cls, *args):
        return _C._legacy_new(*args, _dtype=dtype)

    return _LegacyTypeMeta(name, (), {"__new__": __new__, "dtype": dtype, "__module__": "ember"})


FloatTensor = _legacy_type("FloatTensor", ember.float32)
DoubleTensor = _legacy_type("DoubleTensor", ember.float64)
LongTensor = _legacy_type("LongTensor", ember.int64)
IntTensor = _legacy_type("IntTensor", ember.int32)
ByteTensor = _legacy_type("ByteTensor", ember.uint8)
BoolTensor = _legacy_type("BoolTensor", ember.bool)
