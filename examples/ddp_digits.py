"""examples/digits_mlp.py data-parallel: every process trains a replica of the digits MLP on its
share of each batch (DistributedSampler) and DistributedDataParallel averages the gradients, so
N processes with a per-process batch of 32/N take the same steps as one process with 32.
After each step the processes compare their parameters: they must be bitwise equal.

    python -m ember.distributed.run --nproc-per-node 2 examples/ddp_digits.py
    mpirun -n 2 python examples/ddp_digits.py        (or torchrun ... --backend torch)
    python examples/ddp_digits.py                    (one process: the reference)
"""
import os
import tempfile

from common import TrainingLog, backend, parse_args
from digits import accuracy, load_digits

args = parse_args(__doc__, global_batch=dict(type=int, default=32, help="batch size summed over processes"))
torch = backend(args)
nn, dist = torch.nn, torch.distributed

if "WORLD_SIZE" in os.environ or "OMPI_COMM_WORLD_SIZE" in os.environ:
    dist.init_process_group(backend="gloo")  # ember: an alias of its MPI backend
else:  # started as a plain program: a world of one (torch needs a rendezvous even then)
    rendezvous = os.path.join(tempfile.mkdtemp(), "rendezvous")
    dist.init_process_group(backend="gloo", init_method="file://" + rendezvous, rank=0, world_size=1)
rank, world = dist.get_rank(), dist.get_world_size()
if args.global_batch % world:
    raise SystemExit(f"--global-batch {args.global_batch} must be divisible by the {world} processes")

torch.manual_seed(args.seed + rank)  # different initial weights: DDP's broadcast makes them rank 0's
x_train, y_train, x_test, y_test = load_digits(torch, args.seed)
x_train, x_test = x_train.reshape(-1, 64), x_test.reshape(-1, 64)
model = nn.parallel.DistributedDataParallel(nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10)))
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
train_set = torch.utils.data.TensorDataset(x_train, y_train)
sampler = torch.utils.data.DistributedSampler(train_set, shuffle=True, seed=args.seed)
loader = torch.utils.data.DataLoader(train_set, batch_size=args.global_batch // world, sampler=sampler)


def parameters_equal_across_ranks():
    """Gathers every rank's flattened parameters and compares them bit for bit with this rank's."""
    with torch.no_grad():
        flat = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
        copies = [torch.empty_like(flat) for _ in range(world)]
        dist.all_gather(copies, flat)
        return all(torch.equal(copy, flat) for copy in copies)


epochs = 2 if args.quick else 30
log = TrainingLog(args)
steps = unequal_steps = 0
for epoch in (log.progress(range(epochs), desc="epochs") if rank == 0 else range(epochs)):
    sampler.set_epoch(epoch)  # the same new shuffle on every rank
    for xb, yb in loader:
        loss = loss_fn(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        steps += 1
        unequal_steps += not parameters_equal_across_ranks()
    if rank == 0 and (epoch % 10 == 9 or epoch == epochs - 1):
        print(f"epoch {epoch + 1:2d}  loss {loss.item():.4f}  test accuracy {accuracy(torch, model, x_test, y_test):.4f}")

if rank == 0:
    verdict = "bitwise equal" if unequal_steps == 0 else f"DIFFERENT after {unequal_steps} steps"
    print(f"parameters across {world} processes: {verdict} after each of {steps} steps")
    print(f"held-out accuracy: {accuracy(torch, model, x_test, y_test):.4f} on {len(y_test)} digits")
dist.destroy_process_group()
if unequal_steps:
    raise SystemExit(1)
