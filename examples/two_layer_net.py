"""A two-layer ReLU network on random data, twice (seed 004): by hand with tensors and autograd,
then with nn.Sequential and MSELoss(reduction='sum')."""
from common import TrainingLog, backend, parse_args

args = parse_args(__doc__)
torch = backend(args)
torch.manual_seed(args.seed)

N, D_in, H, D_out = 64, 1000, 100, 10
x = torch.randn(N, D_in)
y = torch.randn(N, D_out)
steps = 20 if args.quick else 500
log = TrainingLog(args)

# By hand: weights as tensors, gradients from autograd, the update under no_grad.
w1 = torch.randn(D_in, H, requires_grad=True)
w2 = torch.randn(H, D_out, requires_grad=True)
learning_rate = 1e-6
for t in log.progress(range(steps), desc="by hand", run="by hand"):
    y_pred = x.mm(w1).clamp(min=0).mm(w2)
    loss = (y_pred - y).pow(2).sum()
    log.record(loss=loss.item())
    if t % (steps // 5) == 0 or t == steps - 1:
        log.print(f"manual     step {t:3d}  loss {loss.item():.2f}")
    loss.backward()
    with torch.no_grad():
        w1 -= learning_rate * w1.grad
        w2 -= learning_rate * w2.grad
        w1.grad.zero_()
        w2.grad.zero_()

# With nn: the same network as a Sequential.
model = torch.nn.Sequential(torch.nn.Linear(D_in, H), torch.nn.ReLU(), torch.nn.Linear(H, D_out))
print(model)
loss_fn = torch.nn.MSELoss(reduction="sum")
learning_rate = 1e-4
for t in log.progress(range(steps), desc="nn.Sequential", run="nn.Sequential"):
    loss = loss_fn(model(x), y)
    log.record(loss=loss.item())
    if t % (steps // 5) == 0 or t == steps - 1:
        log.print(f"sequential step {t:3d}  loss {loss.item():.4f}")
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad
log.plot("two-layer ReLU network: sum-of-squares loss")
