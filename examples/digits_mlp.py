"""A feed-forward classifier on handwritten digits with softmax and cross-entropy: the seed's
face-recognition network (seed 000), trained on scikit-learn's bundled digits instead of faces."""
from common import TrainingLog, backend, parse_args
from digits import accuracy, load_digits

args = parse_args(__doc__)
torch = backend(args)
nn = torch.nn
torch.manual_seed(args.seed)

x_train, y_train, x_test, y_test = load_digits(torch, args.seed)
x_train, x_test = x_train.reshape(-1, 64), x_test.reshape(-1, 64)
model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
loss_fn = nn.CrossEntropyLoss()  # log_softmax + negative log-likelihood of the correct class
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x_train, y_train), batch_size=32, shuffle=True)

log = TrainingLog(args)
epochs = 2 if args.quick else 30
for epoch in log.progress(range(epochs), desc="epochs"):
    for xb, yb in loader:
        loss = loss_fn(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        log.record(loss=loss.item())
    test_accuracy = accuracy(torch, model, x_test, y_test)
    log.record(step=epoch + 1, accuracy=test_accuracy)
    if epoch % 10 == 9 or epoch == epochs - 1:
        log.print(f"epoch {epoch + 1:2d}  loss {loss.item():.4f}  test accuracy {test_accuracy:.4f}")

print(f"held-out accuracy: {accuracy(torch, model, x_test, y_test):.4f} on {len(y_test)} digits")
log.plot(f"digits, 64-128-10 MLP on {args.backend}: training loss, held-out accuracy")
