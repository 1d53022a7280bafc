"""The padding modules: Zero/Constant/Reflection/Replication/CircularPad 1d, 2d and 3d (F.pad)."""
from ember.nn.functional import conv as F
from ember.nn.modules.module import Module

__all__ = [f"{kind}Pad{n}d" for kind in ("Zero", "Constant", "Reflection", "Replication", "Circular")
           for n in (1, 2, 3)]


class _PadNd(Module):
    _n = 0
    _mode = "constant"

    def __init__(self, padding):
        super().__init__()
        # One int pads every side; else (left, right[, top, bottom[, front, back]]).
        self.padding = tuple(padding) if isinstance(padding, (tuple, list)) else (padding,) * (2 * self._n)
        if len(self.padding) != 2 * self._n:
            raise ValueError(f"{type(self).__name__}: padding must be an int or a {2 * self._n}-tuple, but got "
                             f"{padding}")

    def forward(self, input):
        if self._mode == "constant":
            return F.pad(input, self.padding, "constant", self.value)
        self._check_rank(input)
        return F.pad(input, self.padding, self._mode)

    def _check_rank(self, input):
        n = self._n
        if input.dim() not in (n + 1, n + 2):
            raise ValueError(f"expected {n + 1}D or {n + 2}D input (got {input.dim()}D input)")

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


def _make(name, base, n, mode, doc):
    return type(name, (base,), {"_n": n, "_mode": mode, "__doc__": doc, "__module__": __name__})


for _n in (1, 2, 3):
    _dims = "the last dim" if _n == 1 else f"the last {_n} dims"
    globals()[f"ZeroPad{_n}d"] = _make(f"ZeroPad{_n}d", _ZeroPadNd, _n, "constant", f"Pads {_dims} with zeros.")
    globals()[f"ConstantPad{_n}d"] = _make(f"ConstantPad{_n}d", _ConstantPadNd, _n, "constant",
                                           f"Pads {_dims} with a constant value.")
    globals()[f"ReflectionPad{_n}d"] = _make(f"ReflectionPad{_n}d", _PadNd, _n, "reflect",
                                             f"Pads {_dims} with their reflection (edge not repeated).")
    globals()[f"ReplicationPad{_n}d"] = _make(f"ReplicationPad{_n}d", _PadNd, _n, "replicate",
                                              f"Pads {_dims} by repeating the edge values.")
    globals()[f"CircularPad{_n}d"] = _make(f"CircularPad{_n}d", _PadNd, _n, "circular",
                                           f"Pads {_dims} by wrapping around.")
