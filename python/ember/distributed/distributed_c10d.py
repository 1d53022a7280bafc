"""Process groups and collectives (torch.distributed's API) over MPI, for CPU tensors.

Processes are started by MPI's launcher (`mpirun -n N python script.py`, or
`python -m ember.distributed.run --nproc-per-node N script.py`, which calls it), and MPI connects
them: init_method's rendezvous is MPI's, so env://, tcp:// and file:// addresses are accepted and
not used. "gloo" is an alias of "mpi" (both run on CPU tensors over MPI); "nccl" needs ember's
CUDA backend, which is not built. The transport is ember.distributed._mpi (C++): see its notes on
the worker thread, the per-operation deadline and the cross-rank metadata check.
"""
import atexit
import datetime
import enum
import os
import zlib

import ember

_NOT_LOADED = object()
_mpi_module = _NOT_LOADED


def _native():
    """ember.distributed._mpi, loaded on first use (loading libmpi costs tens of ms, which plain
    `import ember` should not pay); None where ember was built without MPI."""
    global _mpi_module
    if _mpi_module is _NOT_LOADED:
        try:
            from ember.distributed import _mpi
        except ImportError:  # built only where CMake found MPI
            _mpi = None
        _mpi_module = _mpi
    return _mpi_module

__all__ = [
    "Backend", "GroupMember", "ProcessGroup", "ReduceOp", "Work", "all_gather", "all_gather_into_tensor",
    "all_reduce", "all_to_all_single", "barrier", "broadcast", "destroy_process_group", "gather",
    "get_backend", "get_global_rank", "get_process_group_ranks", "get_rank", "get_world_size",
    "group", "init_process_group", "irecv", "is_gloo_available", "is_initialized", "is_mpi_available",
    "is_nccl_available", "is_torchelastic_launched", "isend", "new_group", "recv", "reduce",
    "reduce_scatter", "reduce_scatter_tensor", "scatter", "send",
]

default_pg_timeout = datetime.timedelta(minutes=30)  # torch's default


class Backend(str):
    """A backend name, lower-cased ("mpi", "gloo", "nccl"), as torch.distributed.Backend."""
    MPI = "mpi"
    GLOO = "gloo"
    NCCL = "nccl"

    def __new__(cls, name):
        if not isinstance(name, str):
            raise ValueError(f"Backend name must be a string, but got: {name}")
        return super().__new__(cls, name.lower())


class RedOpType(enum.IntEnum):
    """The reductions, numbered as torch's ReduceOp.RedOpType."""
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7


class ReduceOp:
    """torch.distributed.ReduceOp: ReduceOp.SUM, AVG, PRODUCT, MIN, MAX, BAND, BOR, BXOR."""
    RedOpType = RedOpType
    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR


_DTYPE_NAMES = {ember.float32: "float32", ember.float64: "float64", ember.int32: "int32",
                ember.int64: "int64", ember.uint8: "uint8", ember.bool: "bool"}
# Numbers for the metadata check: what each rank passes is compared across ranks as integers.
_OPERATIONS = ("barrier", "all_reduce", "broadcast", "reduce", "all_gather", "reduce_scatter", "gather",
               "scatter", "all_to_all_single", "new_group")
_DTYPE_CODES = {name: code for code, name in enumerate(_DTYPE_NAMES.values())}


class ProcessGroup:
    """A set of ranks with their own MPI communicator; the world is one, new_group makes others."""

    def __init__(self, comm, ranks, backend, timeout):
        self._comm = comm
        self._ranks = list(ranks)  # global rank of each group rank
        self._backend = backend
        self._timeout_s = timeout.total_seconds()
        self._pending = []  # Works in flight: they keep their tensors alive until MPI is done

    def rank(self):
        return self._comm.rank

    def size(self):
        return self._comm.size

    def name(self):
        return self._backend

    def _keep(self, work):
        self._pending = [w for w in self._pending if not w.is_completed()]
        self._pending.append(work)

    def __repr__(self):
        return f"ProcessGroup(backend={self._backend!r}, ranks={self._ranks})"


