# A character-level LSTM language model on a short text (embedding -> LSTM -> linear), Adam, clipping.
import json

import numpy as np
import torch
from torch import nn

text = "the quick brown fox jumps over the lazy dog. " * 8
chars = sorted(set(text))
index = {c: i for i, c in enumerate(chars)}
data = torch.tensor([index[c] for c in text])


class CharRNN(nn.Module):
    def __init__(self, vocab, hidden):
        super().__init__()
        self.embed = nn.Embedding(vocab, 16)
        self.lstm = nn.LSTM(16, hidden, num_layers=2, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x, state=None):
        out, state = self.lstm(self.embed(x), state)
        return self.head(out), state


model = CharRNN(len(chars), 32)
rng = np.random.default_rng(3)
with torch.no_grad():
    for name, p in sorted(model.named_parameters()):
        p.copy_(torch.tensor(rng.uniform(-0.2, 0.2, tuple(p.shape)), dtype=torch.float32))
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
seq = 32
inputs = torch.stack([data[i:i + seq] for i in range(0, 256, seq)])
targets = torch.stack([data[i + 1:i + seq + 1] for i in range(0, 256, seq)])
losses = []
for step in range(60):
    optimizer.zero_grad()
    logits, _ = model(inputs)
    loss = nn.functional.cross_entropy(logits.reshape(-1, len(chars)), targets.reshape(-1))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    losses.append(loss.item())
# greedy generation from "the "
model.eval()
with torch.no_grad():
    x = torch.tensor([[index[c] for c in "the "]])
    logits, state = model(x)
    generated = []
    for _ in range(10):
        nxt = logits[0, -1].argmax().item()
        generated.append(chars[nxt])
        logits, state = model(torch.tensor([[nxt]]), state)
print("RESULT", json.dumps({"values": {"loss_0": losses[0], "loss_5": losses[5]},
                            "checks": {"learns": losses[-1] < 0.5 * losses[0],
                                       "generates_text": len("".join(generated)) == 10}}))
