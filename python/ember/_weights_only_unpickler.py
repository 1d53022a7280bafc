"""The pickle reader behind ember.load(weights_only=True): it builds tensors, numbers, strings and containers only.

It interprets the opcodes itself, as torch.load(weights_only=True) does, rather than subclassing
pickle.Unpickler: a global is looked up in an allow-list (never imported), REDUCE calls only globals that
list gave, NEWOBJ and BUILD act only on allowed types, and every length field is checked against the bytes
that remain, so a crafted pickle can neither run code nor make the reader allocate more than its own size.
"""
import _compat_pickle
import pickle
import struct
from pickle import UnpicklingError

_MAX_PROTOCOL = 5


class WeightsOnlyUnpickler:
    """Reads one pickle from `data`.

    find_global(module, name) returns the allowed object or raises UnpicklingError; persistent_load(pid)
    resolves BINPERSID ids (storages); new_object(cls, args) and build(obj, state) implement NEWOBJ and
    BUILD for the allowed types and raise UnpicklingError for the rest.
    """

    def __init__(self, data, find_global, persistent_load, new_object, build, encoding="utf-8"):
        self.data = bytes(data)
        self.pos = 0
        self.find_global = find_global
        self.persistent_load = persistent_load
        self.new_object = new_object
        self.build = build
        self.encoding = encoding
        self.memo = {}
        self.callables = {}  # id -> object, for everything GLOBAL returned: the only things REDUCE may call

    # ---- reading the byte stream ----------------------------------------------------------------------

    def _take(self, n):
        if n < 0 or n > len(self.data) - self.pos:
            raise UnpicklingError(f"pickle data was truncated: an opcode at byte {self.pos} needs {n} bytes, "
                                  f"{len(self.data) - self.pos} remain")
        start = self.pos
        self.pos += n
        return self.data[start:self.pos]

    def _unpack(self, fmt):
        return struct.unpack(fmt, self._take(struct.calcsize(fmt)))[0]

    def _line(self):
        end = self.data.find(b"\n", self.pos)
        if end < 0:
            raise UnpicklingError("pickle data was truncated: a GLOBAL name has no terminating newline")
        return self._take(end + 1 - self.pos)[:-1].decode("utf-8")

    def _text(self, n):
        return str(self._take(n), "utf-8", "surrogatepass")

    # ---- the stack ---------------------------------------------------------------------------------------

    def _pop(self):
        if not self.stack:
            raise UnpicklingError("malformed pickle: an opcode found the stack empty")
        return self.stack.pop()

    def _top(self):
        if not self.stack:
            raise UnpicklingError("malformed pickle: an opcode found the stack empty")
        return self.stack[-1]

    def _pop_mark(self):
        if not self.metastack:
            raise UnpicklingError("malformed pickle: could not find MARK")
        items = self.stack
        self.stack = self.metastack.pop()
        return items

    def load(self):
        """Returns the unpickled object. Malformed data raises UnpicklingError; a RuntimeError from a tensor
        rebuild function (a storage too small for its view, say) passes through unchanged."""
        self.stack, self.metastack = [], []
        try:
            return self._run()
        except (TypeError, ValueError, KeyError, IndexError, OverflowError, struct.error, RecursionError,
                MemoryError) as e:
            raise UnpicklingError(f"malformed pickle near byte {self.pos}: {type(e).__name__}: {e}") from None

    def _run(self):
        dispatch = _DISPATCH
        while True:
            if self.pos >= len(self.data):
                raise UnpicklingError("pickle data was truncated: no STOP opcode")
            op = self.data[self.pos]
            self.pos += 1
            if op == _STOP:
                return self._pop()
            handler = dispatch.get(op)
            if handler is None:
                raise UnpicklingError(f"Unsupported operand {op}")
            handler(self)

    # ---- opcodes ------------------------------------------------------------------------------------------

    def _proto(self):
        version = self._take(1)[0]
        if version > _MAX_PROTOCOL:
            raise UnpicklingError(f"unsupported pickle protocol: {version}")

    def _frame(self):
        self._unpack("<Q")  # frame lengths only help a streaming reader; the data is already in memory

    def _binfloat(self):
        self.stack.append(self._unpack(">d"))

    def _mark(self):
        self.metastack.append(self.stack)
        self.stack = []

    def _pop_op(self):
        self._pop()

    def _pop_mark_op(self):
        self._pop_mark()

    def _tuple(self):
        items = self._pop_mark()
        self.stack.append(tuple(items))

    def _list(self):
        self.stack.append(self._pop_mark())

    def _dict(self):
        items = self._pop_mark()
        if len(items) % 2:
            raise UnpicklingError("malformed pickle: odd number of items for DICT")
        self.stack.append({items[i]: items[i + 1] for i in range(0, len(items), 2)})

    def _frozenset(self):
        self.stack.append(frozenset(self._pop_mark()))

    def _append(self):
        item = self._pop()
        self._list_target("append").append(item)

    def _appends(self):
        items = self._pop_mark()
        self._list_target("extend").extend(items)

    def _list_target(self, verb):
        target = self._top()
        if type(target) is not list:
            raise UnpicklingError(f"Can only {verb} lists, but got {type(target)}")
        return target

    def _setitem(self):
        value, key = self._pop(), self._pop()
        self._dict_target("SETITEM")[key] = value

    def _setitems(self):
        items = self._pop_mark()
        if len(items) % 2:
            raise UnpicklingError("malformed pickle: odd number of items for SETITEMS")
        target = self._dict_target("SETITEMS")
        for i in range(0, len(items), 2):
            target[items[i]] = items[i + 1]

    def _dict_target(self, opcode):
        target = self._top()
        if not isinstance(target, dict) or type(target).__module__ not in ("builtins", "collections"):
            raise UnpicklingError(f"Can only {opcode} for dict, collections.OrderedDict, "
                                  f"collections.Counter, but got {type(target)}")
        return target

    def _additems(self):
        items = self._pop_mark()
        target = self._top()
        if type(target) is not set:
            raise UnpicklingError(f"Can only ADDITEMS to sets, but got {type(target)}")
        target.update(items)

    def _memoize(self):
        self.memo[len(self.memo)] = self._top()

    def _global(self):
        module = self._line()
        name = self._line()
        # Protocols 0-2 write Python 2 names (__builtin__.set); map them as pickle's own reader does.
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        self._push_global(module, name)

    def _stack_global(self):
        name, module = self._pop(), self._pop()
        if type(module) is not str or type(name) is not str:
            raise UnpicklingError("STACK_GLOBAL requires str module and name")
        self._push_global(module, name)

    def _push_global(self, module, name):
        obj = self.find_global(module, name)
        self.callables[id(obj)] = obj
        self.stack.append(obj)

    def _reduce(self):
        args = self._pop()
        func = self._pop()
        if self.callables.get(id(func)) is not func:
            raise UnpicklingError(f"Trying to call reduce for unrecognized function {func!r}")
        if type(args) is not tuple:
            raise UnpicklingError(f"REDUCE arguments must be a tuple, got {type(args)}")
        self.stack.append(func(*args))

    def _newobj(self):
        args = self._pop()
        cls = self._pop()
        if self.callables.get(id(cls)) is not cls or type(args) is not tuple:
            raise UnpicklingError(f"Can only create new object for nn.Parameter or classes allowlisted via "
                                  f"`add_safe_globals` but got {cls!r}")
        self.stack.append(self.new_object(cls, args))

    def _build(self):
        state = self._pop()
        self.build(self._top(), state)

    def _persid(self):
        pid = self._pop()
        if type(pid) is not tuple and type(pid) is not int:
            raise UnpicklingError(f"persistent_load id must be tuple or int, but got {type(pid)}")
        if type(pid) is tuple and (not pid or pid[0] not in ("storage", b"storage")):
            raise UnpicklingError(f"Only persistent_load of storage is allowed, but got {pid[:1]!r}")
        self.stack.append(self.persistent_load(pid))