class GroupMember:
    """torch.distributed.GroupMember: WORLD is the default group once it exists."""
    WORLD = None
    NON_GROUP_MEMBER = object()


group = GroupMember  # torch.distributed.group.WORLD


class Work:
    """What async_op=True returns: wait() blocks until the operation completed (and raises its
    error); is_completed() asks without blocking. Outputs are ready only after wait()."""

    def __init__(self, native, tensors, finish=None, outputs=()):
        self._native = native
        self._tensors = tensors  # kept alive while MPI reads or writes their memory
        self._finish = finish    # copies results out of staging buffers, divides for AVG
        self._outputs = list(outputs)
        self._error = None
        self._done = False

    def wait(self, timeout=None):
        if self._done:
            if self._error is not None:
                raise self._error
            return True
        seconds = -1.0 if timeout is None else _seconds(timeout)
        try:
            self._native.wait(seconds)
        except RuntimeError as error:
            if "Work.wait timed out" in str(error):
                raise
            self._error, self._done = error, True
            raise
        self._done = True
        if self._finish is not None:
            with ember.no_grad():
                self._finish()
        self._tensors = None
        return True

    def is_completed(self):
        return self._done or self._native.is_completed()

    def is_success(self):
        if not self.is_completed():
            return False
        try:
            self.wait()
        except RuntimeError:
            return False
        return True

    def exception(self):
        return self._error

    def result(self):
        self.wait()
        return self._outputs

    def _source_rank(self):
        return self._native.source()


def _seconds(timeout):
    return timeout.total_seconds() if isinstance(timeout, datetime.timedelta) else float(timeout)


def is_available():
    """True where ember was built with MPI (the transport of every backend ember has)."""
    return _native() is not None


def is_mpi_available():
    return _native() is not None


def is_gloo_available():
    """ "gloo" is an alias of MPI in ember, so it is available where MPI is."""
    return _native() is not None


def is_nccl_available():
    """NCCL needs ember's CUDA backend, which this build does not have."""
    return False


def is_torchelastic_launched():
    """True under ember.distributed.run (it sets TORCHELASTIC_RUN_ID, as torchrun does)."""
    return os.environ.get("TORCHELASTIC_RUN_ID") is not None


def is_initialized():
    return GroupMember.WORLD is not None


def _world():
    if GroupMember.WORLD is None:
        raise ValueError("Default process group has not been initialized, please make sure to call "
                         "init_process_group.")
    return GroupMember.WORLD


def _group(group):
    return _world() if group is None else group


def _launched_by_mpi():
    return any(name in os.environ for name in ("OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"))


def _env_int(name, given):
    if given is not None and given >= 0:
        return given
    value = os.environ.get(name)
    return int(value) if value is not None else None


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    """Joins this process to the default group. Rank and world size come from MPI; RANK and
    WORLD_SIZE (arguments or environment) are checked against them."""
    if GroupMember.WORLD is not None:
        raise ValueError("trying to initialize the default process group twice!")
    name = Backend(backend or "mpi")
    if name == Backend.NCCL:
        raise RuntimeError("ember.distributed: backend 'nccl' needs ember's CUDA backend and NCCL, which this "
                           "build of ember does not have; use backend='mpi' (or 'gloo') for CPU tensors")
    if name not in (Backend.MPI, Backend.GLOO):
        raise ValueError(f"ember.distributed: unknown backend {backend!r}: ember has 'mpi' and 'gloo' "
                         "(an alias of 'mpi')")
    if _native() is None:
        raise RuntimeError("ember.distributed: this build of ember has no MPI (install Open MPI, e.g. "
                           "apt-get install openmpi-bin libopenmpi-dev, and rebuild ember)")
    expected_size, expected_rank = _env_int("WORLD_SIZE", world_size), _env_int("RANK", rank)
    if expected_size is not None and expected_size > 1 and not _launched_by_mpi():
        raise RuntimeError(f"ember.distributed: world_size {expected_size} needs processes started by MPI: run "
                           "`python -m ember.distributed.run --nproc-per-node N script.py` or "
                           "`mpirun -n N python script.py`")
    comm = _native().init()
    if expected_size is not None and expected_size != comm.size:
        raise ValueError(f"ember.distributed.init_process_group: world_size is {expected_size} but MPI started "
                         f"{comm.size} processes")
    if expected_rank is not None and expected_rank != comm.rank:
        raise ValueError(f"ember.distributed.init_process_group: rank is {expected_rank} but MPI gave this "
                         f"process rank {comm.rank}")
    GroupMember.WORLD = ProcessGroup(comm, range(comm.size), str(name), timeout or default_pg_timeout)


