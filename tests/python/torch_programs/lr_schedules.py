# Learning-rate schedules: StepLR, ExponentialLR, MultiStepLR, OneCycleLR, ReduceLROnPlateau.
import json

import torch

def trajectory(make_scheduler, steps=30, metric=None):
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=0.1, momentum=0.9)
    scheduler = make_scheduler(optimizer)
    lrs = []
    for step in range(steps):
        optimizer.step()
        if metric is None:
            scheduler.step()
        else:
            scheduler.step(metric(step))
        lrs.append(optimizer.param_groups[0]["lr"])
    return lrs

O = torch.optim.lr_scheduler
results = {
    "step": trajectory(lambda o: O.StepLR(o, step_size=7, gamma=0.5)),
    "exponential": trajectory(lambda o: O.ExponentialLR(o, gamma=0.9)),
    "multistep": trajectory(lambda o: O.MultiStepLR(o, milestones=[5, 12, 20], gamma=0.3)),
    "onecycle": trajectory(lambda o: O.OneCycleLR(o, max_lr=1.0, total_steps=30)),
    "plateau": trajectory(lambda o: O.ReduceLROnPlateau(o, factor=0.5, patience=2), metric=lambda s: 1.0),
    "cosine_warm": trajectory(lambda o: O.CosineAnnealingWarmRestarts(o, T_0=10)),
}
print("RESULT", json.dumps({"values": results, "checks": {"plateau_drops": results["plateau"][-1] < 0.1}}))
