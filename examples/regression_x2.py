"""Fit y = x^2 + noise with a 1-10-1 ReLU network (seed 004), and plot the fit."""
from common import TrainingLog, backend, parse_args

args = parse_args(__doc__)
torch = backend(args)
F = torch.nn.functional
torch.manual_seed(args.seed)

x = torch.unsqueeze(torch.linspace(-1, 1, 100), dim=1)  # shape (100, 1)
y = x.pow(2) + 0.2 * torch.rand(x.size())


class Net(torch.nn.Module):
    def __init__(self, n_feature, n_hidden, n_output):
        super(Net, self).__init__()
        self.hidden = torch.nn.Linear(n_feature, n_hidden)
        self.predict = torch.nn.Linear(n_hidden, n_output)

    def forward(self, x):
        return self.predict(F.relu(self.hidden(x)))


net = Net(n_feature=1, n_hidden=10, n_output=1)
print(net)
optimizer = torch.optim.SGD(net.parameters(), lr=0.2)
loss_func = torch.nn.MSELoss()
log = TrainingLog(args)
steps = 20 if args.quick else 1000
for t in log.progress(range(steps), desc="fitting"):
    prediction = net(x)
    loss = loss_func(prediction, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    log.record(loss=loss.item())
print(f"final MSE {loss.item():.5f} (the noise alone, 0.2 * U(0, 1) less its mean, gives {0.04 / 12:.5f})")



def draw_fit(ax):
    ax.scatter(x.numpy(), y.numpy(), s=8, label="data")
    ax.plot(x.numpy(), prediction.detach().numpy(), "r-", lw=2, label="network")
    ax.legend()
    ax.set_title(f"y = x^2 + noise, MSE {loss.item():.4f}")


log.plot("1-10-1 ReLU network: the fit and its MSE loss", extra_panel=draw_fit)
