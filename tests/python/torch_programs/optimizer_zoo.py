# Seed 001's optimizer list: the same logistic model trained by each torch.optim algorithm.
import json

import torch

x = torch.tensor([[1.0, 0.5], [2.0, 1.0], [3.0, 0.2], [4.0, 1.5], [0.5, 2.0], [3.5, 3.0]])
y = torch.tensor([[0.0], [0.0], [1.0], [1.0], [0.0], [1.0]])
final = {}
for name, make in [("SGD", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True)),
                   ("Adam", lambda p: torch.optim.Adam(p, lr=0.05, amsgrad=True)),
                   ("Adamax", lambda p: torch.optim.Adamax(p, lr=0.05)),
                   ("Adagrad", lambda p: torch.optim.Adagrad(p, lr=0.2)),
                   ("Adadelta", lambda p: torch.optim.Adadelta(p, lr=1.0)),
                   ("RMSprop", lambda p: torch.optim.RMSprop(p, lr=0.01, centered=True)),
                   ("Rprop", lambda p: torch.optim.Rprop(p, lr=0.01)),
                   ("ASGD", lambda p: torch.optim.ASGD(p, lr=0.1))]:
    model = torch.nn.Linear(2, 1)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.1, -0.1]]))
        model.bias.fill_(0.05)
    optimizer = make(model.parameters())
    for step in range(100):
        optimizer.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy(torch.sigmoid(model(x)), y)
        loss.backward()
        optimizer.step()
    final[name] = loss.item()
print("RESULT", json.dumps({"values": final, "tolerance": {k: 1e-3 for k in final},
                            "checks": {"all_learn": all(v < 0.69 for v in final.values())}}))
