# TensorDataset + DataLoader (no shuffle) minibatch training of a 2-class MLP with CrossEntropyLoss.
import json

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(1)
points = np.concatenate([rng.normal(-1.5, 1.0, (100, 2)), rng.normal(1.5, 1.0, (100, 2))]).astype(np.float32)
labels = np.array([0] * 100 + [1] * 100)
dataset = TensorDataset(torch.from_numpy(points), torch.from_numpy(labels))
loader = DataLoader(dataset, batch_size=32, shuffle=False)
model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(rng.uniform(-0.5, 0.5, tuple(p.shape)), dtype=torch.float32))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
criterion = nn.CrossEntropyLoss()
epoch_losses = []
for epoch in range(10):
    total = 0.0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(xb)
    epoch_losses.append(total / len(dataset))
with torch.no_grad():
    accuracy = (model(dataset.tensors[0]).argmax(dim=1) == dataset.tensors[1]).float().mean().item()
print("RESULT", json.dumps({"values": {"epoch_losses": epoch_losses, "accuracy": accuracy, "batches": len(loader)},
                            "checks": {"accurate": accuracy > 0.9}}))