# Opcode handlers that differ only in a width or a constant.

def _pusher(value):
    return lambda self: self.stack.append(value)

def _int_reader(fmt):
    return lambda self: self.stack.append(self._unpack(fmt))

def _long_reader(fmt):
    return lambda self: self.stack.append(pickle.decode_long(self._take(self._unpack(fmt))))

def _unicode_reader(fmt):
    return lambda self: self.stack.append(self._text(self._unpack(fmt)))

def _bytes_reader(fmt, kind=bytes):
    return lambda self: self.stack.append(kind(self._take(self._unpack(fmt))))

def _binstring_reader(fmt):
    def handler(self):
        raw = bytes(self._take(self._unpack(fmt)))
        self.stack.append(raw if self.encoding == "bytes" else raw.decode(self.encoding))
    return handler

def _tuple_builder(n):
    def handler(self):
        if len(self.stack) < n:
            raise UnpicklingError("malformed pickle: an opcode found the stack empty")
        items = tuple(self.stack[-n:])
        del self.stack[-n:]
        self.stack.append(items)
    return handler

def _memo_getter(fmt):
    def handler(self):
        index = self._unpack(fmt)
        if index not in self.memo:
            raise UnpicklingError(f"Memo value not found at index {index}")
        self.stack.append(self.memo[index])
    return handler

