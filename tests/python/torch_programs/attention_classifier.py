# nn.MultiheadAttention pooling over a set: classify whether a set of points contains an outlier.
import json

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

rng = np.random.default_rng(13)
sets = rng.standard_normal((96, 8, 4)).astype(np.float32)
labels = np.zeros(96, dtype=np.int64)
labels[::2] = 1
sets[::2, 0] += 6.0  # one outlier in every other set
x, y = torch.from_numpy(sets), torch.from_numpy(labels)


class SetClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 16)
        self.attn = nn.MultiheadAttention(16, num_heads=2, batch_first=True)
        self.out = nn.Linear(16, 2)

    def forward(self, s):
        h = F.gelu(self.proj(s))
        pooled, weights = self.attn(h, h, h, need_weights=True)
        return self.out(pooled.max(dim=1).values), weights


model = SetClassifier()
with torch.no_grad():
    for name, p in sorted(model.named_parameters()):
        p.copy_(torch.tensor(rng.uniform(-0.3, 0.3, tuple(p.shape)), dtype=torch.float32))
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
losses = []
for step in range(60):
    optimizer.zero_grad()
    logits, weights = model(x)
    loss = F.cross_entropy(logits, y)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
accuracy = (model(x)[0].argmax(1) == y).float().mean().item()
sdpa = F.scaled_dot_product_attention(x[:2], x[:2], x[:2], is_causal=True)
print("RESULT", json.dumps({"values": {"loss_0": losses[0], "loss_2": losses[2], "weights_shape": list(weights.shape),
                                       "sdpa": sdpa[0, :2].tolist()},
                            "tolerance": {"loss_2": 1e-3},
                            "checks": {"learns": accuracy > 0.9}}))
