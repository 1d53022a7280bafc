# A GRU sequence classifier: is the sum of a sequence positive? Packed-free, batch_first, Adam.
import json

import numpy as np
import torch
from torch import nn

rng = np.random.default_rng(9)
seqs = torch.tensor(rng.standard_normal((128, 10, 1)), dtype=torch.float32)
labels = (seqs.sum(dim=(1, 2)) > 0).long()


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(1, 16, batch_first=True)
        self.fc = nn.Linear(16, 2)

    def forward(self, x):
        _, h = self.gru(x)
        return self.fc(h[-1])


model = Classifier()
with torch.no_grad():
    for name, p in sorted(model.named_parameters()):
        p.copy_(torch.tensor(rng.uniform(-0.3, 0.3, tuple(p.shape)), dtype=torch.float32))
optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
losses = []
for step in range(80):
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(model(seqs), labels)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
accuracy = (model(seqs).argmax(1) == labels).float().mean().item()
print("RESULT", json.dumps({"values": {"loss_0": losses[0], "loss_5": losses[5]},
                            "checks": {"learns": accuracy > 0.85}}))
