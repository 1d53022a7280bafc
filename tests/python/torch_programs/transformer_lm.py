# A tiny Transformer language model: embeddings + learned positions, a causal TransformerEncoder
# (2 layers, d=32, 4 heads, no dropout), next-token cross-entropy on a repeating sequence, AdamW.
import json

import numpy as np
import torch
from torch import nn

vocab, d_model, seq_len = 12, 32, 16
rng = np.random.default_rng(11)
stream = torch.tensor(np.tile(np.arange(vocab), 20))
inputs = torch.stack([stream[i:i + seq_len] for i in range(0, 160, 8)])
targets = torch.stack([stream[i + 1:i + seq_len + 1] for i in range(0, 160, 8)])


class TinyLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model)
        self.pos = nn.Parameter(torch.zeros(seq_len, d_model))
        layer = nn.TransformerEncoderLayer(d_model, nhead=4, dim_feedforward=64, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2)
        self.head = nn.Linear(d_model, vocab)

    def forward(self, x):
        mask = nn.Transformer.generate_square_subsequent_mask(x.shape[1])
        return self.head(self.encoder(self.embed(x) + self.pos[: x.shape[1]], mask=mask, is_causal=True))


model = TinyLM()
with torch.no_grad():
    for name, p in sorted(model.named_parameters()):
        p.copy_(torch.tensor(rng.uniform(-0.2, 0.2, tuple(p.shape)), dtype=torch.float32))
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
losses = []
for step in range(60):
    optimizer.zero_grad()
    logits = model(inputs)
    loss = nn.functional.cross_entropy(logits.reshape(-1, vocab), targets.reshape(-1))
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
model.eval()
with torch.no_grad():
    predicted = model(inputs[:1]).argmax(-1)
accuracy = (predicted == targets[:1]).float().mean().item()
print("RESULT", json.dumps({"values": {"loss_0": losses[0], "loss_3": losses[3]},
                            "tolerance": {"loss_3": 1e-3},
                            "checks": {"learns": losses[-1] < 0.5 * losses[0], "predicts": accuracy > 0.5}}))
