"""ember.distributed: torch.distributed's process groups and collectives over MPI (CPU tensors).
See distributed_c10d for the design; `python -m ember.distributed.run` launches processes."""
from ember.distributed.distributed_c10d import *  # noqa: F401,F403
from ember.distributed.distributed_c10d import is_available  # noqa: F401
from ember.distributed._objects import all_gather_object, broadcast_object_list  # noqa: F401
