"""The perceptron and autograd on the seed's worked example (seed 002).

Part 1: u = a*w0 + b*w1, f = v*u, MSE against 10 gives dL/dw0 = -20, dL/dw1 = -30, dL/dv = -50.
Part 2: the perceptron training algorithm on two separable Gaussian blobs, labels +-1.
"""
from common import backend, parse_args

args = parse_args(__doc__)
torch = backend(args)
torch.manual_seed(args.seed)

a, b = torch.tensor(2.0), torch.tensor(3.0)
w0 = torch.tensor(1.0, requires_grad=True)
w1 = torch.tensor(1.0, requires_grad=True)
v = torch.tensor(1.0, requires_grad=True)
u = a * w0 + b * w1
f = v * u
loss = torch.nn.MSELoss()(f, torch.tensor(10.0))
loss.backward()
print(f"u = {u.item()}, f = {f.item()}, loss = {loss.item()}")
print(f"dL/dw0 = {w0.grad.item()}, dL/dw1 = {w1.grad.item()}, dL/dv = {v.grad.item()}")

n = 100
x = torch.cat([torch.randn(n, 2) + 2.5, torch.randn(n, 2) - 2.5])
x = torch.cat([x, torch.ones(2 * n, 1)], 1)  # bias feature
y = torch.cat([torch.ones(n), -torch.ones(n)])
w = torch.zeros(3)
epochs = 2 if args.quick else 10
for epoch in range(epochs):
    mistakes = 0
    for i in torch.randperm(2 * n).tolist():
        prediction = 1.0 if (w @ x[i]).item() >= 0 else -1.0
        if prediction != y[i].item():
            w += y[i] * x[i]
            mistakes += 1
    print(f"epoch {epoch}: {mistakes} mistakes")
    if mistakes == 0:
        break
accuracy = ((torch.where(x @ w >= 0, 1.0, -1.0) == y).float().mean().item())
print(f"perceptron weights {[round(t, 3) for t in w.tolist()]}, training accuracy {accuracy:.3f}")
