# torch.save / torch.load of a model's state_dict and an optimizer's, then identical outputs.
import json
import os
import tempfile

import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
x = torch.randn(16, 4)
for _ in range(3):
    optimizer.zero_grad()
    model(x).pow(2).mean().backward()
    optimizer.step()
model.eval()
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "checkpoint.pt")
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3}, path)
    checkpoint = torch.load(path)
clone = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
result = clone.load_state_dict(checkpoint["model"])
clone.eval()
optimizer2 = torch.optim.Adam(clone.parameters(), lr=1e-2)
optimizer2.load_state_dict(checkpoint["optimizer"])
with torch.no_grad():
    same = torch.equal(model(x), clone(x))
print("RESULT", json.dumps({"values": {"epoch": checkpoint["epoch"], "keys": sorted(checkpoint["model"].keys())},
                            "checks": {"same_outputs": bool(same), "no_missing": list(result.missing_keys) == [],
                                       "optimizer_state": optimizer2.state_dict()["state"][0]["step"].item() == 3}}))
