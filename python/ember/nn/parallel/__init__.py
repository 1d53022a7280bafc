"""torch.nn.parallel for ember: DistributedDataParallel over ember.distributed."""
from ember.nn.parallel.distributed import DistributedDataParallel  # noqa: F401
