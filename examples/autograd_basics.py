"""Autograd basics with ember: gradients of small expressions, then a linear regression trained by
hand-written gradient descent. `--backend torch` runs the same code under PyTorch: same names, same
results.

    pip install . && python examples/autograd_basics.py
"""
import random

from common import backend, parse_args

args = parse_args(__doc__)
torch = backend(args)


def derivative_of_a_polynomial():
    # z = 2x² + 5x, so dz/dx = 4x + 5 = 13 at x = 2.
    x = torch.tensor(2.0, requires_grad=True)
    z = 2 * x * x + 5 * x
    z.backward()
    print(f"z = 2x*x + 5x at x = 2: z = {z.item():g}, dz/dx = {x.grad.item():g}  (expected 13)")
    assert x.grad.item() == 13.0


def gradients_through_a_graph():
    # f = (x + y) * z: df/dx = df/dy = z = -4 and df/dz = x + y = 3.
    x = torch.tensor(-2.0, requires_grad=True)
    y = torch.tensor(5.0, requires_grad=True)
    z = torch.tensor(-4.0, requires_grad=True)
    f = (x + y) * z
    f.backward()
    grads = [t.grad.item() for t in (x, y, z)]
    print(f"f = (x+y)*z at (-2, 5, -4): f = {f.item():g}, (df/dx, df/dy, df/dz) = {tuple(grads)}")
    assert f.item() == -12.0 and grads == [-4.0, -4.0, 3.0]


def linear_regression(epochs=100, lr=0.1):
    # Fit y ≈ w*x + b to noisy points on the line y = 3x + 2 by gradient descent on the mean
    # squared error, updating the parameters in place with autograd switched off.
    rng = random.Random(0)
    xs = [i / 50 - 1 for i in range(100)]
    x = torch.tensor(xs)
    y = torch.tensor([3 * v + 2 + rng.gauss(0, 0.1) for v in xs])
    w = torch.tensor(0.0, requires_grad=True)
    b = torch.tensor(0.0, requires_grad=True)
    for epoch in range(epochs):
        err = w * x + b - y
        loss = (err * err).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
        if epoch % 10 == 0 or epoch == epochs - 1:
            print(f"epoch {epoch:3d}  loss {loss.item():.5f}")
    print(f"fitted w = {w.item():.3f}, b = {b.item():.3f}  (true line: w = 3, b = 2)")
    assert abs(w.item() - 3) < 0.1 and abs(b.item() - 2) < 0.1


if __name__ == "__main__":
    derivative_of_a_polynomial()
    gradients_through_a_graph()
    linear_regression(epochs=60 if args.quick else 100)
