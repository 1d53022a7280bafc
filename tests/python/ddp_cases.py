"""DistributedDataParallel cases for distributed_worker.py's "ddp" suite. Every rank builds the
same global batch and takes its share; the reference is one model (rank 0's initial weights, which
DDP broadcasts) on the concatenated batch, computed locally."""
import copy

import numpy as np

import ember
import ember.distributed as dist
from ember import nn
from ember.nn.parallel import DistributedDataParallel as DDP

ROWS_PER_RANK = 4


def make_model(seed):
    ember.manual_seed(seed)
    return nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3)).double()


def global_batch(step, world):
    rng = np.random.default_rng(100 + step)
    x = rng.standard_normal((ROWS_PER_RANK * world, 8))
    y = rng.standard_normal((ROWS_PER_RANK * world, 3))
    return ember.from_numpy(x), ember.from_numpy(y)


def share(tensor, rank):
    return tensor[rank * ROWS_PER_RANK:(rank + 1) * ROWS_PER_RANK]


def loss_of(model, x, y):
    return ((model(x) - y) ** 2).mean()


def reference_grads(steps, world):
    """Gradients of rank 0's initial model, summed over the given steps' full batches."""
    model = make_model(0)
    for step in steps:
        loss_of(model, *global_batch(step, world)).backward()
    return [p.grad.numpy() for p in model.parameters()]


def assert_grads(ddp, expected):
    for p, e in zip(ddp.module.parameters(), expected):
        np.testing.assert_allclose(p.grad.numpy(), e, rtol=1e-10, atol=1e-12)


def gathered(tensor):
    world = dist.get_world_size()
    out = [ember.zeros_like(tensor) for _ in range(world)]
    dist.all_gather(out, tensor.detach().contiguous())
    return [o.numpy() for o in out]