def _memo_putter(fmt):
    def handler(self):
        self.memo[self._unpack(fmt)] = self._top()
    return handler


_STOP = pickle.STOP[0]
_W = WeightsOnlyUnpickler
_DISPATCH = {
    pickle.PROTO[0]: _W._proto, pickle.FRAME[0]: _W._frame,
    pickle.NONE[0]: _pusher(None), pickle.NEWTRUE[0]: _pusher(True), pickle.NEWFALSE[0]: _pusher(False),
    pickle.BININT[0]: _int_reader("<i"), pickle.BININT1[0]: _int_reader("<B"), pickle.BININT2[0]: _int_reader("<H"),
    pickle.LONG1[0]: _long_reader("<B"), pickle.LONG4[0]: _long_reader("<i"), pickle.BINFLOAT[0]: _W._binfloat,
    pickle.BINUNICODE[0]: _unicode_reader("<I"), pickle.SHORT_BINUNICODE[0]: _unicode_reader("<B"),
    pickle.BINUNICODE8[0]: _unicode_reader("<Q"),
    pickle.BINBYTES[0]: _bytes_reader("<I"), pickle.SHORT_BINBYTES[0]: _bytes_reader("<B"),
    pickle.BINBYTES8[0]: _bytes_reader("<Q"),
    pickle.BYTEARRAY8[0]: _bytes_reader("<Q", bytearray),
    pickle.SHORT_BINSTRING[0]: _binstring_reader("<B"), pickle.BINSTRING[0]: _binstring_reader("<i"),
    pickle.MARK[0]: _W._mark, pickle.POP[0]: _W._pop_op, pickle.POP_MARK[0]: _W._pop_mark_op,
    pickle.EMPTY_TUPLE[0]: lambda self: self.stack.append(()), pickle.TUPLE[0]: _W._tuple,
    pickle.TUPLE1[0]: _tuple_builder(1), pickle.TUPLE2[0]: _tuple_builder(2), pickle.TUPLE3[0]: _tuple_builder(3),
    pickle.EMPTY_LIST[0]: lambda self: self.stack.append([]), pickle.LIST[0]: _W._list,
    pickle.APPEND[0]: _W._append, pickle.APPENDS[0]: _W._appends,
    pickle.EMPTY_DICT[0]: lambda self: self.stack.append({}), pickle.DICT[0]: _W._dict,
    pickle.SETITEM[0]: _W._setitem, pickle.SETITEMS[0]: _W._setitems,
    pickle.EMPTY_SET[0]: lambda self: self.stack.append(set()), pickle.ADDITEMS[0]: _W._additems,
    pickle.FROZENSET[0]: _W._frozenset,
    pickle.BINGET[0]: _memo_getter("<B"), pickle.LONG_BINGET[0]: _memo_getter("<I"),
    pickle.BINPUT[0]: _memo_putter("<B"), pickle.LONG_BINPUT[0]: _memo_putter("<I"), pickle.MEMOIZE[0]: _W._memoize,
    pickle.GLOBAL[0]: _W._global, pickle.STACK_GLOBAL[0]: _W._stack_global,
    pickle.REDUCE[0]: _W._reduce, pickle.NEWOBJ[0]: _W._newobj, pickle.BUILD[0]: _W._build,
    pickle.BINPERSID[0]: _W._persid,
}
del _W
