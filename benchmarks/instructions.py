"""Instructions per call of W1, W2, W4, W5 and W6 under callgrind: repeatable where seconds are not.

    python benchmarks/instructions.py W1 W5 --calls 20            # this checkout
    python benchmarks/instructions.py W1 --repo ../base --calls 200  # another tree, same code

Each workload runs 20 times to warm up, then `gc.freeze()`, then `--calls` times; the count
of a process that makes no counted calls is subtracted and the rest divided by `--calls`.
`--repo` imports gdezero from another checkout but always runs this file's workloads, so
two trees are compared on the same code. Needs valgrind; `setarch -R` (no address
randomisation), `PYTHONHASHSEED=0`, `OMP_NUM_THREADS=1` and leaving PyTorch unimported (with
it, a busy second core moved W2 by 4 %) make two runs agree to ~0.3 %, side by side or not.
"""
import argparse
import gc
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def workload(name):
    import numpy as np
    import run as B  # this directory's benchmarks: the code every tree is measured on

    import gdezero as gd
    import gdezero.functions as F

    if name == "W1":
        return lambda: B.newton_gdezero(gd.Variable(np.array(2.0)))
    if name == "W2":
        x, y = gd.Variable(np.array(1.0)), gd.Variable(np.array(1.0))
        return lambda: B.goldstein_grad_gdezero(x, y)
    if name == "W4":
        rng = np.random.default_rng(0)
        x0, v0 = rng.uniform(-2, 2, 100_000), rng.standard_normal(100_000)
        return lambda: gd.hvp(B.rosenbrock, x0, v0)
    if name == "W5":
        return lambda: B.tanh_derivatives_gdezero(np.array(1.0), 8)
    if name == "W5-array-seed":
        def tanh_8th_array_seed():
            x = gd.Variable(np.array(1.0))
            g = F.tanh(x)
            for _ in range(8):
                g = gd.grad(g, x, grad_outputs=np.ones(()), create_graph=True)
            return g
        return tanh_8th_array_seed
    if name == "W6":
        return lambda: B.newton_loop_gdezero(20)
    raise SystemExit(f"unknown workload {name!r}: choose from W1 W2 W4 W5 W5-array-seed W6")


class NoTorch:
    """An import finder that refuses PyTorch, so run.py takes its no-PyTorch path."""

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == "torch":
            raise ImportError("PyTorch is left out of instruction counts")


def child(name, calls, repo):
    sys.path[:0] = [repo, HERE]
    sys.meta_path.insert(0, NoTorch())  # PyTorch rows are not counted; its import and threads add noise
    import gdezero
    if not gdezero.__file__.startswith(repo):  # an installed gdezero would shadow --repo
        raise SystemExit(f"gdezero came from {gdezero.__file__}, not {repo}")
    fn = workload(name)
    for _ in range(20):
        fn()
    gc.collect()
    gc.freeze()  # a full collection landing in the counted calls or not moved W1 by 2x
    for _ in range(calls):
        fn()


def count(name, calls, repo):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        env = dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1")
        subprocess.run(["setarch", "-R", "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                        sys.executable, __file__, "--child", name, str(calls), repo],
                       env=env, check=True, capture_output=True)
        with open(out) as f:
            return next(int(line.split()[1]) for line in f if line.startswith(("summary:", "totals:")))


def main():
    if sys.argv[1:2] == ["--child"]:
        name, calls, repo = sys.argv[2:5]
        return child(name, int(calls), repo)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workloads", nargs="+")
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--repo", default=os.path.dirname(HERE), help="the checkout to import gdezero from")
    args = parser.parse_args()
    repo = os.path.abspath(args.repo)
    for name in args.workloads:
        per_call = (count(name, args.calls, repo) - count(name, 0, repo)) // args.calls
        print(f"{name}\t{repo}\t{per_call:,} instructions per call")


if __name__ == "__main__":
    main()
