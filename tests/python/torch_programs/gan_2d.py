# A GAN on 2-d points from a ring: generator and discriminator MLPs, BCEWithLogitsLoss, two Adams.
import json
import math

import numpy as np
import torch
from torch import nn

rng = np.random.default_rng(5)
angles = rng.uniform(0, 2 * math.pi, 512)
real = torch.tensor(np.stack([np.cos(angles), np.sin(angles)], 1) * 2.0, dtype=torch.float32)
G = nn.Sequential(nn.Linear(4, 32), nn.LeakyReLU(0.2), nn.Linear(32, 2))
D = nn.Sequential(nn.Linear(2, 32), nn.LeakyReLU(0.2), nn.Linear(32, 1))
with torch.no_grad():
    for p in list(G.parameters()) + list(D.parameters()):
        p.copy_(torch.tensor(rng.uniform(-0.3, 0.3, tuple(p.shape)), dtype=torch.float32))
opt_g = torch.optim.Adam(G.parameters(), lr=2e-3, betas=(0.5, 0.999))
opt_d = torch.optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
bce = nn.BCEWithLogitsLoss()
noise = torch.tensor(rng.standard_normal((300, 128, 4)), dtype=torch.float32)
d_losses, g_losses = [], []
for step in range(300):
    batch = real[(step * 128) % 512:(step * 128) % 512 + 128]
    fake = G(noise[step])
    d_loss = bce(D(batch), torch.ones(128, 1)) + bce(D(fake.detach()), torch.zeros(128, 1))
    opt_d.zero_grad()
    d_loss.backward()
    opt_d.step()
    g_loss = bce(D(fake), torch.ones(128, 1))
    opt_g.zero_grad()
    g_loss.backward()
    opt_g.step()
    d_losses.append(d_loss.item())
    g_losses.append(g_loss.item())
with torch.no_grad():
    radius = G(noise[0]).norm(dim=1).mean().item()
print("RESULT", json.dumps({"values": {"d_loss_0": d_losses[0], "g_loss_0": g_losses[0], "d_loss_5": d_losses[5]},
                            "checks": {"finite": all(math.isfinite(v) for v in d_losses + g_losses),
                                       "moves_to_ring": 1.0 < radius < 3.0}}))
