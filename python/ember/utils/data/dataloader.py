"""DataLoader: batches of samples from a dataset, collated into tensors."""
import collections.abc
import itertools
import multiprocessing
import numbers
import queue
import time

import numpy as np

import ember
from ember.utils.data._worker import ExceptionWrapper, IterableEnd, LoaderSpec, worker_loop
from ember.utils.data.dataset import IterableDataset
from ember.utils.data.sampler import BatchSampler, RandomSampler, SequentialSampler


def default_collate(batch):
    """Stacks a list of samples into a batch: tensors, NumPy arrays and numbers become tensors with a
    leading batch dimension; tuples, lists and dicts are collated field by field."""
    elem = batch[0]
    if isinstance(elem, ember.Tensor):
        return ember.stack(batch, 0)
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OUS":
            raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
                            f"lists; found {elem.dtype}")
        return ember.stack([ember.as_tensor(b) for b in batch], 0)
    if isinstance(elem, np.generic):
        return ember.tensor(np.array(batch))
    if isinstance(elem, bool):
        return ember.tensor(batch)
    if isinstance(elem, float):
        return ember.tensor(batch, dtype=ember.float64)
    if isinstance(elem, numbers.Integral):
        return ember.tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(e) != len(elem) for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(samples) for samples in zip(*batch)]  # a list even for tuples, as PyTorch
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                    f"found {type(elem)}")


def default_convert(data):
    """What collate does without batching (batch_size=None), as torch's: NumPy arrays (not of
    strings or objects) and NumPy scalars become tensors, containers are converted element-wise;
    a plain tuple becomes a list, as in torch."""
    if isinstance(data, np.ndarray):
        return data if data.dtype.kind in "SaUO" else ember.as_tensor(data)
    if isinstance(data, (np.bool_, np.number)):
        return ember.as_tensor(data)
    if isinstance(data, dict):
        return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # a namedtuple keeps its type
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, list):
        return [default_convert(d) for d in data]
    return data


