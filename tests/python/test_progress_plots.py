"""The examples' progress bar (tqdm, with the running loss) and --plot figures (examples/common.py's
TrainingLog), and tqdm over ember's DataLoader."""
import os
import pty
import struct
import subprocess
import sys

import pytest
import tqdm

import ember
from test_examples import EXAMPLES, NEEDS_SKLEARN, run_example

TRAINING = ["logistic_regression", "coin_mle", "regression_x2", "two_layer_net", "reinforce_ipd", "digits_mlp",
            "digits_cnn"]


def run_in_terminal(name, *extra):
    """Run an example with stdout on a pseudo-terminal; returns (stdout, stderr)."""
    if name in NEEDS_SKLEARN:
        pytest.importorskip("sklearn")
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, str(EXAMPLES / f"{name}.py"), "--quick", *extra], stdout=follower,
                            stderr=subprocess.PIPE)
    os.close(follower)
    stdout = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closes when the example exits
            break
        if not chunk:
            break
        stdout += chunk
    stderr = proc.stderr.read()
    assert proc.wait(timeout=600) == 0, stderr.decode()
    os.close(leader)
    return stdout.decode(), stderr.decode()


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("name", TRAINING)
def test_terminal_run_shows_a_bar_with_the_running_loss(name):
    stdout, stderr = run_in_terminal(name)
    assert "it/s" in stderr or "s/it" in stderr, stderr
    assert "loss=" in stderr, stderr
    assert "%|" not in stdout


@pytest.mark.parametrize("name", TRAINING)
def test_no_bar_when_stdout_is_not_a_terminal(name):
    if name in NEEDS_SKLEARN:
        pytest.importorskip("sklearn")
    proc = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py"), "--quick"], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "it/s" not in proc.stderr and "%|" not in proc.stderr and "loss=" not in proc.stderr, proc.stderr


def test_quiet_turns_the_bar_off_in_a_terminal():
    stdout, stderr = run_in_terminal("regression_x2", "--quiet")
    assert "it/s" not in stderr and "%|" not in stderr
    assert "final MSE" in stdout


@pytest.mark.parametrize("name, panels", [("logistic_regression", 1), ("two_layer_net", 1), ("coin_mle", 1),
                                          ("reinforce_ipd", 2), ("regression_x2", 2), ("digits_mlp", 2),
                                          ("digits_cnn", 2)])
def test_plot_writes_a_png_with_one_panel_per_curve(tmp_path, name, panels):
    png = tmp_path / "curves.png"
    out = run_example(name, "ember", "--plot", str(png))
    assert f"saved {png}" in out
    width, height = png_size(png)
    assert width == panels * 4.5 * 80 and height == 3.6 * 80


def test_plot_runs_on_pytorch_too(tmp_path):
    png = tmp_path / "curves.png"
    run_example("logistic_regression", "torch", "--plot", str(png))
    png_size(png)


@pytest.mark.parametrize("n, batch_size, drop_last, batches", [(10, 3, False, 4), (10, 3, True, 3), (9, 3, False, 3),
                                                               (0, 4, False, 0)])
def test_dataloader_works_with_tqdm(n, batch_size, drop_last, batches):
    data = ember.utils.data.TensorDataset(ember.arange(float(n)).reshape(n, 1))
    loader = ember.utils.data.DataLoader(data, batch_size=batch_size, drop_last=drop_last, shuffle=n > 0)
    assert len(loader) == batches
    bar = tqdm.tqdm(loader, disable=True)
    assert bar.total == batches
    seen = [xb.shape[0] for (xb,) in bar]
    assert len(seen) == batches and sum(seen) == (n // batch_size * batch_size if drop_last else n)