def destroy_process_group(group=None):
    """Forgets the default group (and with it every group) or one group. MPI itself stays up
    until the interpreter exits, since MPI cannot start again in a process once finalized."""
    if group is None or group is GroupMember.WORLD:
        GroupMember.WORLD = None


@atexit.register
def _finalize_at_exit():
    if _mpi_module not in (_NOT_LOADED, None) and _mpi_module.is_initialized():
        _mpi_module.finalize()


def get_backend(group=None):
    return _group(group)._backend


def get_rank(group=None):
    """This process's rank in group (the world by default); -1 where it is not a member."""
    if group is GroupMember.NON_GROUP_MEMBER:
        return -1
    return _group(group).rank()


def get_world_size(group=None):
    if group is GroupMember.NON_GROUP_MEMBER:
        return -1
    return _group(group).size()


def get_process_group_ranks(group):
    return list(_group(group)._ranks)


def get_global_rank(group, group_rank):
    ranks = _group(group)._ranks
    if not 0 <= group_rank < len(ranks):
        raise ValueError(f"Group rank {group_rank} is not part of group {ranks}")
    return ranks[group_rank]


def _group_rank(pg, global_rank, what):
    """The group rank of a src/dst given as a global rank, as torch's arguments are."""
    if global_rank not in pg._ranks:
        raise ValueError(f"ember.distributed: invalid {what} rank {global_rank}: the group's ranks are {pg._ranks}")
    return pg._ranks.index(global_rank)


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization=False,
              group_desc=None):
    """A group of the given global ranks (all of them by default). Every rank of the world calls
    it with the same ranks; a rank outside gets GroupMember.NON_GROUP_MEMBER."""
    world = _world()
    ranks = sorted(range(world.size())) if ranks is None else sorted(int(r) for r in ranks)
    for r in ranks:
        if not 0 <= r < world.size():
            raise ValueError(f"ember.distributed.new_group: rank {r} is outside the world of {world.size()}")
    if len(set(ranks)) != len(ranks):
        raise ValueError(f"ember.distributed.new_group: ranks {ranks} has duplicates")
    # new_group's MPI_Comm_split blocks, so check first (with the deadline) that everyone agrees.
    ranks_code = zlib.crc32(",".join(map(str, ranks)).encode())
    meta = [_OPERATIONS.index("new_group"), len(ranks), ranks_code]
    _run(world, "new_group", f"ranks {ranks}", meta, ["operation", "number of ranks", "ranks (checksum)"],
         _native().barrier, ())
    member = world.rank() in ranks
    comm = _native().split(world._comm, 0 if member else -1, ranks.index(world.rank()) if member else 0)
    if not member:
        return GroupMember.NON_GROUP_MEMBER
    return ProcessGroup(comm, ranks, world._backend if backend is None else str(Backend(backend)),
                        timeout or datetime.timedelta(seconds=world._timeout_s))


# --- how every operation runs ------------------------------------------------------------------

def _run(pg, name, description, meta, meta_names, native_fn, args, tensors=(), finish=None, outputs=(),
         async_op=False):
    options = _native().Options(name, description, meta, meta_names, pg._timeout_s)
    work = Work(native_fn(pg._comm, options, *args), tensors, finish, outputs)
    if async_op:
        pg._keep(work)
        return work
    work.wait()
    return None


def _member(group):
    """The process group, or None where this rank is not in it (then torch returns quietly)."""
    if group is GroupMember.NON_GROUP_MEMBER:
        return None
    return _group(group)


