"""The examples' Matplotlib figures read as the book's do: both axes labelled, a title, and a
legend that names every curve and covers none of them."""
import importlib.util
import os
import pathlib
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PLOTS = ["sin_higher_derivatives.py", "taylor_series.py", "rosenbrock_gd.py", "rosenbrock_newton_cg.py",
         "hessian_vector_product.py", "rosenbrock_large.py",
         "newton_1d.py", "robust_regression.py", "poisson_pinn.py"]

pytestmark = pytest.mark.skipif(
    os.environ.get("GDEZERO_BACKEND", "numpy") != "numpy",
    reason="the example scripts build NumPy data; they run once, in the numpy backend run")


def figure_of(script, tmp_path, monkeypatch):
    """Run the example's main() with --quick and return the figure it saves."""
    pytest.importorskip("matplotlib", reason="the examples plot with Matplotlib (the viz extra)")
    spec = importlib.util.spec_from_file_location(script[:-3], ROOT / "examples" / script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    saved = []
    monkeypatch.setattr(module, "save_figure", lambda fig, args, name: saved.append(fig))
    monkeypatch.setattr(sys, "argv", [script, "--quick", "--out", str(tmp_path)])
    module.main()
    assert len(saved) == 1
    return saved[0]


@pytest.mark.parametrize("script", PLOTS)
def test_figure_has_axis_labels_a_title_and_a_legend_naming_every_curve(script, tmp_path, monkeypatch):
    fig = figure_of(script, tmp_path, monkeypatch)
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>":
            continue
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title(), (ax.get_xlabel(), ax.get_ylabel())
        legend = ax.get_legend()
        assert legend is not None
        named = {text.get_text() for text in legend.get_texts()}
        scatters = [c.get_label() for c in ax.collections if not c.get_label().startswith("_")]
        curves = [line.get_label() for line in ax.lines] + scatters
        assert all(not label.startswith("_") for label in curves), f"an unnamed curve in {script}: {curves}"
        assert set(curves) <= named, (curves, named)


@pytest.mark.parametrize("script", PLOTS)
def test_legend_covers_no_data_point(script, tmp_path, monkeypatch):
    fig = figure_of(script, tmp_path, monkeypatch)
    fig.canvas.draw()
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        box = legend.get_window_extent()
        points = [line.get_transform().transform(np.column_stack(line.get_data())) for line in ax.lines]
        points += [c.get_offset_transform().transform(c.get_offsets()) for c in ax.collections
                   if len(c.get_offsets())]
        inside = [p for p in np.concatenate(points) if box.contains(*p)] if points else []
        assert not inside, f"the legend of {script} covers {len(inside)} data points"
        bars = [patch for patch in ax.patches if box.overlaps(patch.get_window_extent())]
        assert not bars, f"the legend of {script} covers {len(bars)} bars"
