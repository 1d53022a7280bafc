"""REINFORCE on the iterated prisoner's dilemma (seed 000).

Each round both players cooperate (C) or defect (D). Penalties: C/C -1 each, D/D -2 each, and a lone
defector gets 0 while the cooperator gets -3. The agent sees the previous round (start, CC, CD, DC,
DD: its move then the opponent's) and keeps a softmax policy per state. After each episode it
follows theta <- theta + alpha * gamma^t * (G_t - b_t) * grad log pi(A_t | S_t), the seed's update
with a running-mean baseline b_t subtracted from the return. Against tit-for-tat the
best it can do is cooperate; against always-defect, defect.
"""
from common import TrainingLog, backend, parse_args

args = parse_args(__doc__)
torch = backend(args)
torch.manual_seed(args.seed)

C, D = 0, 1
STATES = ["start", "CC", "CD", "DC", "DD"]
REWARD = {(C, C): -1.0, (C, D): -3.0, (D, C): 0.0, (D, D): -2.0}  # (mine, theirs) -> my reward
OPPONENTS = {
    "tit-for-tat": lambda my_last: C if my_last is None else my_last,
    "always-defect": lambda my_last: D,
}


def state_index(my_last, their_last):
    return 0 if my_last is None else 1 + 2 * my_last + their_last


def play_episode(policy_logits, opponent, rounds):
    log_probs, rewards = [], []
    my_last = their_last = None
    for _ in range(rounds):
        dist = torch.distributions.Categorical(logits=policy_logits[state_index(my_last, their_last)])
        action = dist.sample()
        mine, theirs = int(action.item()), opponent(my_last)
        log_probs.append(dist.log_prob(action))
        rewards.append(REWARD[(mine, theirs)])
        my_last, their_last = mine, theirs
    return log_probs, rewards


def train(opponent, episodes, log, name, rounds=10, gamma=0.95, lr=0.05):
    logits = torch.zeros(len(STATES), 2, requires_grad=True)
    optimizer = torch.optim.SGD([logits], lr=lr)
    baselines = [0.0] * rounds  # running mean of the return at each step: less variance, same expectation
    for _ in log.progress(range(episodes), desc=f"episodes vs {name}", run=name):
        log_probs, rewards = play_episode(logits, opponent, rounds)
        returns, g = [], 0.0
        for r in reversed(rewards):
            g = r + gamma * g
            returns.insert(0, g)
        advantages = [g - b for g, b in zip(returns, baselines)]
        baselines = [0.9 * b + 0.1 * g for g, b in zip(returns, baselines)]
        loss = -sum((gamma ** t) * adv * lp for t, (adv, lp) in enumerate(zip(advantages, log_probs)))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        log.record(loss=loss.item(), score=sum(rewards))
    return torch.softmax(logits.detach(), 1)


log = TrainingLog(args)
episodes = 30 if args.quick else 1500
for name, opponent in OPPONENTS.items():
    policy = train(opponent, episodes, log, name)
    _, rewards = play_episode(torch.log(policy), opponent, 10)
    print(f"against {name}: P(cooperate) by previous round "
          + ", ".join(f"{s}={policy[i, C].item():.2f}" for i, s in enumerate(STATES))
          + f"; an episode with the learned policy scores {sum(rewards):.0f}")
log.plot("REINFORCE on the iterated prisoner's dilemma: loss and episode score")
