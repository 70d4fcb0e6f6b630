"""What every example shares: the command line (--device, --out, --quick), moving
Variables to the GPU, the output folder, Agg plotting and graph rendering."""
import argparse
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Run from a checkout, an example must use the gdezero next to it, not another install.
if (ROOT / "gdezero" / "__init__.py").exists() and str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from gdezero.backend import to_numpy  # noqa: E402
from gdezero.utils import plot_dot_graph  # noqa: E402


def example_parser(description):
    """The shared flags; a script adds its own before calling `parse`."""
    # the docstring opens with a reST title for the documentation's gallery; --help skips its underline
    description = "\n".join(line for line in description.strip().splitlines() if set(line) != {"="})
    parser = argparse.ArgumentParser(description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", choices=["cpu", "gpu"], default="cpu",
                        help="gpu moves every Variable to CUDA with to_gpu() (needs CuPy)")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("out"),
                        help="folder for the figures (default: out/)")
    parser.add_argument("--quick", action="store_true",
                        help="smaller sizes and fewer iterations (for tests)")
    return parser


def parse(parser):
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    return args


def on_device(args, *variables):
    """Move the Variables with to_gpu() for --device gpu; exit 2 with the reason if impossible."""
    if args.device == "gpu":
        try:
            for v in variables:
                v.to_gpu()
        except RuntimeError as error:
            print(f"error: {error}", file=sys.stderr)
            sys.exit(2)
    return variables[0] if len(variables) == 1 else variables


def numpy_of(v):
    """A Variable's data as NumPy (copied from the GPU if needed), for printing and plots."""
    return to_numpy(v.data)


def pyplot():
    """matplotlib.pyplot on the Agg backend: figures go to files, no display needed."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_figure(fig, args, name):
    path = args.out / name
    fig.savefig(path, dpi=100, bbox_inches="tight")
    print(f"figure {path}")
    return path


def render_graph(output, args, name, verbose=False):
    """Render with Graphviz; without `dot`, exit 2 with how to install it (the .dot is kept)."""
    try:
        path = plot_dot_graph(output, verbose=verbose, to_file=args.out / name)
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    print(f"graph {path}")
    return path
