# REINFORCE on a two-armed bandit: a Categorical policy learns the better arm.
import json

import torch
from torch.distributions import Categorical

torch.manual_seed(0)
logits = torch.zeros(2, requires_grad=True)
optimizer = torch.optim.SGD([logits], lr=0.1)
rewards = torch.tensor([0.2, 1.0])
for episode in range(300):
    policy = Categorical(logits=logits)
    action = policy.sample()
    loss = -policy.log_prob(action) * rewards[action]
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
probs = torch.softmax(logits, 0).tolist()
policy = Categorical(probs=torch.tensor([0.25, 0.75]))
print("RESULT", json.dumps({"values": {"entropy": policy.entropy().item(),
                                       "log_prob": policy.log_prob(torch.tensor(1)).item()},
                            "checks": {"prefers_better_arm": probs[1] > 0.8}}))
