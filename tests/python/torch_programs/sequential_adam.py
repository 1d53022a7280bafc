# nn.Sequential regression of sin(x) with Adam and a StepLR schedule.
import json
import math

import torch
from torch import nn

torch.manual_seed(0)
x = torch.linspace(-math.pi, math.pi, 200).unsqueeze(1)
y = torch.sin(x)
model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1))
with torch.no_grad():
    for i, p in enumerate(model.parameters()):
        p.copy_(torch.cos(torch.arange(p.numel(), dtype=torch.float32) * (i + 1.3)).reshape(p.shape) * 0.5)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=100, gamma=0.5)
loss_fn = nn.MSELoss()
losses = []
for step in range(300):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    scheduler.step()
    losses.append(loss.item())
print("RESULT", json.dumps({"values": {"loss_0": losses[0], "loss_20": losses[20], "lr": scheduler.get_last_lr()[0]},
                            "tolerance": {"loss_20": 1e-3},
                            "checks": {"fits": losses[-1] < 0.01}}))
