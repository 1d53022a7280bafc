# A small CNN on scikit-learn's bundled 8x8 digits: Conv2d, MaxPool2d, Dropout (eval), Linear, Adam.
import json

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch import nn

digits = load_digits()
images = torch.tensor(digits.images[:512] / 16.0, dtype=torch.float32).unsqueeze(1)
targets = torch.tensor(digits.target[:512])


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.fc = nn.Linear(16 * 2 * 2, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(torch.flatten(x, 1))


model = Net()
rng = np.random.default_rng(2)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(rng.uniform(-0.3, 0.3, tuple(p.shape)), dtype=torch.float32))
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
losses = []
for step in range(40):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(images), targets)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
model.eval()
with torch.no_grad():
    accuracy = (model(images).argmax(1) == targets).float().mean().item()
print("RESULT", json.dumps({"values": {"loss_0": losses[0], "loss_10": losses[10]},
                            "tolerance": {"loss_10": 1e-3},
                            "checks": {"learns": losses[-1] < 0.5 * losses[0], "accuracy": accuracy > 0.7}}))
