# Seed 001: pass/fail from hours studied; sigmoid + BCELoss + SGD, 1000 epochs.
import json

import torch
import torch.nn.functional as F

x_data = torch.tensor([[1.0], [2.0], [3.0], [4.0]])
y_data = torch.tensor([[0.0], [0.0], [1.0], [1.0]])


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(1, 1)

    def forward(self, x):
        return F.sigmoid(self.linear(x))


model = Model()
with torch.no_grad():
    model.linear.weight.copy_(torch.tensor([[0.1]]))
    model.linear.bias.zero_()
criterion = torch.nn.BCELoss(reduction="mean")
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(1000):
    loss = criterion(model(x_data), y_data)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
p1, p7 = model(torch.tensor([[1.0]])).item(), model(torch.tensor([[7.0]])).item()
print("RESULT", json.dumps({"values": {"loss": loss.item(), "p1": p1, "p7": p7},
                            "checks": {"fail_after_1h": p1 < 0.5, "pass_after_7h": p7 > 0.5}}))
