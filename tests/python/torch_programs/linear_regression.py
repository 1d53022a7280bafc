# Seed 001 lecture: y = 2x with nn.Linear(1, 1), MSELoss and SGD; predict x = 4.
import json

import torch

x_data = torch.tensor([[1.0], [2.0], [3.0]])
y_data = torch.tensor([[2.0], [4.0], [6.0]])


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(1, 1)

    def forward(self, x):
        return self.linear(x)


model = Model()
with torch.no_grad():
    model.linear.weight.fill_(0.5)
    model.linear.bias.fill_(-0.3)
criterion = torch.nn.MSELoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
losses = []
for epoch in range(500):
    y_pred = model(x_data)
    loss = criterion(y_pred, y_data)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
prediction = model(torch.tensor([[4.0]])).item()
print("RESULT", json.dumps({"values": {"loss_10": losses[10], "loss_last": losses[-1], "prediction": prediction,
                                       "weight": model.linear.weight.item()},
                            "checks": {"learns_2x": abs(prediction - 8.0) < 0.05}}))
