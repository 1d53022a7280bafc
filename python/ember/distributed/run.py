"""torchrun for ember: `python -m ember.distributed.run --nproc-per-node N script.py args...`.

Starts N processes on this machine with Open MPI's mpirun (MPI connects them; see
distributed_c10d) and gives each torchrun's environment: RANK, LOCAL_RANK, WORLD_SIZE,
LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT and TORCHELASTIC_RUN_ID. torchrun's single-node flags
are accepted; several nodes need mpirun with a hostfile.
"""
import argparse
import os
import runpy
import shutil
import subprocess
import sys
import uuid


def _parser():
    parser = argparse.ArgumentParser(prog="python -m ember.distributed.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nproc-per-node", "--nproc_per_node", default="1",
                        help="processes to start: a number, or 'cpu'/'auto' for one per core")
    parser.add_argument("--nnodes", default="1", help="only 1: ember's launcher is single-node")
    parser.add_argument("--node-rank", "--node_rank", type=int, default=0)
    parser.add_argument("--master-addr", "--master_addr", default="127.0.0.1",
                        help="accepted for torchrun compatibility; MPI does the rendezvous")
    parser.add_argument("--master-port", "--master_port", type=int, default=29500,
                        help="accepted for torchrun compatibility; MPI does the rendezvous")
    parser.add_argument("--standalone", action="store_true", help="accepted (single-node is all there is)")
    parser.add_argument("--run-id", "--run_id", default=None)
    parser.add_argument("-m", "--module", action="store_true", help="run training_script as a module (python -m)")
    parser.add_argument("--no-python", "--no_python", action="store_true",
                        help="run training_script as a program rather than with python")
    parser.add_argument("training_script")
    parser.add_argument("training_script_args", nargs=argparse.REMAINDER)
    return parser


def _process_count(text):
    if text in ("cpu", "auto"):
        return os.cpu_count() or 1
    count = int(text)
    if count < 1:
        raise SystemExit(f"ember.distributed.run: --nproc-per-node must be at least 1, got {count}")
    return count


def mpirun_command(args):
    """The mpirun command line that starts args' processes, each through _bootstrap."""
    mpirun = shutil.which("mpirun")
    if mpirun is None:
        raise SystemExit("ember.distributed.run: mpirun was not found (Debian: apt-get install openmpi-bin)")
    if args.nnodes not in ("1", "1:1"):
        raise SystemExit(f"ember.distributed.run: --nnodes {args.nnodes}: this launcher starts processes on one "
                         "node; for several nodes use mpirun with a hostfile")
    count = _process_count(args.nproc_per_node)
    command = [mpirun, "-n", str(count)]
    if count > (os.cpu_count() or 1):
        command.append("--oversubscribe")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-run-as-root")  # torchrun runs as root too (containers, CI)
    command += ["-x", "MASTER_ADDR=" + args.master_addr, "-x", f"MASTER_PORT={args.master_port}",
                "-x", "TORCHELASTIC_RUN_ID=" + (args.run_id or uuid.uuid4().hex)]
    if args.no_python:
        target = [args.training_script]
        command += ["-x", "EMBER_RUN_NO_PYTHON=1"]
    else:
        target = ["-m" if args.module else "--script", args.training_script]
    return command + [sys.executable, "-m", "ember.distributed.run", "--bootstrap"] + target + args.training_script_args


def _bootstrap(argv):
    """In each started process: torchrun's variables from MPI's, then the script as __main__."""
    env = os.environ
    env["RANK"] = env.get("OMPI_COMM_WORLD_RANK", env.get("PMIX_RANK", "0"))
    env["WORLD_SIZE"] = env.get("OMPI_COMM_WORLD_SIZE", "1")
    env["LOCAL_RANK"] = env.get("OMPI_COMM_WORLD_LOCAL_RANK", env["RANK"])
    env["LOCAL_WORLD_SIZE"] = env.get("OMPI_COMM_WORLD_LOCAL_SIZE", env["WORLD_SIZE"])
    env["GROUP_RANK"] = "0"
    kind, target, rest = argv[0], argv[1], argv[2:]
    if env.pop("EMBER_RUN_NO_PYTHON", None):
        os.execvp(target, [target] + rest)
    sys.argv = [target] + rest
    if kind == "-m":
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    else:
        sys.path.insert(0, os.path.dirname(os.path.abspath(target)))
        runpy.run_path(target, run_name="__main__")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--bootstrap":
        _bootstrap(argv[1:])
        return 0
    command = mpirun_command(_parser().parse_args(argv))
    return subprocess.call(command)


if __name__ == "__main__":
    sys.exit(main())
