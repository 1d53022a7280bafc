"""A small convolutional network on scikit-learn's 8x8 digits: Conv2d, ReLU, MaxPool2d, Linear."""
from common import TrainingLog, backend, parse_args
from digits import accuracy, load_digits

args = parse_args(__doc__)
torch = backend(args)
nn = torch.nn
F = torch.nn.functional
torch.manual_seed(args.seed)

x_train, y_train, x_test, y_test = load_digits(torch, args.seed)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, padding=1)   # 16 x 8 x 8
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)  # 32 x 4 x 4 after pooling
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(32 * 2 * 2, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        return self.fc(torch.flatten(x, 1))


model = Net()
print(model)
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x_train, y_train), batch_size=64, shuffle=True)
log = TrainingLog(args)
epochs = 1 if args.quick else 15
for epoch in log.progress(range(epochs), desc="epochs"):
    model.train()
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        log.record(loss=loss.item())
    model.eval()
    test_accuracy = accuracy(torch, model, x_test, y_test)
    log.record(step=epoch + 1, accuracy=test_accuracy)
    if epoch % 5 == 4 or epoch == epochs - 1:
        log.print(f"epoch {epoch + 1:2d}  loss {loss.item():.4f}  test accuracy {test_accuracy:.4f}")

print(f"held-out accuracy: {accuracy(torch, model, x_test, y_test):.4f} on {len(y_test)} digits")
log.plot(f"digits, small CNN on {args.backend}: training loss, held-out accuracy")
