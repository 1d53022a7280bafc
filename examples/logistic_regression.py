"""Logistic regression on hours studied -> pass/fail (seed 001): Linear(1, 1), sigmoid, BCELoss, SGD."""
from common import TrainingLog, backend, parse_args

args = parse_args(__doc__)
torch = backend(args)
F = torch.nn.functional
Variable = torch.autograd.Variable  # the old tutorials' spelling still works

torch.manual_seed(args.seed)
x_data = Variable(torch.Tensor([[1.0], [2.0], [3.0], [4.0]]))
y_data = Variable(torch.Tensor([[0.0], [0.0], [1.0], [1.0]]))


class Model(torch.nn.Module):
    def __init__(self):
        super(Model, self).__init__()
        self.linear = torch.nn.Linear(1, 1)  # one in and one out

    def forward(self, x):
        return F.sigmoid(self.linear(x))


model = Model()
criterion = torch.nn.BCELoss(size_average=True)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

log = TrainingLog(args)
epochs = 50 if args.quick else 1000
for epoch in log.progress(range(epochs), desc="training"):
    y_pred = model(x_data)
    loss = criterion(y_pred, y_data)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    log.record(loss=loss.item())
    if epoch % (epochs // 5) == 0:
        log.print(f"epoch {epoch:4d}  loss {loss.item():.4f}")

print(f"final loss {loss.item():.4f}")
for hours in (1.0, 7.0):
    p = model(torch.Tensor([[hours]])).item()
    print(f"predict {hours:.0f} hour(s): P(pass) = {p:.3f} -> {'pass' if p > 0.5 else 'fail'}")
log.plot("logistic regression: BCE loss")
