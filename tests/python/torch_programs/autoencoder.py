# An MLP autoencoder compressing 16-d points that lie near a 2-d plane, with a bottleneck of 2.
import json

import numpy as np
import torch
from torch import nn

rng = np.random.default_rng(4)
latent = rng.standard_normal((256, 2))
mixing = rng.standard_normal((2, 16))
data = torch.tensor(latent @ mixing + 0.05 * rng.standard_normal((256, 16)), dtype=torch.float32)


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 2))
        self.decoder = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 16))

    def forward(self, x):
        return self.decoder(self.encoder(x))


model = AutoEncoder()
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(rng.uniform(-0.4, 0.4, tuple(p.shape)), dtype=torch.float32))
optimizer = torch.optim.RMSprop(model.parameters(), lr=0.005)
losses = []
for step in range(150):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(data), data)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
codes = model.encoder(data)
print("RESULT", json.dumps({"values": {"loss_0": losses[0], "loss_10": losses[10]},
                            "tolerance": {"loss_10": 1e-3},
                            "checks": {"compresses": losses[-1] < 0.3 * losses[0],
                                       "code_shape": list(codes.shape) == [256, 2]}}))
