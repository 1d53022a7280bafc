"""DistributedDataParallel: one model replica per process, gradients averaged across processes.

At wrap time rank 0's parameters and buffers are broadcast, so every replica starts equal. The
parameters are split into buckets (reverse registration order, which is roughly the order backward
produces gradients; one dtype per bucket; the first 1 MB, then bucket_cap_mb each, as PyTorch).
A post-accumulate-grad hook marks a parameter ready; when all of a bucket's parameters are, its
gradients are flattened and all-reduced asynchronously, so communication runs on the MPI worker
thread while backward computes the next buckets. Buckets are launched strictly in bucket order,
the same on every rank (collectives must match across ranks). The hook that readies the last
bucket waits for all of them and writes the averaged gradients back into .grad.
"""
import contextlib

import ember
import ember.distributed as dist
from ember.nn.modules.module import Module

__all__ = ["DistributedDataParallel"]

_FIRST_BUCKET_BYTES = 1024 * 1024  # PyTorch's dist._DEFAULT_FIRST_BUCKET_BYTES


class _Bucket:
    """Parameters whose gradients are all-reduced together as one flat tensor."""

    def __init__(self, params):
        self.params = params
        self.ready = 0
        self.flat = None
        self.work = None


def _output_tensors(value):
    if isinstance(value, ember.Tensor):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _output_tensors(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _output_tensors(item)


def _reachable_leaves(outputs):
    """ids of the leaf tensors whose AccumulateGrad nodes the outputs' graph reaches."""
    leaves, seen = set(), set()
    visited = []  # node wrappers are made on access: holding them keeps their ids unique
    stack = [t.grad_fn for t in _output_tensors(outputs) if t.grad_fn is not None]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        visited.append(node)
        variable = getattr(node, "variable", None)
        if variable is not None:
            leaves.add(id(variable))
        stack.extend(next_node for next_node, _ in node.next_functions)
    return leaves


class DistributedDataParallel(Module):
    """torch.nn.parallel.DistributedDataParallel for CPU modules over ember.distributed.

    device_ids and output_device must be None (ember's process groups carry CPU tensors);
    gradient_as_bucket_view and static_graph are accepted and change nothing here.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False, delay_all_reduce_named_params=None,
                 param_to_hook_all_reduce=None, mixed_precision=None, device_mesh=None):
        super().__init__()
        if device_ids or output_device is not None:
            raise ValueError("DistributedDataParallel: device_ids and output_device must be None for CPU modules "
                             "(ember's distributed backends carry CPU tensors)")
        self.module = module
        self.process_group = process_group if process_group is not None else dist.distributed_c10d._world()
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        self.dim = dim
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        self._params = [p for p in module.parameters() if p.requires_grad]
        if not self._params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter "
                               "that requires a gradient.")
        self._sync_module_states()
        self._buckets = self._make_buckets()
        self._bucket_of = {id(p): (bucket, index) for bucket in self._buckets for index, p in enumerate(bucket.params)}
        self._hooks = [p.register_post_accumulate_grad_hook(self._grad_ready) for p in self._params]
        self._expect_reduction = False  # set by a forward that will be followed by a synced backward
        self._next_bucket = 0
        self._locally_used = None

    # --- setup -----------------------------------------------------------------------------------

    def _sync_module_states(self):
        """Every rank starts from rank 0's parameters and buffers."""
        with ember.no_grad():
            for tensor in list(self.module.parameters()) + list(self.module.buffers()):
                dist.broadcast(tensor.detach(), src=self.process_group._ranks[0], group=self.process_group)

    def _make_buckets(self):
        buckets, current, current_bytes, cap = [], [], 0, min(_FIRST_BUCKET_BYTES, self.bucket_bytes_cap)
        for p in reversed(self._params):
            if current and (p.dtype != current[0].dtype or current_bytes >= cap):
                buckets.append(_Bucket(current))
                current, current_bytes, cap = [], 0, self.bucket_bytes_cap
            current.append(p)
            current_bytes += p.numel() * p.element_size()
        buckets.append(_Bucket(current))
        return buckets

    # --- forward: prepare the reduction ------------------------------------------------------------

    def forward(self, *inputs, **kwargs):
        if self._expect_reduction and (self._next_bucket > 0 or self._any_ready()):
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a new one. This error "
                "indicates that your module has parameters that were not used in producing loss. You can enable "
                "unused parameter detection by passing the keyword argument `find_unused_parameters=True` to "
                "`torch.nn.parallel.DistributedDataParallel`, and by making sure all `forward` function outputs "
                "participate in calculating loss.")
        sync = ember.is_grad_enabled() and self.require_backward_grad_sync
        if sync and self.broadcast_buffers:
            with ember.no_grad():
                for buffer in self.module.buffers():
                    dist.broadcast(buffer, src=self.process_group._ranks[0], group=self.process_group)
        output = self.module(*inputs, **kwargs)
        self._expect_reduction = sync
        if sync:
            self._reset_buckets()
            if self.find_unused_parameters:
                self._mark_unused(output)
        return output

    def _any_ready(self):
        return any(bucket.ready for bucket in self._buckets)

    def _reset_buckets(self):
        for bucket in self._buckets:
            bucket.ready, bucket.flat, bucket.work = 0, None, None
        self._next_bucket = 0
        self._locally_used = None

    def _mark_unused(self, output):
        """Parameters the output does not depend on are ready now (their share is zeros); which
        ones were used anywhere is all-reduced with the last bucket."""
        reachable = _reachable_leaves(output)
        self._locally_used = ember.tensor([id(p) in reachable for p in self._params], dtype=ember.int32)
        for p in self._params:
            if id(p) not in reachable:
                self._grad_ready(p)

    # --- backward: launch buckets as they fill -----------------------------------------------------

    def _grad_ready(self, param):
        if not self._expect_reduction:
            return  # no_sync(), or a backward without a preceding synced forward
        bucket, _ = self._bucket_of[id(param)]
        bucket.ready += 1
        if bucket.ready > len(bucket.params):
            raise RuntimeError("DistributedDataParallel: a parameter was marked ready twice in one iteration "
                               "(backward through the same forward twice needs a new forward)")
        while self._next_bucket < len(self._buckets) and \
                self._buckets[self._next_bucket].ready == len(self._buckets[self._next_bucket].params):
            self._launch(self._buckets[self._next_bucket])
            self._next_bucket += 1
        if self._next_bucket == len(self._buckets):
            self._finish_reduction()

    def _launch(self, bucket):
        with ember.no_grad():
            parts = [(p.grad if p.grad is not None else ember.zeros_like(p)).reshape(-1) for p in bucket.params]
            bucket.flat = ember.cat(parts)
        bucket.work = dist.all_reduce(bucket.flat, group=self.process_group, async_op=True)

    def _finish_reduction(self):
        self._expect_reduction = False
        used = None
        if self._locally_used is not None:
            used = self._locally_used.clone()
            dist.all_reduce(used, group=self.process_group)
            used = used.tolist()
        world = self.process_group.size()
        index = {id(p): i for i, p in enumerate(self._params)} if used is not None else None
        with ember.no_grad():
            for bucket in self._buckets:
                bucket.work.wait()
                bucket.flat.div_(world)
                offset = 0
                for p in bucket.params:
                    averaged = bucket.flat[offset:offset + p.numel()].reshape(p.shape)
                    offset += p.numel()
                    if used is not None and not used[index[id(p)]]:
                        continue  # unused on every rank: its .grad stays as it was
                    if p.grad is None:
                        p.grad = averaged.clone()
                    else:
                        p.grad.copy_(averaged)
                bucket.flat, bucket.work, bucket.ready = None, None, 0
        self._next_bucket = 0

    @contextlib.contextmanager
    def no_sync(self):
        """Backward passes inside accumulate gradients locally; the first synced backward after
        it all-reduces the accumulated sums."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous
