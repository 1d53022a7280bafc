"""ember.distributed and DistributedDataParallel across real processes: each suite starts 2 or 3
processes (ember.distributed.run, or mpirun directly) running distributed_worker.py, which checks
every collective and dtype against the same computation done locally, and reports per case.
Without MPI these tests skip, unless EMBER_REQUIRE_MPI=1 (CI sets it): then they fail."""
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ember
import ember.distributed as dist
from ember.distributed import run as launcher

HERE = Path(__file__).resolve().parent
WORKER = HERE / "distributed_worker.py"
sys.path.insert(0, str(HERE))
import ddp_cases  # noqa: E402
import distributed_worker  # noqa: E402

HAVE_MPI = dist.is_mpi_available() and shutil.which("mpirun") is not None
if not HAVE_MPI and os.environ.get("EMBER_REQUIRE_MPI") == "1":
    raise RuntimeError("EMBER_REQUIRE_MPI=1 but ember was built without MPI or mpirun is missing: "
                       "apt-get install openmpi-bin libopenmpi-dev, then rebuild ember")
requires_mpi = pytest.mark.skipif(not HAVE_MPI, reason="ember built without MPI, or no mpirun")

COLLECTIVE_CASES = list(distributed_worker.collective_cases(0, 2))
DDP_CASES = list(ddp_cases.cases(0, 2))


def launch(suite, nproc, out_dir, op_timeout=60, wall_timeout=240, use_mpirun=False):
    """Runs the worker's suite on nproc processes; (return code, seconds, {rank: results}, output)."""
    args = [str(WORKER), suite, str(out_dir), str(op_timeout)]
    if use_mpirun:
        command = ["mpirun", "-n", str(nproc), "--oversubscribe", sys.executable] + args
    else:
        command = [sys.executable, "-m", "ember.distributed.run", "--nproc-per-node", str(nproc)] + args
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    start = time.monotonic()
    proc = subprocess.run(command, capture_output=True, text=True, timeout=wall_timeout, env=env)
    elapsed = time.monotonic() - start
    results = {}
    for rank in range(nproc):
        path = Path(out_dir) / f"{suite}.rank{rank}.json"
        if path.exists():
            results[rank] = json.loads(path.read_text())
    return proc.returncode, elapsed, results, proc.stdout + proc.stderr


_suite_runs = {}


def suite_results(suite, nproc, tmp_path_factory, use_mpirun=False):
    """Each (suite, process count) runs once per test session; the cases read its report."""
    key = (suite, nproc, use_mpirun)
    if key not in _suite_runs:
        out_dir = tmp_path_factory.mktemp(f"{suite}{nproc}")
        rc, _, results, output = launch(suite, nproc, out_dir, use_mpirun=use_mpirun)
        _suite_runs[key] = (rc, results, output)
    rc, results, output = _suite_runs[key]
    assert rc == 0 and len(results) == nproc, f"the {nproc}-process run failed (exit {rc}):\n{output[-4000:]}"
    return results


def assert_case_passed(results, name):
    for rank, cases in sorted(results.items()):
        assert name in cases, f"rank {rank} did not run {name!r}"
        assert cases[name] == "ok", f"rank {rank}: {cases[name]}"


@requires_mpi
@pytest.mark.parametrize("nproc", [2, 3])
@pytest.mark.parametrize("name", COLLECTIVE_CASES)
def test_collective(name, nproc, tmp_path_factory):
    assert_case_passed(suite_results("collectives", nproc, tmp_path_factory), name)


@requires_mpi
@pytest.mark.parametrize("name", DDP_CASES)
def test_ddp(name, tmp_path_factory):
    assert_case_passed(suite_results("ddp", 2, tmp_path_factory), name)


@requires_mpi
def test_ddp_on_three_processes(tmp_path_factory):
    results = suite_results("ddp", 3, tmp_path_factory)
    for name in DDP_CASES:
        assert_case_passed(results, name)


@requires_mpi
def test_plain_mpirun_works(tmp_path_factory):
    results = suite_results("collectives", 2, tmp_path_factory, use_mpirun=True)
    for name in ("all_reduce[float32-SUM]", "world queries", "send_recv[int64]", "new_group"):
        assert_case_passed(results, name)


@requires_mpi
def test_a_rank_that_hangs_makes_the_others_time_out(tmp_path):
    # rank 1 sleeps for 120 s instead of joining; rank 0's all_reduce has a 3 s deadline
    rc, elapsed, results, output = launch("timeout", 2, tmp_path, op_timeout=3)
    assert rc != 0, output
    report = results[0]
    assert "all_reduce timed out after 3 s" in report["error"], report
    assert "another rank died, hangs, or did not call the same operation" in report["error"]
    assert 2.5 < report["elapsed"] < 15, report
    assert "the process group is unusable" in report["later"], report
    assert elapsed < 60, f"the job took {elapsed:.0f} s: the hanging rank was not stopped"


@requires_mpi
def test_a_rank_that_dies_stops_the_others(tmp_path):
    # rank 1 exits before the collective; rank 0's deadline is 10 minutes, so only MPI noticing
    # the death can end the job in time
    rc, elapsed, results, output = launch("dead_rank", 2, tmp_path, op_timeout=600)
    assert rc != 0, output
    assert 0 in results, output  # rank 0 reached its all_reduce
    assert elapsed < 60, f"the job took {elapsed:.0f} s"


@requires_mpi
def test_ddp_digits_example_matches_one_process():
    example = HERE.parents[1] / "examples" / "ddp_digits.py"
    pytest.importorskip("sklearn")
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    single = subprocess.run([sys.executable, str(example), "--quick"], capture_output=True, text=True,
                            timeout=300, env=env)
    double = subprocess.run([sys.executable, "-m", "ember.distributed.run", "--nproc-per-node", "2", str(example),
                             "--quick"], capture_output=True, text=True, timeout=300, env=env)
    assert single.returncode == 0 and double.returncode == 0, single.stderr + double.stderr
    assert "parameters across 2 processes: bitwise equal after each of" in double.stdout, double.stdout

    def accuracy(text):
        return float(text.split("held-out accuracy: ")[1].split()[0])
    assert abs(accuracy(single.stdout) - accuracy(double.stdout)) <= 0.01, (single.stdout, double.stdout)


# --- in this process, without starting others --------------------------------------------------

def test_availability():
    assert dist.is_available() == dist.is_mpi_available() == dist.is_gloo_available()  # gloo is MPI here
    if HAVE_MPI:
        assert dist.is_available()
    assert dist.is_nccl_available() is False
    assert dist.is_initialized() is False


def test_nccl_backend_explains_what_is_missing():
    with pytest.raises(RuntimeError, match="nccl.*needs ember's CUDA backend and NCCL"):
        dist.init_process_group("nccl")
    with pytest.raises(ValueError, match="unknown backend 'ucc'"):
        dist.init_process_group("ucc")


@requires_mpi
def test_world_size_without_a_launcher_asks_for_one(monkeypatch):
    for name in ("OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(RuntimeError, match="world_size 2 needs processes started by MPI.*ember.distributed.run"):
        dist.init_process_group("mpi")
    assert not dist.is_initialized()


def test_queries_before_init_raise():
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        dist.get_rank()
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        dist.all_reduce(ember.ones(2))


def test_reduce_op_matches_torch():
    torch = pytest.importorskip("torch")
    for name in ("SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR"):
        assert int(getattr(dist.ReduceOp, name)) == int(getattr(torch.distributed.ReduceOp.RedOpType, name))
    assert dist.Backend("GLOO") == "gloo" == dist.Backend.GLOO


def test_launcher_command_line(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/mpirun")
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    args = launcher._parser().parse_args(["--nproc-per-node", "3", "--master-port", "1234", "-m", "pkg.train",
                                          "--lr", "0.1"])
    command = launcher.mpirun_command(args)
    assert command[:3] == ["/usr/bin/mpirun", "-n", "3"] and "--oversubscribe" in command
    assert "MASTER_PORT=1234" in command
    assert command[-5:] == ["--bootstrap", "-m", "pkg.train", "--lr", "0.1"]
    args = launcher._parser().parse_args(["--nproc_per_node=2", "train.py"])
    assert "--oversubscribe" not in launcher.mpirun_command(args)
    with pytest.raises(SystemExit, match="one node"):
        launcher.mpirun_command(launcher._parser().parse_args(["--nnodes", "2", "train.py"]))
    with pytest.raises(SystemExit, match="at least 1"):
        launcher.mpirun_command(launcher._parser().parse_args(["--nproc-per-node", "0", "train.py"]))
