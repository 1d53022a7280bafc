"""Collectives on picklable Python objects: pickled to uint8 tensors, sizes exchanged first."""
import pickle

import numpy as np

import ember
from ember.distributed import distributed_c10d as c10d

__all__ = ["all_gather_object", "broadcast_object_list"]


def _to_tensor(obj):
    return ember.from_numpy(np.frombuffer(pickle.dumps(obj), dtype=np.uint8).copy())


def _from_tensor(tensor):
    return pickle.loads(tensor.numpy().tobytes())


def broadcast_object_list(object_list, src=0, group=None, device=None, group_src=None):
    """Replaces object_list's entries on every rank with src's (the lists have the same length)."""
    pg = c10d._member(group)
    if pg is None:
        return
    root = group_src if group_src is not None else c10d._group_rank(pg, src, "src")
    is_src = pg.rank() == root
    payloads = [_to_tensor(obj) for obj in object_list] if is_src else []
    sizes = ember.tensor([p.numel() for p in payloads], dtype=ember.int64) if is_src else \
        ember.zeros(len(object_list), dtype=ember.int64)
    c10d.broadcast(sizes, group=pg, group_src=root)
    data = ember.cat(payloads) if is_src and payloads else ember.empty(int(sizes.sum().item()), dtype=ember.uint8)
    c10d.broadcast(data, group=pg, group_src=root)
    if not is_src:
        offset = 0
        for i, size in enumerate(sizes.tolist()):
            object_list[i] = _from_tensor(data[offset:offset + size])
            offset += size


def all_gather_object(object_list, obj, group=None):
    """object_list[i] = rank i's obj, on every rank (object_list has one entry per rank)."""
    pg = c10d._member(group)
    if pg is None:
        return
    if len(object_list) != pg.size():
        raise RuntimeError(f"ember.distributed.all_gather_object: object_list must have {pg.size()} entries "
                           f"(one per rank), got {len(object_list)}")
    payload = _to_tensor(obj)
    sizes = ember.zeros(pg.size(), dtype=ember.int64)
    c10d.all_gather_into_tensor(sizes, ember.tensor([payload.numel()], dtype=ember.int64), group=pg)
    longest = int(sizes.max().item())
    padded = ember.zeros(longest, dtype=ember.uint8)
    padded[:payload.numel()] = payload
    gathered = ember.empty(longest * pg.size(), dtype=ember.uint8)
    c10d.all_gather_into_tensor(gathered, padded, group=pg)
    for i, size in enumerate(sizes.tolist()):
        object_list[i] = _from_tensor(gathered[i * longest:i * longest + size])
