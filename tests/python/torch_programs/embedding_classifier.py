# A bag-of-embeddings text classifier: nn.Embedding with padding_idx, mean pooling, AdamW, clipping.
import json

import numpy as np
import torch
from torch import nn

sentences = [("good great fine", 1), ("bad awful poor", 0), ("great good", 1), ("poor bad", 0),
             ("fine good great", 1), ("awful bad", 0)]
vocab = {"<pad>": 0}
for text, _ in sentences:
    for word in text.split():
        vocab.setdefault(word, len(vocab))
tokens = [[vocab[w] for w in text.split()] for text, _ in sentences]
width = max(map(len, tokens))
batch = torch.tensor([t + [0] * (width - len(t)) for t in tokens])
labels = torch.tensor([label for _, label in sentences])


class BagOfWords(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(len(vocab), 8, padding_idx=0)
        self.out = nn.Linear(8, 2)

    def forward(self, x):
        mask = (x != 0).unsqueeze(-1).float()
        pooled = (self.embedding(x) * mask).sum(1) / mask.sum(1)
        return self.out(pooled)


model = BagOfWords()
rng = np.random.default_rng(8)
with torch.no_grad():
    model.embedding.weight.copy_(torch.tensor(rng.standard_normal((len(vocab), 8)), dtype=torch.float32))
    model.embedding.weight[0].zero_()
    model.out.weight.copy_(torch.tensor(rng.uniform(-0.3, 0.3, (2, 8)), dtype=torch.float32))
    model.out.bias.zero_()
optimizer = torch.optim.AdamW(model.parameters(), lr=0.05, weight_decay=0.01)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=50)
losses = []
for step in range(50):
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(model(batch), labels)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()
    scheduler.step()
    losses.append(loss.item())
predictions = model(batch).argmax(1)
print("RESULT", json.dumps({"values": {"loss_0": losses[0], "loss_10": losses[10], "lr": scheduler.get_last_lr()[0]},
                            "checks": {"separates": bool((predictions == labels).all()),
                                       "pad_row_untouched": model.embedding.weight.grad[0].abs().sum().item() == 0}}))