class DataLoader:
    """Iterates over a dataset in batches.

    With num_workers > 0, worker processes load and collate the batches (prefetch_factor batches
    ahead per worker) and the loader yields them in sampler order, as PyTorch's does.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None,
                 persistent_workers=False, pin_memory_device=""):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 "
                             "to enable multiprocessing, otherwise set prefetch_factor to None.")
        if prefetch_factor is not None and prefetch_factor < 1:
            raise ValueError(f"prefetch_factor should be a positive integer, but got {prefetch_factor}")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self.dataset, self.num_workers, self.generator = dataset, num_workers, generator
        self.pin_memory, self.timeout, self.worker_init_fn = pin_memory, timeout, worker_init_fn
        self.prefetch_factor = 2 if num_workers > 0 and prefetch_factor is None else prefetch_factor
        self.persistent_workers = persistent_workers
        self.multiprocessing_context = multiprocessing_context
        self._workers = None  # the live worker pool when persistent_workers keeps it between epochs
        iterable = isinstance(dataset, IterableDataset)
        if iterable and (shuffle or sampler is not None or batch_sampler is not None):
            raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle/sampler/batch_sampler")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                             "drop_last")
        if sampler is None and not iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size, self.drop_last = batch_size, drop_last
        self.sampler, self.batch_sampler = sampler, batch_sampler
        auto_batch = batch_sampler is not None or (iterable and batch_size is not None)
        self.collate_fn = collate_fn or (default_collate if auto_batch else default_convert)
        self._auto_batch = auto_batch

    def __iter__(self):
        # Drawn with or without workers, as PyTorch does, so that a seeded generator shuffles the
        # same way whatever num_workers is.
        base_seed = int(ember.empty((), dtype=ember.int64).random_(generator=self.generator).item())
        if self.num_workers > 0:
            return self._iter_workers(base_seed)
        return self._iter_in_process()

    def _iter_workers(self, base_seed):
        workers = self._workers or _WorkerPool(self, base_seed)
        self._workers = workers if self.persistent_workers else None
        return workers.epoch(self)

    def _iter_in_process(self):
        if isinstance(self.dataset, IterableDataset):
            yield from self._iter_iterable()
        elif self.batch_sampler is not None:
            for indices in self.batch_sampler:
                yield self.collate_fn([self.dataset[i] for i in indices])
        else:
            for i in self.sampler:
                yield self.collate_fn(self.dataset[i])

    def _iter_iterable(self):
        if not self._auto_batch:
            for sample in self.dataset:
                yield self.collate_fn(sample)
            return
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler) if self.batch_sampler is not None else len(self.sampler)


class _WorkerPool:
    """The worker processes of one DataLoader, their task queues and the shared result queue.

    Tasks carry an epoch number so that a new epoch (persistent_workers) ignores the answers still
    in flight from an epoch the user left early."""

    _POLL_SECONDS = 5.0  # how often a waiting loader checks that its workers are still alive

    def __init__(self, loader, base_seed):
        context = loader.multiprocessing_context
        if context is None or isinstance(context, str):
            context = multiprocessing.get_context(context)
        spec = LoaderSpec(loader.dataset, isinstance(loader.dataset, IterableDataset), loader._auto_batch,
                          loader.batch_size, loader.drop_last, loader.collate_fn, loader.worker_init_fn)
        self.results = context.Queue()
        self.task_queues, self.processes = [], []
        for worker_id in range(loader.num_workers):
            tasks = context.Queue()
            process = context.Process(target=worker_loop, daemon=True,
                                      args=(spec, tasks, self.results, worker_id, loader.num_workers,
                                            base_seed + worker_id))
            process.start()
            self.task_queues.append(tasks)
            self.processes.append(process)
        self.epoch_number = 0
        self.persistent = loader.persistent_workers

    def epoch(self, loader):
        """Yields one epoch of batches in order, keeping prefetch_factor tasks per worker in flight."""
        self.epoch_number += 1
        epoch, n_workers = self.epoch_number, len(self.processes)
        iterable = isinstance(loader.dataset, IterableDataset)
        if iterable:
            task_indices = itertools.repeat(None)  # one "next batch" request after another
        elif loader.batch_sampler is not None:
            task_indices = iter(loader.batch_sampler)
        else:
            task_indices = iter(loader.sampler)
        active = [True] * n_workers
        owner, pending = {}, {}  # send_idx -> worker id; received but not yet yielded answers
        send_idx = rcvd_idx = 0
        next_worker = 0

        def dispatch():
            nonlocal send_idx, next_worker
            if not any(active):
                return False
            indices = next(task_indices, IterableEnd)
            if indices is IterableEnd:
                return False
            while not active[next_worker]:
                next_worker = (next_worker + 1) % n_workers
            self.task_queues[next_worker].put((epoch, send_idx, indices))
            owner[send_idx] = next_worker
            send_idx += 1
            next_worker = (next_worker + 1) % n_workers
            return True

        try:
            for _ in range(loader.prefetch_factor * n_workers):
                if not dispatch():
                    break
            while rcvd_idx < send_idx:
                while rcvd_idx not in pending:
                    answer_epoch, idx, data = self._get(loader.timeout)
                    if answer_epoch == epoch:
                        pending[idx] = data
                data = pending.pop(rcvd_idx)
                worker = owner.pop(rcvd_idx)
                rcvd_idx += 1
                if isinstance(data, IterableEnd):
                    active[worker] = False
                    dispatch()
                    continue
                dispatch()
                if isinstance(data, ExceptionWrapper):
                    data.reraise()
                yield data
        finally:
            if not self.persistent:
                self.shutdown()

    def _get(self, timeout):
        """The next answer from any worker; raises if a worker died or `timeout` seconds passed."""
        deadline = time.monotonic() + timeout if timeout > 0 else None
        while True:
            wait = self._POLL_SECONDS if deadline is None else min(self._POLL_SECONDS, deadline - time.monotonic())
            try:
                return self.results.get(timeout=max(wait, 0.0))
            except queue.Empty:
                dead = [str(p.pid) for p in self.processes if not p.is_alive()]
                if dead:
                    self.shutdown()
                    raise RuntimeError(f"DataLoader worker (pid(s) {', '.join(dead)}) exited unexpectedly")
                if deadline is not None and time.monotonic() >= deadline:
                    self.shutdown()
                    raise RuntimeError(f"DataLoader timed out after {timeout} seconds")

    def shutdown(self):
        for tasks, process in zip(self.task_queues, self.processes):
            if process.is_alive():
                tasks.put(None)
        for process in self.processes:
            process.join(timeout=self._POLL_SECONDS)
            if process.is_alive():
                process.terminate()
        for q in self.task_queues + [self.results]:
            q.cancel_join_thread()
            q.close()
        self.task_queues, self.processes = [], []

    def __del__(self):
        if getattr(self, "processes", None):
            self.shutdown()
