"""Fit y = x^2 + noise with a 1-10-1 ReLU network (seed 004), and plot the fit."""
from common import backend, parse_args, progress, pyplot

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
steps = 20 if args.quick else 1000
for t in progress(range(steps), desc="fitting"):
    prediction = net(x)
    loss = loss_func(prediction, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"final MSE {loss.item():.5f} (the noise alone, 0.2 * U(0, 1) less its mean, gives {0.04 / 12:.5f})")

plt = pyplot() if args.plot else None
if plt:
    plt.scatter(x.numpy(), y.numpy(), s=8, label="data")
    plt.plot(x.numpy(), prediction.detach().numpy(), "r-", lw=2, label="network")
    plt.legend()
    plt.title(f"y = x^2 + noise, MSE {loss.item():.4f}")
    plt.savefig(args.plot)
    print(f"saved {args.plot}")