def cases(rank, world):
    result = {}

    def case(name):
        def register(fn):
            result[name] = fn
            return fn
        return register

    @case("wrapping broadcasts rank 0's parameters")
    def _():
        ddp = DDP(make_model(seed=rank))  # a different init on every rank
        reference = make_model(0)
        for p, r in zip(ddp.module.parameters(), reference.parameters()):
            np.testing.assert_array_equal(p.detach().numpy(), r.detach().numpy())

    @case("gradients equal the single-process gradient of the concatenated batch")
    def _():
        ddp = DDP(make_model(seed=rank))
        x, y = global_batch(0, world)
        loss_of(ddp, share(x, rank), share(y, rank)).backward()
        assert_grads(ddp, reference_grads([0], world))

    @case("many small buckets give the same gradients")
    def _():
        ddp = DDP(make_model(seed=rank), bucket_cap_mb=0.0002)
        assert len(ddp._buckets) == 3  # one per Linear: [bias, weight] each reaches the cap
        x, y = global_batch(0, world)
        loss_of(ddp, share(x, rank), share(y, rank)).backward()
        assert_grads(ddp, reference_grads([0], world))

    @case("no_sync accumulates locally, the next synced backward averages the sums")
    def _():
        ddp = DDP(make_model(seed=rank))
        for step in (0, 1):
            with ddp.no_sync():
                x, y = global_batch(step, world)
                loss_of(ddp, share(x, rank), share(y, rank)).backward()
        local = ddp.module[0].weight.grad
        copies = gathered(local)
        assert not np.array_equal(copies[0], copies[1]), "no_sync gradients were reduced"
        x, y = global_batch(2, world)
        loss_of(ddp, share(x, rank), share(y, rank)).backward()
        assert_grads(ddp, reference_grads([0, 1, 2], world))

    @case("parameters stay bitwise equal across ranks through optimizer steps")
    def _():
        ddp = DDP(make_model(seed=rank), bucket_cap_mb=0.001)
        optimizer = ember.optim.Adam(ddp.parameters(), lr=1e-2)
        for step in range(4):
            x, y = global_batch(step, world)
            optimizer.zero_grad()
            loss_of(ddp, share(x, rank), share(y, rank)).backward()
            optimizer.step()
            for p in ddp.parameters():
                copies = gathered(p)
                for other in copies[1:]:
                    np.testing.assert_array_equal(copies[0], other)

    @case("find_unused_parameters: unused everywhere keeps grad None, unused here gets the average")
    def _():
        class TwoHeads(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Linear(4, 4).double()
                self.head_a = nn.Linear(4, 1).double()
                self.head_b = nn.Linear(4, 1).double()
                self.never = nn.Linear(4, 1).double()

            def forward(self, x, use_b):
                h = self.body(x)
                return self.head_a(h) + (self.head_b(h) if use_b else 0)

        ember.manual_seed(0)
        model = TwoHeads()
        reference = copy.deepcopy(model)
        ddp = DDP(model, find_unused_parameters=True)
        x = ember.arange(8.0, dtype=ember.float64).reshape(2, 4) / 8
        ddp(x + rank, use_b=rank == 0).sum().backward()
        assert model.never.weight.grad is None and model.never.bias.grad is None
        # reference: the average over ranks of each rank's gradient (zero where a head is unused)
        grads = {}
        for r in range(world):
            reference.zero_grad(set_to_none=True)
            reference(x + r, use_b=r == 0).sum().backward()
            for name, p in reference.named_parameters():
                if p.grad is not None:
                    grads[name] = grads.get(name, 0) + p.grad.numpy() / world
        for name, p in model.named_parameters():
            if name.startswith("never"):
                continue
            np.testing.assert_allclose(p.grad.numpy(), grads[name], rtol=1e-12)

    @case("an unused parameter without find_unused_parameters raises at the next forward")
    def _():
        class Partial(nn.Module):
            def __init__(self):
                super().__init__()
                self.used = nn.Linear(2, 2)
                self.unused = nn.Linear(2, 2)

            def forward(self, x):
                return self.used(x)

        ddp = DDP(Partial(), bucket_cap_mb=0.00001)
        ddp(ember.ones(1, 2)).sum().backward()
        try:
            ddp(ember.ones(1, 2))
        except RuntimeError as error:
            assert "Expected to have finished reduction in the prior iteration" in str(error)
        else:
            raise AssertionError("expected a RuntimeError")

    @case("module attribute, state_dict keys, eval forward")
    def _():
        inner = make_model(0)
        ddp = DDP(inner)
        assert ddp.module is inner
        assert list(ddp.state_dict()) == ["module." + k for k in inner.state_dict()]
        with ember.no_grad():
            out = ddp(ember.ones(2, 8, dtype=ember.float64))
        assert out.shape == (2, 3)
        x, y = global_batch(0, world)  # a no_grad forward leaves the next iteration intact
        loss_of(ddp, share(x, rank), share(y, rank)).backward()
        assert_grads(ddp, reference_grads([0], world))

    @case("buffers are broadcast from rank 0")
    def _():
        model = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))
        model[1].running_mean.fill_(float(rank))
        ddp = DDP(model)
        assert model[1].running_mean.tolist() == [0.0, 0.0, 0.0]
        ddp.train()
        ddp(ember.ones(4, 3) * (rank + 1))
        model[1].running_mean.fill_(float(rank + 5))
        ddp(ember.ones(4, 3)).sum()  # broadcast_buffers: rank 0's buffers before each forward
        values = gathered(model[1].running_mean)
        np.testing.assert_array_equal(values[0], values[-1])

    @case("DDP argument errors")
    def _():
        for kwargs, fragment in [({"device_ids": [0]}, "device_ids and output_device must be None")]:
            try:
                DDP(make_model(0), **kwargs)
            except ValueError as error:
                assert fragment in str(error)
            else:
                raise AssertionError(f"expected ValueError for {kwargs}")
        frozen = nn.Linear(2, 2)
        frozen.requires_grad_(False)
        try:
            DDP(frozen)
        except RuntimeError as error:
            assert "doesn't have any parameter that requires a gradient" in str(error)
        else:
            raise AssertionError("expected RuntimeError for a module without trainable parameters")

    return result