def _check_tensor(tensor, name, what="tensor"):
    if not isinstance(tensor, ember.Tensor):
        raise TypeError(f"ember.distributed.{name}: {what} must be a Tensor, got {type(tensor).__name__}")
    if tensor.dtype not in _DTYPE_NAMES:
        raise TypeError(f"ember.distributed.{name}: unsupported dtype {tensor.dtype}")
    if tensor.device.type != "cpu":
        raise RuntimeError(f"ember.distributed.{name}: the MPI backend works on CPU tensors; got {tensor.device}")


def _describe(tensor):
    return f"{str(tensor.dtype).replace('ember.', '')} tensor of shape {list(tensor.shape)}"


def _staging(tensor):
    """A contiguous tensor whose memory MPI can use directly: tensor itself when contiguous (so
    the collective works in place), otherwise a copy that the finisher writes back."""
    return tensor if tensor.is_contiguous() else tensor.contiguous()


def _copy_back(pairs):
    for target, staged in pairs:
        if staged is not target:
            target.copy_(staged)


def _op_name(op, tensor, name):
    op = RedOpType(op)
    floating = tensor.dtype.is_floating_point
    if op == RedOpType.AVG and not floating:
        raise RuntimeError(f"ember.distributed.{name}: ReduceOp.AVG needs a floating-point tensor, got {tensor.dtype}")
    if op in (RedOpType.BAND, RedOpType.BOR, RedOpType.BXOR) and floating:
        raise RuntimeError(f"ember.distributed.{name}: {op.name} needs an integer or bool tensor, got {tensor.dtype}")
    return "sum" if op == RedOpType.AVG else op.name.lower()


def _meta(name, tensor, op=0, root=0):
    return ([_OPERATIONS.index(name), _DTYPE_CODES[_DTYPE_NAMES[tensor.dtype]], tensor.numel(), int(op), root],
            ["operation", "dtype", "number of elements", "reduce op", "root"])


def _reduced(pg, op, target, staged):
    """The finisher of a reduction: divides by the group size for AVG, writes staged results back."""
    def finish():
        if RedOpType(op) == RedOpType.AVG:
            staged.div_(pg.size())
        if staged is not target:
            target.copy_(staged)
    return finish


# --- collectives ---------------------------------------------------------------------------------

def barrier(group=None, async_op=False, device_ids=None):
    pg = _member(group)
    if pg is None:
        return None
    return _run(pg, "barrier", "barrier", [_OPERATIONS.index("barrier")], ["operation"], _native().barrier, (),
                async_op=async_op)


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduces tensor across the group, in place on every rank."""
    _check_tensor(tensor, "all_reduce")
    pg = _member(group)
    if pg is None:
        return None
    op_name = _op_name(op, tensor, "all_reduce")
    staged = _staging(tensor)
    meta, names = _meta("all_reduce", tensor, op)
    return _run(pg, "all_reduce", _describe(tensor), meta, names, _native().all_reduce,
                (staged.data_ptr(), staged.numel(), _DTYPE_NAMES[tensor.dtype], op_name), (tensor, staged),
                _reduced(pg, op, tensor, staged), [tensor], async_op)


def broadcast(tensor, src=0, group=None, async_op=False, group_src=None):
    """Copies src's tensor into tensor on every rank."""
    _check_tensor(tensor, "broadcast")
    pg = _member(group)
    if pg is None:
        return None
    root = group_src if group_src is not None else _group_rank(pg, src, "src")
    staged = _staging(tensor)
    meta, names = _meta("broadcast", tensor, root=root)
    return _run(pg, "broadcast", _describe(tensor), meta, names, _native().broadcast,
                (staged.data_ptr(), staged.numel(), _DTYPE_NAMES[tensor.dtype], root), (tensor, staged),
                lambda: _copy_back([(tensor, staged)]), [tensor], async_op)


