"""Maximum likelihood for a biased coin by gradient descent (seed 000).

theta = sigmoid(w) keeps the probability in (0, 1); we maximise the log-likelihood
sum_i t_i log(theta) + (1 - t_i) log(1 - theta) and compare with the closed form mean(t).
"""
from common import TrainingLog, backend, parse_args

args = parse_args(__doc__)
torch = backend(args)
torch.manual_seed(args.seed)

tosses = torch.bernoulli(torch.full((100,), 0.7))  # a coin with P(heads) = 0.7
w = torch.zeros(1, requires_grad=True)
optimizer = torch.optim.SGD([w], lr=0.05)
log = TrainingLog(args)
steps = 30 if args.quick else 300
for step in log.progress(range(steps), desc="gradient descent"):
    theta = torch.sigmoid(w)
    log_likelihood = (tosses * torch.log(theta) + (1 - tosses) * torch.log(1 - theta)).sum()
    optimizer.zero_grad()
    (-log_likelihood).backward()
    optimizer.step()
    log.record(loss=-log_likelihood.item())

print(f"heads observed: {int(tosses.sum().item())} of {tosses.numel()}")
print(f"theta by gradient descent: {torch.sigmoid(w).item():.4f}")
print(f"theta in closed form:      {tosses.mean().item():.4f}")
log.plot("coin MLE: negative log-likelihood")
