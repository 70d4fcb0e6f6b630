"""
Rosenbrock on a Dask cluster
============================

Rosenbrock-n beyond one machine's comfort: a Hessian-vector product at n = 100,000,000
on a Dask cluster, checked against the analytic tridiagonal Hessian, then Hessian-free
Newton-CG to tolerance on a smaller n::

    python examples/rosenbrock_dask.py --n 100_000_000 --chunk 1_000_000 --workers 2
    python examples/rosenbrock_dask.py --scheduler tcp://host:8786   # an existing cluster

The same gdezero code as on NumPy: x and v are Dask arrays, so every op, both backward
passes and the check run chunk by chunk on the workers. x and v are generated there, in
the same task graph as the HVP and its check, and never persisted: the scheduler streams
blocks through it, so a worker holds a few blocks at a time (about 0.35 GB at n = 1e8),
where persisting x and v first would keep 0.8 GB of them on each of 2 workers throughout.
Prints wall times and each worker's peak memory (its process's peak resident set size);
results also go to rosenbrock_dask.txt in --out."""
import argparse
import pathlib
import resource
import sys
import time

import numpy as np

import gdezero as gd
import gdezero.functions as F

try:
    import dask
    import dask.array as da
    from dask.distributed import Client, LocalCluster
except ImportError:
    print("error: this example needs Dask: pip install 'gdezero[dask]' (dask[array,distributed])",
          file=sys.stderr)
    sys.exit(2)


def example_parser(doc):
    """The flags every example takes: --device, --out, --quick (a script adds its own)."""
    parser = argparse.ArgumentParser(description=(doc or "").strip().partition("\n")[0])  # the title
    parser.add_argument("--device", choices=["cpu", "gpu"], default="cpu",
                        help="gpu moves every Variable to CUDA with to_gpu() (needs CuPy)")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("out"),
                        help="folder for the figures (default: out/)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer iterations")
    return parser


def parse(parser):
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    return args


def rosenbrock(x):
    return F.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosenbrock_hvp(x, v):
    """The analytic H v: H is tridiagonal with these diagonals."""
    diag = np.zeros_like(x)
    diag[:-1] = 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
    diag[1:] += 200
    off = -400 * x[:-1]  # H[i, i+1] = H[i+1, i]
    hv = diag * v
    hv[:-1] += off * v[1:]
    hv[1:] += off * v[:-1]
    return hv


def rosenbrock_hvp_exact(x, v):
    """The analytic H v on Dask arrays, block by block: H is tridiagonal, so each block of
    H v needs one element of x and v from each neighbour (map_overlap's halo), and the
    NumPy formula on that slightly longer block is exact on the block itself."""
    return da.map_overlap(rosenbrock_hvp, x, v, depth=1, boundary="none", dtype=x.dtype)


def peak_rss_mib():
    """This process's peak resident set size so far, in MiB: Linux's VmHWM, which counts
    this process's own memory only. ru_maxrss (the fallback elsewhere) also keeps the peak
    of the process it was forked from before its exec: a Dask worker spawned by a big
    client process would report the client's memory."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux's unit, KiB


def worker_peaks_mib(client):
    """Each worker process's peak resident memory so far, in MiB."""
    return {address: round(mib) for address, mib in sorted(client.run(peak_rss_mib).items())}


def pyplot():
    """matplotlib.pyplot on the Agg backend: figures go to files, no display needed."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_figure(fig, args, name):
    fig.savefig(args.out / name, dpi=100, bbox_inches="tight")
    print(f"figure {name}")


def main():
    parser = example_parser(__doc__)
    parser.add_argument("--n", type=int, default=10_000_000, help="HVP size (default 1e7)")
    parser.add_argument("--chunk", type=int, default=1_000_000, help="elements per Dask chunk")
    parser.add_argument("--workers", type=int, default=2,
                        help="worker processes of the LocalCluster (one thread each)")
    parser.add_argument("--scheduler", default=None,
                        help="address of an existing cluster (tcp://host:8786) instead of a LocalCluster")
    parser.add_argument("--cg-n", type=int, default=10,
                        help="Newton-CG size (default 10: every CG step is a scheduler round trip, "
                             "so a small problem shows the method without minutes of latency)")
    args = parse(parser)
    if args.device != "cpu":
        print("error: the Dask example runs on CPU workers; drop --device gpu", file=sys.stderr)
        sys.exit(2)
    n, chunk, cg_n = args.n, args.chunk, args.cg_n
    if args.quick:
        n, chunk, cg_n = 200_000, 50_000, 6

    if args.scheduler:
        cluster, where = None, f"the cluster at {args.scheduler}"
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, memory_limit=0)
        client, where = Client(cluster), f"a LocalCluster of {args.workers} workers x 1 thread"
    lines, peaks = [], {}

    def say(line):  # printed at once: a run at n = 1e8 takes minutes
        print(line, flush=True)
        lines.append(line)
    say(f"Rosenbrock-n on {where}, Dask {dask.__version__}")
    try:
        rng = da.random.default_rng(0)
        x = rng.uniform(-2.0, 2.0, n, chunks=chunk)  # lazy: made block by block on the workers
        v = rng.standard_normal(n, chunks=chunk)
        peaks["at the start"] = worker_peaks_mib(client)
        say(f"worker peak MiB at the start {peaks['at the start']}")

        start = time.perf_counter()
        hv = gd.hvp(rosenbrock, x, v).data
        exact = rosenbrock_hvp_exact(x, v)
        # one pass: each block of x and v is made once, used by the HVP and the check, then freed
        error, scale = dask.compute(da.max(da.abs(hv - exact)), da.max(da.abs(exact)))
        seconds = time.perf_counter() - start
        relative = float(error) / float(scale)
        say(f"hvp n={n} chunk={chunk} seconds {seconds:.2f} relative error {relative:.3g} "
                     f"({'ok' if relative <= 1e-12 else 'WRONG'} at 1e-12)")
        peaks["after hvp"] = worker_peaks_mib(client)
        say(f"worker peak MiB after hvp {peaks['after hvp']}")

        # near the minimum: Newton's quadratic convergence in a few round-trip-bound iterations
        x0 = da.from_array(np.random.default_rng(0).uniform(0.8, 1.2, cg_n),
                           chunks=max(1, cg_n // (2 * max(1, args.workers))))
        start = time.perf_counter()
        r = gd.optimize.minimize(rosenbrock, x0, method="newton-cg", keep_path=False)
        seconds = time.perf_counter() - start
        max_error = float(da.max(da.abs(r.x - 1)).compute())
        say(f"newton-cg n={cg_n} iterations {r.nit} seconds {seconds:.2f} max error "
                     f"{max_error:.3e} ({r.message})")
        peaks["at the end"] = worker_peaks_mib(client)
        say(f"worker peak MiB at the end {peaks['at the end']}")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    path = args.out / "rosenbrock_dask.txt"
    path.write_text("\n".join(lines) + "\n")
    print(f"wrote {path.name}")

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    workers = list(peaks["at the end"])
    for row, (stage, mib) in enumerate(peaks.items()):
        ax.bar([i + 0.25 * row for i in range(len(workers))], [mib.get(w, 0) for w in workers], width=0.25,
               label=stage)
    ax.set_xticks(range(len(workers)), [f"worker {i}" for i in range(len(workers))])
    ax.set(ylabel="peak resident memory (MiB)", xlabel="Dask worker process",
           title=f"HVP at n = {n:,} in chunks of {chunk:,}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1))
    save_figure(fig, args, "rosenbrock_dask.png")
    if relative > 1e-12 or not r.success:
        sys.exit(1)


if __name__ == "__main__":
    main()
