"""functional_call: run a module with some parameters and buffers replaced by given tensors."""
from contextlib import contextmanager


def _owner(module, path):
    *parents, leaf = path.split(".")
    for name in parents:
        module = getattr(module, name)
    return module, leaf


@contextmanager
def _reparametrize(module, tensors, strict):
    known = dict(module.named_parameters(remove_duplicate=False))
    known.update(dict(module.named_buffers(remove_duplicate=False)))
    unexpected = [k for k in tensors if k not in known]
    missing = [k for k in known if k not in tensors]
    if strict and (unexpected or missing):
        parts = []
        if unexpected:
            parts.append("Unexpected key(s): " + ", ".join(repr(k) for k in unexpected) + ".")
        if missing:
            parts.append("Missing key(s): " + ", ".join(repr(k) for k in missing) + ".")
        raise RuntimeError("Error(s) in reparametrizing for " + type(module).__name__ + ":\n\t" + "\n\t".join(parts))
    saved = []
    try:
        for path, tensor in tensors.items():
            owner, leaf = _owner(module, path)
            # The stores hold the tensor directly, so no Parameter wrapper is needed (or wanted: the
            # caller's tensor keeps its graph).
            store = owner._parameters if leaf in owner._parameters else \
                owner._buffers if leaf in owner._buffers else None
            if store is None:
                saved.append((owner.__dict__, leaf, owner.__dict__.get(leaf, _ABSENT)))
                owner.__dict__[leaf] = tensor
            else:
                saved.append((store, leaf, store[leaf]))
                store[leaf] = tensor
        yield
    finally:
        for store, leaf, old in reversed(saved):
            if old is _ABSENT:
                del store[leaf]
            else:
                store[leaf] = old


_ABSENT = object()


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """module(*args, **kwargs) with the named parameters/buffers replaced (a dict, or a sequence of dicts
    with distinct keys); the module itself is unchanged afterwards. With tie_weights, a tensor given
    for one name of a shared parameter stands for all its names."""
    if isinstance(parameter_and_buffer_dicts, dict):
        tensors = dict(parameter_and_buffer_dicts)
    else:
        tensors = {}
        for d in parameter_and_buffer_dicts:
            for key in d:
                if key in tensors:
                    raise ValueError(f"{key} appeared in multiple dictionaries; behavior of functional call is "
                                     "ambiguous")
            tensors.update(d)
    if tie_weights:
        tensors = _tie(module, tensors)
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _reparametrize(module, tensors, strict):
        return module(*args, **(kwargs or {}))


def _tie(module, tensors):
    """Extends tensors to every name of each shared parameter/buffer given under one of its names."""
    names_of = {}
    for path, t in list(module.named_parameters(remove_duplicate=False)) + \
            list(module.named_buffers(remove_duplicate=False)):
        names_of.setdefault(id(t), []).append(path)
    out = dict(tensors)
    for names in names_of.values():
        given = [n for n in names if n in tensors]
        if not given:
            continue
        for other in given[1:]:
            if tensors[other] is not tensors[given[0]]:
                raise ValueError(f"functional_call got multiple values for keys {given}, which are tied. Consider "
                                 "using tie_weights=False")
        for n in names:
            out.setdefault(n, tensors[given[0]])
    return out
