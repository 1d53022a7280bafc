"""The program every process of tests/python/test_distributed.py runs:
`distributed_worker.py SUITE OUT_DIR [options]`. Each case computes a collective's result and
compares it with the same computation done locally (every rank can build every rank's input);
the rank writes {case: "ok" or the failure} to OUT_DIR/SUITE.rank<R>.json for the test to read.
"""
import datetime
import json
import os
import sys
import time
import traceback

import numpy as np

import ember
import ember.distributed as dist

DTYPES = {"float32": ember.float32, "float64": ember.float64, "int32": ember.int32, "int64": ember.int64,
          "uint8": ember.uint8, "bool": ember.bool}
OPS = ["SUM", "PRODUCT", "MIN", "MAX", "AVG", "BAND", "BOR", "BXOR"]


def rank_input(rank, dtype, n=6):
    """Rank rank's input as a NumPy array: small values, distinct per rank, so products stay exact."""
    base = (np.arange(n) * (rank + 2) + rank) % 5
    if dtype == "bool":
        return (base % 2).astype(bool)
    if dtype.startswith("float"):
        return (base * 0.75 - 1.25).astype(dtype)
    return (base + 1).astype(dtype)


def as_tensor(array):
    """A tensor with its own memory (from_numpy would share it, and collectives work in place)."""
    return ember.from_numpy(np.array(array, copy=True))


def op_applies(op, dtype):
    floating = dtype.startswith("float")
    if op == "AVG":
        return floating
    if op in ("BAND", "BOR", "BXOR"):
        return not floating
    return True


def local_reduce(op, arrays, dtype):
    """The reduction done locally, with the semantics the backend promises (bool: logical)."""
    stack = np.stack(arrays)
    if dtype == "bool":
        fn = {"SUM": np.logical_or, "MAX": np.logical_or, "BOR": np.logical_or, "PRODUCT": np.logical_and,
              "MIN": np.logical_and, "BAND": np.logical_and, "BXOR": np.logical_xor}[op]
        return fn.reduce(stack, axis=0)
    if op == "AVG":
        return stack.sum(axis=0, dtype=dtype) / len(arrays)
    fn = {"SUM": np.add, "PRODUCT": np.multiply, "MIN": np.minimum, "MAX": np.maximum, "BAND": np.bitwise_and,
          "BOR": np.bitwise_or, "BXOR": np.bitwise_xor}[op]
    return fn.reduce(stack, axis=0, dtype=dtype)


def check_equal(tensor, expected, dtype):
    got = tensor.numpy()
    assert got.dtype == expected.dtype, f"dtype {got.dtype} != {expected.dtype}"
    assert got.shape == expected.shape, f"shape {got.shape} != {expected.shape}"
    if dtype.startswith("float"):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
    else:
        np.testing.assert_array_equal(got, expected)


def expect_error(fn, error_type, fragment):
    try:
        fn()
    except error_type as error:
        assert fragment in str(error), f"message {str(error)!r} lacks {fragment!r}"
        return
    raise AssertionError(f"expected {error_type.__name__} mentioning {fragment!r}")


# --- the collectives suite -------------------------------------------------------------------------