def reduce(tensor, dst=0, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    """Reduces tensor across the group into dst's tensor (the others' are left as they were)."""
    _check_tensor(tensor, "reduce")
    pg = _member(group)
    if pg is None:
        return None
    root = group_dst if group_dst is not None else _group_rank(pg, dst, "dst")
    op_name = _op_name(op, tensor, "reduce")
    staged = _staging(tensor)
    meta, names = _meta("reduce", tensor, op, root)
    finish = _reduced(pg, op, tensor, staged) if pg.rank() == root else None
    return _run(pg, "reduce", _describe(tensor), meta, names, _native().reduce,
                (staged.data_ptr(), staged.numel(), _DTYPE_NAMES[tensor.dtype], op_name, root), (tensor, staged),
                finish, [tensor], async_op)


def _check_list(tensors, tensor, count, name, what):
    if not isinstance(tensors, (list, tuple)) or len(tensors) != count:
        got = len(tensors) if isinstance(tensors, (list, tuple)) else type(tensors).__name__
        raise RuntimeError(f"ember.distributed.{name}: {what} must be a list of {count} tensors (one per rank), "
                           f"got {got}")
    for i, t in enumerate(tensors):
        _check_tensor(t, name, what)
        if t.dtype != tensor.dtype:
            raise RuntimeError(f"ember.distributed.{name}: invalid tensor type at index {i} of {what} "
                               f"(expected {tensor.dtype}, got {t.dtype})")
        if list(t.shape) != list(tensor.shape):
            raise RuntimeError(f"ember.distributed.{name}: invalid tensor size at index {i} of {what} "
                               f"(expected {tuple(tensor.shape)}, got {tuple(t.shape)})")


def _split_into(flat, tensors):
    """Copies consecutive blocks of the flat buffer into tensors."""
    offset = 0
    for t in tensors:
        t.copy_(flat[offset:offset + t.numel()].reshape(t.shape))
        offset += t.numel()


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """tensor_list[i] = rank i's tensor, on every rank."""
    _check_tensor(tensor, "all_gather")
    pg = _member(group)
    if pg is None:
        return None
    _check_list(tensor_list, tensor, pg.size(), "all_gather", "tensor_list")
    staged = _staging(tensor)
    flat = ember.empty(pg.size() * tensor.numel(), dtype=tensor.dtype)
    meta, names = _meta("all_gather", tensor)
    return _run(pg, "all_gather", _describe(tensor), meta, names, _native().all_gather,
                (staged.data_ptr(), flat.data_ptr(), tensor.numel(), _DTYPE_NAMES[tensor.dtype]),
                (staged, flat, tensor_list), lambda: _split_into(flat, tensor_list), tensor_list, async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """output_tensor (world_size times input's elements) = the ranks' inputs, concatenated."""
    _check_tensor(input_tensor, "all_gather_into_tensor", "input_tensor")
    _check_tensor(output_tensor, "all_gather_into_tensor", "output_tensor")
    pg = _member(group)
    if pg is None:
        return None
    _check_sizes(output_tensor, input_tensor, pg.size(), 1, "all_gather_into_tensor")
    staged_in, staged_out = _staging(input_tensor), _staging(output_tensor)
    meta, names = _meta("all_gather", input_tensor)
    return _run(pg, "all_gather_into_tensor", _describe(input_tensor), meta, names, _native().all_gather,
                (staged_in.data_ptr(), staged_out.data_ptr(), input_tensor.numel(), _DTYPE_NAMES[input_tensor.dtype]),
                (staged_in, staged_out, output_tensor), lambda: _copy_back([(output_tensor, staged_out)]),
                [output_tensor], async_op)


def _check_sizes(output, input, size, output_per_input, name):
    """The tensor versions' size rule: output.numel() * size == input.numel() (reduce_scatter),
    or output.numel() == input.numel() * size (all_gather)."""
    if output.dtype != input.dtype:
        raise RuntimeError(f"ember.distributed.{name}: output and input dtypes differ ({output.dtype} vs {input.dtype})")
    if output_per_input:
        ok = output.numel() == input.numel() * size
        rule = f"output must have {size} times the input's {input.numel()} elements"
    else:
        ok = output.numel() * size == input.numel()
        rule = f"input must have {size} times the output's {output.numel()} elements"
    if not ok:
        raise RuntimeError(f"ember.distributed.{name}: {rule} (output {tuple(output.shape)}, input {tuple(input.shape)})")


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """output on rank i = the reduction over ranks of their input_list[i]."""
    _check_tensor(output, "reduce_scatter", "output")
    pg = _member(group)
    if pg is None:
        return None
    _check_list(input_list, output, pg.size(), "reduce_scatter", "input_list")
    flat = ember.cat([t.reshape(-1) for t in input_list]) if output.numel() else ember.empty(0, dtype=output.dtype)
    return _reduce_scatter(pg, "reduce_scatter", output, flat, op, async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """output on rank i = the reduction over ranks of block i of their input."""
    _check_tensor(output, "reduce_scatter_tensor", "output")
    _check_tensor(input, "reduce_scatter_tensor", "input")
    pg = _member(group)
    if pg is None:
        return None
    _check_sizes(output, input, pg.size(), 0, "reduce_scatter_tensor")
    return _reduce_scatter(pg, "reduce_scatter_tensor", output, _staging(input), op, async_op)


def _reduce_scatter(pg, name, output, flat_input, op, async_op):
    op_name = _op_name(op, output, name)
    staged = _staging(output)
    meta, names = _meta("reduce_scatter", output, op)
    return _run(pg, name, _describe(output), meta, names, _native().reduce_scatter,
                (flat_input.data_ptr(), staged.data_ptr(), output.numel(), _DTYPE_NAMES[output.dtype], op_name),
                (flat_input, staged, output), _reduced(pg, op, output, staged), [output], async_op)


def gather(tensor, gather_list=None, dst=0, group=None, async_op=False, group_dst=None):
    """gather_list[i] on dst = rank i's tensor; the other ranks pass no list."""
    _check_tensor(tensor, "gather")
    pg = _member(group)
    if pg is None:
        return None
    root = group_dst if group_dst is not None else _group_rank(pg, dst, "dst")
    is_root = pg.rank() == root
    if is_root:
        _check_list(gather_list, tensor, pg.size(), "gather", "gather_list")
    elif gather_list:
        raise ValueError("ember.distributed.gather: Argument ``gather_list`` must NOT be specified on non-destination ranks.")
    staged = _staging(tensor)
    flat = ember.empty(pg.size() * tensor.numel() if is_root else 0, dtype=tensor.dtype)
    meta, names = _meta("gather", tensor, root=root)
    finish = (lambda: _split_into(flat, gather_list)) if is_root else None
    return _run(pg, "gather", _describe(tensor), meta, names, _native().gather,
                (staged.data_ptr(), flat.data_ptr(), tensor.numel(), _DTYPE_NAMES[tensor.dtype], root),
                (staged, flat, gather_list), finish, gather_list or [], async_op)


def scatter(tensor, scatter_list=None, src=0, group=None, async_op=False, group_src=None):
    """tensor on rank i = src's scatter_list[i]; the other ranks pass no list."""
    _check_tensor(tensor, "scatter")
    pg = _member(group)
    if pg is None:
        return None
    root = group_src if group_src is not None else _group_rank(pg, src, "src")
    is_root = pg.rank() == root
    if is_root:
        _check_list(scatter_list, tensor, pg.size(), "scatter", "scatter_list")
        flat = ember.cat([t.reshape(-1) for t in scatter_list])
    else:
        if scatter_list:
            raise ValueError("ember.distributed.scatter: Argument ``scatter_list`` must NOT be specified on non-source ranks.")
        flat = ember.empty(0, dtype=tensor.dtype)
    staged = _staging(tensor)
    meta, names = _meta("scatter", tensor, root=root)
    return _run(pg, "scatter", _describe(tensor), meta, names, _native().scatter,
                (flat.data_ptr(), staged.data_ptr(), tensor.numel(), _DTYPE_NAMES[tensor.dtype], root),
                (flat, staged, tensor), lambda: _copy_back([(tensor, staged)]), [tensor], async_op)


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None, group=None, async_op=False):
    """Rank i's block j of input (along dim 0) lands as block i of rank j's output. Without split
    sizes the blocks are equal: dim 0 divided by the group size."""
    _check_tensor(output, "all_to_all_single", "output")
    _check_tensor(input, "all_to_all_single", "input")
    pg = _member(group)
    if pg is None:
        return None
    if output.dtype != input.dtype:
        raise RuntimeError(f"ember.distributed.all_to_all_single: output and input dtypes differ "
                           f"({output.dtype} vs {input.dtype})")
    send = _split_counts(input, input_split_sizes, pg.size(), "input")
    recv = _split_counts(output, output_split_sizes, pg.size(), "output")
    staged_in, staged_out = _staging(input), _staging(output)
    # Equal splits can be checked across ranks; uneven ones are each rank's own business.
    meta, names = _meta("all_to_all_single", input)
    if input_split_sizes is not None or output_split_sizes is not None:
        meta, names = meta[:2], names[:2]
    return _run(pg, "all_to_all_single", _describe(input), meta, names, _native().all_to_all,
                (staged_in.data_ptr(), staged_out.data_ptr(), send, recv, _DTYPE_NAMES[input.dtype]),
                (staged_in, staged_out, output), lambda: _copy_back([(output, staged_out)]), [output], async_op)


def _split_counts(tensor, split_sizes, size, what):
    """Element counts of each rank's block of tensor (blocks along dim 0)."""
    rows = tensor.shape[0] if tensor.dim() else 1
    per_row = tensor.numel() // rows if rows else 0
    if split_sizes is None:
        if rows % size:
            raise RuntimeError(f"ember.distributed.all_to_all_single: {what}'s dim 0 ({rows}) is not divisible by "
                               f"the group size {size}")
        return [rows // size * per_row] * size
    split_sizes = [int(s) for s in split_sizes]
    if len(split_sizes) != size or sum(split_sizes) != rows or min(split_sizes) < 0:
        raise RuntimeError(f"ember.distributed.all_to_all_single: {what}_split_sizes {split_sizes} must have "
                           f"{size} non-negative entries summing to dim 0 ({rows})")
    return [s * per_row for s in split_sizes]


# --- point to point ----------------------------------------------------------------------------

def isend(tensor, dst, group=None, tag=0, group_dst=None):
    """Starts sending tensor to rank dst; the Work's wait() returns once MPI is done with it."""
    _check_tensor(tensor, "isend")
    pg = _member(group)
    if pg is None:
        return None
    peer = group_dst if group_dst is not None else _group_rank(pg, dst, "dst")
    staged = _staging(tensor)
    return _run(pg, "send", f"{_describe(tensor)} to rank {dst}", [], [], _native().send,
                (staged.data_ptr(), staged.numel(), _DTYPE_NAMES[tensor.dtype], peer, tag), (tensor, staged),
                async_op=True)


def irecv(tensor, src=None, group=None, tag=0, group_src=None):
    """Starts receiving into tensor from rank src (any rank when None)."""
    _check_tensor(tensor, "irecv")
    pg = _member(group)
    if pg is None:
        return None
    if group_src is not None:
        peer = group_src
    else:
        peer = -1 if src is None else _group_rank(pg, src, "src")
    staged = _staging(tensor)
    source = "any rank" if peer < 0 else f"rank {src}"
    return _run(pg, "recv", f"{_describe(tensor)} from {source}", [], [], _native().recv,
                (staged.data_ptr(), staged.numel(), _DTYPE_NAMES[tensor.dtype], peer, tag), (tensor, staged),
                lambda: _copy_back([(tensor, staged)]), [tensor], async_op=True)


def send(tensor, dst, group=None, tag=0, group_dst=None):
    work = isend(tensor, dst, group, tag, group_dst)
    if work is not None:
        work.wait()


def recv(tensor, src=None, group=None, tag=0, group_src=None):
    """Receives into tensor; returns the sender's (global) rank."""
    work = irecv(tensor, src, group, tag, group_src)
    if work is None:
        return -1
    work.wait()
    pg = _group(group)
    return pg._ranks[work._source_rank()]
