# nn.Module plumbing a tutorial meets: parameter counting, named_modules, forward hooks (feature
# extraction), gradient hooks, freezing layers, deterministic nn.init, train/eval switches.
import json

import torch
from torch import nn

model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3))
for module in model.modules():
    if isinstance(module, nn.Linear):
        nn.init.constant_(module.weight, 0.1)
        nn.init.zeros_(module.bias)
features = {}


def save_features(module, inputs, output):
    features["relu"] = output.detach()  # returning None keeps the output as it is


handle = model[1].register_forward_hook(save_features)
grads = []
x = torch.linspace(-1, 1, 8).reshape(2, 4).requires_grad_()
x.register_hook(lambda g: grads.append(g.clone()))
model[0].weight.requires_grad_(False)  # freeze the first layer
out = model(x).sum()
out.backward()
handle.remove()
trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
print("RESULT", json.dumps({"values": {"names": [n for n, _ in model.named_modules()],
                                       "trainable": trainable, "total": sum(p.numel() for p in model.parameters()),
                                       "relu_features": features["relu"].tolist(), "input_grad": grads[0].tolist(),
                                       "bias_grad": model[2].bias.grad.tolist()},
                            "checks": {"frozen": model[0].weight.grad is None,
                                       "eval_flag": not model.eval().training and model.train().training}}))
