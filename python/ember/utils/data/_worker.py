"""What runs inside a DataLoader worker process: the loop that turns index batches into collated
batches, and get_worker_info() for datasets that split their work across workers."""
import random
import sys
import traceback
from dataclasses import dataclass

import ember

_worker_info = None


@dataclass(frozen=True)
class WorkerInfo:
    id: int
    num_workers: int
    seed: int
    dataset: object


def get_worker_info():
    """This worker's WorkerInfo inside a DataLoader worker process; None in the main process."""
    return _worker_info


class ExceptionWrapper:
    """An exception raised in a worker, carried to the main process as its type and traceback text
    (exception objects themselves need not pickle)."""

    def __init__(self, worker_id):
        exc_type, _, _ = sys.exc_info()
        self.exc_type = exc_type
        self.message = (f"Caught {exc_type.__name__} in DataLoader worker process {worker_id}.\n"
                        f"Original {traceback.format_exc()}")

    def reraise(self):
        try:
            error = self.exc_type(self.message)
        except Exception:  # an exception type whose constructor wants other arguments
            error = RuntimeError(self.message)
        raise error


class IterableEnd:
    """The answer of a worker whose IterableDataset iterator is exhausted."""


@dataclass(frozen=True)
class LoaderSpec:
    """What a worker needs to know of its DataLoader."""
    dataset: object
    iterable: bool
    auto_batch: bool
    batch_size: object
    drop_last: bool
    collate_fn: object
    init_fn: object


def _next_iterable_batch(it, spec):
    if not spec.auto_batch:
        return spec.collate_fn(next(it))
    batch = []
    for sample in it:
        batch.append(sample)
        if len(batch) == spec.batch_size:
            break
    if not batch or (len(batch) < spec.batch_size and spec.drop_last):
        raise StopIteration
    return spec.collate_fn(batch)


def worker_loop(spec, index_queue, result_queue, worker_id, num_workers, seed):
    """Answers each task (epoch, send_idx, indices) from index_queue with (epoch, send_idx, data) on
    result_queue until it receives None. Each worker seeds ember and `random` with base_seed + id so
    that random augmentations differ between workers and repeat between runs."""
    global _worker_info
    ember.set_num_threads(1)  # the workers already keep the cores busy
    ember.manual_seed(seed)
    random.seed(seed)
    _worker_info = WorkerInfo(worker_id, num_workers, seed, spec.dataset)
    init_error = None
    try:
        if spec.init_fn is not None:
            spec.init_fn(worker_id)
    except Exception:
        init_error = ExceptionWrapper(worker_id)
    epoch_of_iterator, iterator = None, None  # this worker's pass over an IterableDataset
    while True:
        task = index_queue.get()
        if task is None:
            return
        epoch, send_idx, indices = task
        if init_error is not None:
            data = init_error
        else:
            try:
                if spec.iterable:
                    if epoch != epoch_of_iterator:
                        epoch_of_iterator, iterator = epoch, iter(spec.dataset)
                    data = _next_iterable_batch(iterator, spec)
                elif spec.auto_batch:
                    data = spec.collate_fn([spec.dataset[i] for i in indices])
                else:
                    data = spec.collate_fn(spec.dataset[indices])
            except StopIteration:
                data = IterableEnd()
            except Exception:
                data = ExceptionWrapper(worker_id)
        result_queue.put((epoch, send_idx, data))