def collective_cases(rank, world):
    cases = {}

    def case(name):
        def register(fn):
            cases[name] = fn
            return fn
        return register

    inputs = {d: [rank_input(r, d) for r in range(world)] for d in DTYPES}
    last = world - 1

    for dtype in DTYPES:
        for op in OPS:
            if not op_applies(op, dtype):
                continue

            @case(f"all_reduce[{dtype}-{op}]")
            def _(dtype=dtype, op=op):
                t = as_tensor(inputs[dtype][rank])
                dist.all_reduce(t, op=getattr(dist.ReduceOp, op))
                check_equal(t, local_reduce(op, inputs[dtype], dtype).astype(dtype), dtype)

        @case(f"broadcast[{dtype}]")
        def _(dtype=dtype):
            for src in range(world):
                t = as_tensor(inputs[dtype][rank])
                dist.broadcast(t, src=src)
                check_equal(t, inputs[dtype][src], dtype)

        @case(f"reduce[{dtype}]")
        def _(dtype=dtype):
            t = as_tensor(inputs[dtype][rank])
            dist.reduce(t, dst=last, op=dist.ReduceOp.MAX)
            if rank == last:
                check_equal(t, local_reduce("MAX", inputs[dtype], dtype), dtype)

        @case(f"all_gather[{dtype}]")
        def _(dtype=dtype):
            outputs = [ember.zeros(6, dtype=DTYPES[dtype]) for _ in range(world)]
            dist.all_gather(outputs, as_tensor(inputs[dtype][rank]))
            for r in range(world):
                check_equal(outputs[r], inputs[dtype][r], dtype)

        @case(f"all_gather_into_tensor[{dtype}]")
        def _(dtype=dtype):
            out = ember.zeros(world, 6, dtype=DTYPES[dtype])
            dist.all_gather_into_tensor(out, as_tensor(inputs[dtype][rank]))
            check_equal(out, np.stack(inputs[dtype]), dtype)

        @case(f"reduce_scatter[{dtype}]")
        def _(dtype=dtype):
            # rank r's input_list[i] = its input shifted by i; rank i receives the sum over r
            blocks = lambda r: [np.roll(inputs[dtype][r], i) for i in range(world)]  # noqa: E731
            out = ember.zeros(6, dtype=DTYPES[dtype])
            dist.reduce_scatter(out, [as_tensor(b) for b in blocks(rank)], op=dist.ReduceOp.MAX)
            check_equal(out, local_reduce("MAX", [blocks(r)[rank] for r in range(world)], dtype), dtype)

        @case(f"reduce_scatter_tensor[{dtype}]")
        def _(dtype=dtype):
            full = lambda r: np.concatenate([np.roll(inputs[dtype][r], i) for i in range(world)])  # noqa: E731
            out = ember.zeros(6, dtype=DTYPES[dtype])
            dist.reduce_scatter_tensor(out, as_tensor(full(rank)), op=dist.ReduceOp.MIN)
            expected = local_reduce("MIN", [full(r)[rank * 6:(rank + 1) * 6] for r in range(world)], dtype)
            check_equal(out, expected, dtype)

        @case(f"gather[{dtype}]")
        def _(dtype=dtype):
            gathered = [ember.zeros(6, dtype=DTYPES[dtype]) for _ in range(world)] if rank == last else None
            dist.gather(as_tensor(inputs[dtype][rank]), gathered, dst=last)
            if rank == last:
                for r in range(world):
                    check_equal(gathered[r], inputs[dtype][r], dtype)

        @case(f"scatter[{dtype}]")
        def _(dtype=dtype):
            out = ember.zeros(6, dtype=DTYPES[dtype])
            pieces = [as_tensor(inputs[dtype][r]) for r in range(world)] if rank == 0 else None
            dist.scatter(out, pieces, src=0)
            check_equal(out, inputs[dtype][rank], dtype)

        @case(f"all_to_all_single[{dtype}]")
        def _(dtype=dtype):
            # rank r sends row j of its (world, 6) input to rank j
            table = lambda r: np.stack([np.roll(inputs[dtype][r], j) for j in range(world)])  # noqa: E731
            out = ember.zeros(world, 6, dtype=DTYPES[dtype])
            dist.all_to_all_single(out, as_tensor(table(rank)))
            check_equal(out, np.stack([table(r)[rank] for r in range(world)]), dtype)

        @case(f"send_recv[{dtype}]")
        def _(dtype=dtype):
            # a ring: everyone sends to the next rank and receives from the previous
            out = ember.zeros(6, dtype=DTYPES[dtype])
            send_work = dist.isend(as_tensor(inputs[dtype][rank]), (rank + 1) % world)
            source = dist.recv(out, (rank - 1) % world)
            send_work.wait()
            assert source == (rank - 1) % world
            check_equal(out, inputs[dtype][(rank - 1) % world], dtype)

    @case("all_to_all_single[uneven splits]")
    def _():
        # rank r sends j + 1 rows to rank j; every row holds its sender's rank
        send_rows = [j + 1 for j in range(world)]
        inp = ember.full((sum(send_rows), 2), float(rank))
        out = ember.zeros((rank + 1) * world, 2)
        dist.all_to_all_single(out, inp, output_split_sizes=[rank + 1] * world, input_split_sizes=send_rows)
        expected = np.repeat(np.arange(world, dtype=np.float32), rank + 1)[:, None].repeat(2, axis=1)
        check_equal(out, expected, "float32")

    @case("recv[any source]")
    def _():
        if rank == 0:
            senders = set()
            for _ in range(world - 1):
                t = ember.zeros(1)
                source = dist.recv(t)
                assert t.item() == 10.0 * source
                senders.add(source)
            assert senders == set(range(1, world))
        else:
            dist.send(ember.full((1,), 10.0 * rank), 0)

    @case("async all_reduce: Work.wait, is_completed, result")
    def _():
        tensors = [ember.full((1000,), float(rank + i)) for i in range(4)]
        works = [dist.all_reduce(t, async_op=True) for t in tensors]
        for i, (t, work) in enumerate(zip(tensors, works)):
            assert work.wait() is True and work.is_completed()
            expected = sum(r + i for r in range(world))
            np.testing.assert_array_equal(t.numpy(), np.full(1000, expected, np.float32))
            assert work.result()[0] is t
        avg = ember.full((3,), float(rank))
        dist.all_reduce(avg, op=dist.ReduceOp.AVG, async_op=True).wait()
        np.testing.assert_allclose(avg.numpy(), (world - 1) / 2)

    @case("non-contiguous tensors are reduced in place")
    def _():
        base = ember.arange(12.0).reshape(3, 4) * (rank + 1)
        view = base.t()
        dist.all_reduce(view)
        total = sum(r + 1 for r in range(world))
        check_equal(base, (np.arange(12.0).reshape(3, 4) * total).astype(np.float32), "float32")
        sliced = ember.arange(10.0)[::2] + rank
        dist.broadcast(sliced, src=0)
        check_equal(sliced, np.arange(10.0, dtype=np.float32)[::2], "float32")

    @case("0-d and 0-size tensors")
    def _():
        scalar = ember.tensor(float(rank + 1))
        dist.all_reduce(scalar, op=dist.ReduceOp.PRODUCT)
        assert scalar.shape == () and scalar.item() == float(np.prod(np.arange(1, world + 1)))
        empty = ember.zeros(0, 3)
        dist.all_reduce(empty)
        assert empty.shape == (0, 3)

    @case("all_reduce of a 4 MB tensor")
    def _():
        t = ember.full((1 << 20,), float(rank))
        dist.all_reduce(t)
        assert t.min().item() == t.max().item() == float(sum(range(world)))

    @case("new_group")
    def _():
        members = [0, world - 1]
        group = dist.new_group(members)
        if rank in members:
            assert dist.get_world_size(group) == 2 and dist.get_rank(group) == members.index(rank)
            assert dist.get_process_group_ranks(group) == members
            t = ember.tensor([float(rank)])
            dist.all_reduce(t, group=group)
            assert t.item() == float(sum(members))
            b = ember.tensor([float(rank)])
            dist.broadcast(b, src=world - 1, group=group)  # src is a global rank, as in torch
            assert b.item() == float(world - 1)
        else:
            assert group is dist.GroupMember.NON_GROUP_MEMBER and dist.get_rank(group) == -1
            t = ember.tensor([5.0])
            assert dist.all_reduce(t, group=group) is None and t.item() == 5.0
        dist.barrier()

    @case("barrier")
    def _():
        dist.barrier()
        dist.barrier(async_op=True).wait()

    @case("objects: broadcast_object_list, all_gather_object")
    def _():
        objects = [{"rank": rank}, "x" * rank, None] if rank == 1 else [None, None, None]
        dist.broadcast_object_list(objects, src=1)
        assert objects == [{"rank": 1}, "x", None]
        gathered = [None] * world
        dist.all_gather_object(gathered, ("rank", rank, list(range(rank))))
        assert gathered == [("rank", r, list(range(r))) for r in range(world)]

    @case("world queries")
    def _():
        assert dist.is_initialized() and dist.is_available() and dist.is_mpi_available()
        assert dist.is_gloo_available() and not dist.is_nccl_available()
        assert dist.get_rank() == rank and dist.get_world_size() == world
        assert dist.get_backend() == "gloo"  # the suite initialises with the alias
        assert dist.get_global_rank(dist.group.WORLD, world - 1) == world - 1
        if dist.is_torchelastic_launched():  # ember.distributed.run sets torchrun's variables
            assert int(os.environ["RANK"]) == rank and int(os.environ["WORLD_SIZE"]) == world
            assert int(os.environ["LOCAL_RANK"]) == rank and int(os.environ["LOCAL_WORLD_SIZE"]) == world

    @case("mismatched shapes across ranks raise on every rank")
    def _():
        expect_error(lambda: dist.all_reduce(ember.zeros(3 + rank)), RuntimeError,
                     "ranks disagree on the number of elements")
        expect_error(lambda: dist.all_gather_into_tensor(ember.zeros(world * (2 + rank)), ember.zeros(2 + rank)),
                     RuntimeError, "ranks disagree on the number of elements")
        t = ember.ones(4)
        dist.all_reduce(t)  # the group still works afterwards
        assert t.tolist() == [float(world)] * 4

    @case("mismatched dtypes, ops and roots across ranks raise")
    def _():
        dtype = ember.float32 if rank == 0 else ember.float64
        expect_error(lambda: dist.all_reduce(ember.zeros(3, dtype=dtype)), RuntimeError, "ranks disagree on the dtype")
        op = dist.ReduceOp.SUM if rank == 0 else dist.ReduceOp.MAX
        expect_error(lambda: dist.all_reduce(ember.zeros(3), op=op), RuntimeError, "ranks disagree on the reduce op")
        expect_error(lambda: dist.broadcast(ember.zeros(3), src=min(rank, 1)), RuntimeError,
                     "ranks disagree on the root")

    @case("different collectives on different ranks raise")
    def _():
        if rank == 0:
            expect_error(lambda: dist.broadcast(ember.zeros(3), src=0), RuntimeError, "ranks disagree on the operation")
        else:
            expect_error(lambda: dist.all_reduce(ember.zeros(3)), RuntimeError, "ranks disagree on the operation")

    @case("local argument errors")
    def _():
        expect_error(lambda: dist.all_reduce(ember.zeros(3, dtype=ember.int64), op=dist.ReduceOp.AVG), RuntimeError,
                     "AVG needs a floating-point tensor")
        expect_error(lambda: dist.all_reduce(ember.zeros(3), op=dist.ReduceOp.BAND), RuntimeError,
                     "needs an integer or bool tensor")
        expect_error(lambda: dist.all_gather([ember.zeros(3)], ember.zeros(3)), RuntimeError,
                     f"must be a list of {world} tensors")
        expect_error(lambda: dist.all_gather([ember.zeros(2)] * world, ember.zeros(3)), RuntimeError,
                     "invalid tensor size at index 0")
        expect_error(lambda: dist.all_gather([ember.zeros(3, dtype=ember.int64)] * world, ember.zeros(3)),
                     RuntimeError, "invalid tensor type")
        expect_error(lambda: dist.all_gather_into_tensor(ember.zeros(3), ember.zeros(3)), RuntimeError,
                     f"output must have {world} times the input's 3 elements")
        expect_error(lambda: dist.reduce_scatter_tensor(ember.zeros(3), ember.zeros(3)), RuntimeError,
                     f"input must have {world} times the output's 3 elements")
        expect_error(lambda: dist.broadcast(ember.zeros(3), src=world), ValueError, f"invalid src rank {world}")
        expect_error(lambda: dist.all_reduce([1, 2]), TypeError, "must be a Tensor")
        expect_error(lambda: dist.all_to_all_single(ember.zeros(world + 1), ember.zeros(world + 1)), RuntimeError,
                     "not divisible by the group size")
        expect_error(lambda: dist.init_process_group("mpi"), ValueError, "twice")

    @case("recv of a message of the wrong size raises")
    def _():
        if rank == 0:
            dist.send(ember.ones(5), 1)
        elif rank == 1:
            expect_error(lambda: dist.recv(ember.zeros(8), 0), RuntimeError, "has 5 elements but the tensor has 8")
        dist.barrier()

    @case("DistributedSampler defaults to the group's rank and size")
    def _():
        sampler = ember.utils.data.DistributedSampler(range(10), shuffle=False)
        assert sampler.rank == rank and sampler.num_replicas == world
        total = -(-10 // world) * world
        indices = list(range(10)) + list(range(total - 10))  # torch pads by wrapping around
        assert list(sampler) == indices[rank::world]
        shares = [None] * world
        dist.all_gather_object(shares, list(ember.utils.data.DistributedSampler(range(10), seed=3)))
        padded = sorted(sum(shares, []))
        assert set(padded) == set(range(10)) and len(padded) == len(sampler) * world

    return cases


def run_cases(cases, out_path):
    results = {}
    for name, fn in cases.items():
        try:
            fn()
            results[name] = "ok"
        except Exception:  # reported to the test, which fails the case
            results[name] = traceback.format_exc()
    with open(out_path, "w") as f:
        json.dump(results, f)


# --- the failure suites --------------------------------------------------------------------------

def timeout_suite(rank, out_path):
    """Rank 1 never joins the all_reduce; rank 0 must fail with a timeout, not hang."""
    if rank == 1:
        time.sleep(120)
        return
    start = time.monotonic()
    try:
        dist.all_reduce(ember.ones(4))
        outcome = "no error"
    except RuntimeError as error:
        outcome = str(error)
    try:
        dist.all_reduce(ember.ones(4))  # the group is unusable after a timeout
        later = "no error"
    except RuntimeError as error:
        later = str(error)
    with open(out_path, "w") as f:
        json.dump({"error": outcome, "elapsed": time.monotonic() - start, "later": later}, f)
    sys.stdout.flush()
    os._exit(1)  # as an uncaught error would: mpirun then stops the rank that hangs


def dead_rank_suite(rank, out_path):
    """Rank 1 dies before the collective; the others must not wait for it forever."""
    if rank == 1:
        os._exit(3)
    with open(out_path, "w") as f:
        json.dump({"started": time.time()}, f)
    dist.all_reduce(ember.ones(4))


def main():
    suite, out_dir = sys.argv[1], sys.argv[2]
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 120.0
    dist.init_process_group(backend="gloo" if suite == "collectives" else "mpi",
                            timeout=datetime.timedelta(seconds=timeout))
    rank, world = dist.get_rank(), dist.get_world_size()
    out_path = os.path.join(out_dir, f"{suite}.rank{rank}.json")
    if suite == "collectives":
        run_cases(collective_cases(rank, world), out_path)
    elif suite == "ddp":
        import ddp_cases
        run_cases(ddp_cases.cases(rank, world), out_path)
    elif suite == "timeout":
        timeout_suite(rank, out_path)
    elif suite == "dead_rank":
        dead_rank_suite(rank, out_path)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
