#!/usr/bin/python3
"""The lab's figures, drawn from convlab-bench's JSON and `convlab machine`'s JSON.

  plots.py ladder         --bench F.json... --machine M.json --out DIR
      per suite and thread count: every shape's rate per ladder step as bars
      (log scale, "xN" = speed-up over the first step, naive, on each bar),
      oneDNN rows as lines over each shape, the measured roof as a line.
  plots.py size-scaling   --bench F.json... --out DIR   [--suite scaling]
      the seed's complexity analysis: time and GFLOP/s against image side N
      on log-log axes for every variant, with the fitted slope of each.
  plots.py thread-scaling --bench F.json... --out DIR
      speed-up over 1 thread against threads (geometric mean over a suite's
      conv2d shapes) for every variant, with the ideal line.
  plots.py roofline       --bench F.json... --machine M.json --out DIR
      every conv2d (variant, shape) by arithmetic intensity and GFLOP/s under
      the measured compute roofs (per ISA) and bandwidth roof.
  plots.py all ...        all four.

Writes PNGs (Agg backend) and prints the paths it wrote. Needs
/usr/bin/python3 (Debian's matplotlib and numpy).
"""
import argparse
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.ticker  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labdata import ABOVE_ROOF, Bench, LabDataError, Machine, die, geomean  # noqa: E402

# Twelve colours, none grey (the baselines' hue), one per name of the lab's conv2d and pool2d variants.
LAB_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
              "#bcbd22", "#ffd700", "#00008b", "#7cfc00"]
LAB_MARKERS = "osD^v<>pPhH8"
BASELINE_LOOK = [("black", "--", "s"), ("0.45", "-", "X"), ("0.25", ":", "*"), ("0.65", "-.", "d")]


class Styles:
    """One colour, marker and line style per variant, the same in every figure: the lab's variants (ladder
    and branches, conv2d and pool2d sharing a name share a look) in registry order from a qualitative
    palette; baselines (oneDNN) in black and greys with their own line styles and markers."""

    def __init__(self, bench):
        self.look = {}
        lab = [v["name"] for v in bench.variants if v["kind"] != "baseline"]
        base = [v["name"] for v in bench.variants if v["kind"] == "baseline"]
        for i, name in enumerate(dict.fromkeys(lab)):
            self.look[name] = (LAB_COLORS[i % len(LAB_COLORS)], "-", LAB_MARKERS[i % len(LAB_MARKERS)])
        names = list(dict.fromkeys(base))
        names += [n + ":compute" for n in names]
        for i, name in enumerate(names):
            self.look[name] = BASELINE_LOOK[i % len(BASELINE_LOOK)]

    def _get(self, variant):
        return self.look.get(variant) or self.look.get(variant.split(":")[0]) or ("0.5", "-", "o")

    def color(self, variant):
        return self._get(variant)[0]

    def line(self, variant):
        return self._get(variant)[1]

    def marker(self, variant):
        return self._get(variant)[2]


def legend_outside(ax, **kw):
    """The legend right of the axes, never over the data."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, fontsize=8, **kw)


def slug(text):
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text)


def save(fig, out, name):
    path = os.path.join(out, name)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    print(path)
    return path


def roof_of(machine, op, threads, isa="avx512"):
    if machine is None:
        return None
    if op == "conv2d":
        return machine.peak(isa, threads)
    return machine.bandwidth(threads)


# --- ladder ------------------------------------------------------------------
def ladder(bench, machine, out, isa):
    written = []
    for suite in bench.suites:
        for op in ("conv2d", "pool2d"):
            shapes = bench.shapes_of(op, suite)
            for threads in bench.thread_counts():
                rows = [r for r in bench.select(op=op, suite=suite, threads=threads)]
                if not rows or not shapes:
                    continue
                written.append(ladder_figure(bench, machine, out, op, suite, threads, shapes, rows, isa))
    return written


def ladder_figure(bench, machine, out, op, suite, threads, shapes, rows, isa):
    styles = Styles(bench)
    stable = [r for r in rows if not r.unstable]
    shapes = [s for s in shapes if any(r.shape == s for r in stable)]
    variants = bench.ordered_variants(op, stable)
    steps = [v for v in variants if bench.kind(op, v) != "baseline"]
    baselines = [v for v in variants if bench.kind(op, v) == "baseline"]
    reference = bench.reference_variant(op)
    unit = "GFLOP/s" if op == "conv2d" else "GB/s"

    def row(v, s):
        r = bench.find(op, v, s, threads)
        return r if r is not None and not r.unstable else None

    width = 0.8 / max(1, len(steps))
    fig, ax = plt.subplots(figsize=(max(8, 0.55 * len(shapes) * max(1, len(steps)) ** 0.5 + 3), 5.5))
    lo, hi = math.inf, 0.0
    for i, v in enumerate(steps):
        pts = [(k, row(v, s)) for k, s in enumerate(shapes) if row(v, s)]
        if not pts:
            continue
        xs = [k - 0.4 + width * (i + 0.5) for k, _ in pts]
        ys = [r.rate.median for _, r in pts]
        errs = [[r.rate.median - r.rate.min for _, r in pts], [r.rate.max - r.rate.median for _, r in pts]]
        ax.bar(xs, ys, width=width * 0.92, color=styles.color(v), label=v, yerr=errs, capsize=1.5,
               error_kw={"elinewidth": 0.6, "ecolor": "0.3"})
        lo, hi = min(lo, min(r.rate.min for _, r in pts)), max(hi, max(r.rate.max for _, r in pts))
    for v in baselines:
        first = True
        for k, s in enumerate(shapes):
            r = row(v, s)
            if r is None:
                continue
            ax.hlines(r.rate.median, k - 0.45, k + 0.45, colors=styles.color(v), linestyles=styles.line(v),
                      linewidth=1.8, label=v if first else None, zorder=4)
            first = False
            lo, hi = min(lo, r.rate.median), max(hi, r.rate.median)
    # One label per shape: the fastest rung's speed-up over the first one.
    for k, s in enumerate(shapes):
        base = row(reference, s)
        best = max((row(v, s) for v in steps if row(v, s)), key=lambda r: r.rate.median, default=None)
        if base and best:
            ax.text(k, best.rate.max * 1.25, f"×{best.rate.median / base.rate.median:.3g}", ha="center",
                    va="bottom", fontsize=8, fontweight="bold")
    flagged = [(k, r) for v in variants for k, s in enumerate(shapes) for r in [row(v, s)] if r and r.above_roof]
    if flagged:
        ax.scatter([k for k, _ in flagged], [r.rate.median for _, r in flagged], marker="X", s=70,
                   color="red", edgecolors="black", linewidths=0.6, zorder=5, label=ABOVE_ROOF)
    roof = roof_of(machine, op, threads, isa)
    if op == "pool2d":
        # Each pool's roof is the bandwidth at its own working set: one tick per shape.
        roofs = {k: r.roof for v in variants for k, s in enumerate(shapes)
                 for r in [row(v, s)] if r is not None and r.roof > 0}
        for n, (k, value) in enumerate(sorted(roofs.items())):
            ax.hlines(value, k - 0.45, k + 0.45, colors="red", linewidth=1.4,
                      label="bandwidth roof at the shape's working set" if n == 0 else None)
            hi = max(hi, value)
        roof = None
    if roof:
        ax.axhline(roof.median, color="red", linewidth=1.2,
                   label=f"fp32 FMA peak ({isa}, {threads} thr): {roof.median:.3g} {unit}")
        hi = max(hi, roof.median)
    ax.set_yscale("log")
    if math.isfinite(lo):
        ax.set_ylim(bottom=lo / 2, top=hi * 3)
    ax.set_xticks(range(len(shapes)))
    ax.set_xticklabels([bench_label(bench, s) for s in shapes], rotation=35, ha="right", fontsize=8)
    ax.set_xlim(-0.6, len(shapes) - 0.4)
    ax.set_ylabel(f"{unit} (log scale; median, bars: min-max)")
    what = "conv2d" if op == "conv2d" else "pool2d (compulsory bytes)"
    omitted = len(rows) - len(stable)
    ax.set_title(f"The ladder: {what}, suite {suite}, {threads} thread{'s' if threads > 1 else ''}; "
                 f"×N: the fastest rung over {reference}" + (f"; {omitted} unstable row(s) omitted" if omitted else ""),
                 fontsize=10)
    ax.grid(axis="y", which="both", alpha=0.3)
    ax.set_axisbelow(True)
    legend_outside(ax)
    return save(fig, out, f"ladder-{op}-{slug(suite)}-t{threads}.png")


def bench_label(bench, shape):
    where = bench.shapes.get(shape, {}).get("where", [])
    labels = [w["label"] for w in where if w["label"]]
    return labels[0] if labels else shape


# --- size scaling --------------------------------------------------------------
def side_of(desc):
    import re
    m = re.search(r"ih(\d+)", desc)
    return int(m.group(1)) if m else None


def size_scaling(bench, out, suite):
    rows = bench.select(op="conv2d", suite=suite)
    if not rows:
        print(f"size-scaling: no conv2d rows of suite '{suite}' in the JSON; skipped", file=sys.stderr)
        return []
    threads = min(r.threads for r in rows)
    rows = [r for r in rows if r.threads == threads]
    rows = [r for r in rows if not r.unstable]
    variants = bench.ordered_variants("conv2d", rows)
    styles = Styles(bench)
    fig, (ax_t, ax_g) = plt.subplots(1, 2, figsize=(14, 5.5))
    fits = {}
    for v in variants:
        pts = sorted((side_of(r.shape), r) for r in rows if r.variant == v and side_of(r.shape))
        if len(pts) < 2:
            continue
        n = np.array([p[0] for p in pts], dtype=float)
        t = np.array([p[1].time_us.median * 1e-6 for p in pts])
        g = np.array([p[1].rate.median for p in pts])
        slope_t, icpt = np.polyfit(np.log(n), np.log(t), 1)
        slope_g = np.polyfit(np.log(n), np.log(g), 1)[0]
        fits[v] = {"time_slope": float(slope_t), "gflops_slope": float(slope_g),
                   "sizes": [int(x) for x in n], "threads": threads}
        look = dict(color=styles.color(v), marker=styles.marker(v), linestyle=styles.line(v))
        ax_t.loglog(n, t, label=f"{v}: time ∝ N^{slope_t:.2f}, rate ∝ N^{slope_g:+.2f}", **look)
        ax_t.loglog(n, np.exp(icpt) * n ** slope_t, ":", color=styles.color(v), linewidth=0.8)
        ax_g.loglog(n, g, **look)
        print(f"size-scaling {v} ({threads} thread): time ~ N^{slope_t:.2f}, GFLOP/s ~ N^{slope_g:+.2f}")
    if fits:
        n0 = np.array([16, 256], dtype=float)
        ref = min(p.time_us.median for p in rows) * 1e-6
        ax_t.loglog(n0, ref * (n0 / n0[0]) ** 2, color="0.6", linewidth=3, alpha=0.5, label="N² (the seed's claim)")
    for ax in (ax_t, ax_g):
        ax.set_xlabel("image side N (pixels; 3 channels in, 16 out, 3×3 kernel, batch 1)")
        ax.grid(which="both", alpha=0.3)
        ax.set_xticks([16, 32, 64, 128, 256])
        ax.set_xticklabels(["16", "32", "64", "128", "256"])
    ax_t.set_ylabel("time per call (s, median; log scale)")
    ax_t.set_title(f"Time against size, {threads} thread (dotted: fitted power law)")
    ax_g.set_ylabel("GFLOP/s (median; log scale)")
    # Plain numbers at 1-2-5 steps: a log axis spanning about one decade shows a single tick otherwise.
    plain = matplotlib.ticker.FuncFormatter(lambda y, _: f"{y:g}")
    ax_g.yaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax_g.yaxis.set_major_formatter(plain)
    ax_g.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax_g.set_title("Rate against size (flat = time grows like the work)")
    fig.tight_layout()
    ax_g.legend(*ax_t.get_legend_handles_labels(), loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0,
                fontsize=8)
    written = [save(fig, out, "size-scaling.png")]
    path = os.path.join(out, "size-scaling.json")
    with open(path, "w") as f:
        json.dump(fits, f, indent=2)
    print(path)
    return written


# --- thread scaling -------------------------------------------------------------
# The lab's own variants that run on the plan's threads besides the "parallel" steps.
THREADED_STEPS = {"best", "depthwise"}


def parallel_variant(bench, op, name):
    """Whether the variant runs on the plan's threads: declared in the JSON ("threaded"), else read from
    its kind (baselines thread) and name."""
    for v in bench.variants:
        if v["op"] == op and v["name"] == name.split(":")[0]:
            if "threaded" in v:
                return v["threaded"]
            return v["kind"] == "baseline" or "parallel" in v["name"] or v["name"] in THREADED_STEPS
    return False


def thread_scaling(bench, out):
    counts = bench.thread_counts()
    if len(counts) < 2:
        print("thread-scaling: only one thread count in the JSON; skipped", file=sys.stderr)
        return []
    suites = [s for s in bench.suites if len({r.threads for r in bench.select(suite=s)}) > 1]
    if not suites:
        print("thread-scaling: no suite was run at several thread counts; skipped", file=sys.stderr)
        return []
    ops = [op for op in ("conv2d", "pool2d") if any(bench.select(op=op, suite=s) for s in suites)]
    styles = Styles(bench)
    fig, axes = plt.subplots(len(ops), len(suites), figsize=(5 * len(suites) + 2.5, 4.2 * len(ops)),
                             squeeze=False)
    for row_axes, op in zip(axes, ops):
        for ax, suite in zip(row_axes, suites):
            ts = sorted({r.threads for r in bench.select(op=op, suite=suite)})
            if len(ts) < 2:
                ax.set_axis_off()
                ax.text(0.5, 0.5, f"{op}, suite {suite}: not run at several thread counts", ha="center",
                        transform=ax.transAxes, color="0.4")
                continue
            ax.plot(ts, ts, color="0.6", linewidth=3, alpha=0.5, label="ideal (speed-up = threads)")
            ax.axhline(1.0, color="0.3", linewidth=1, linestyle=":",
                       label="serial rungs (run on one thread whatever the count)")
            for v in bench.ordered_variants(op, bench.select(op=op, suite=suite)):
                if not parallel_variant(bench, op, v):
                    continue
                ys = []
                for t in ts:
                    ratios = []
                    for s in bench.shapes_of(op, suite):
                        one, many = bench.find(op, v, s, ts[0]), bench.find(op, v, s, t)
                        if one and many and not one.unstable and not many.unstable:
                            ratios.append(many.rate.median / one.rate.median)
                    ys.append(geomean(ratios))
                if all(math.isnan(y) for y in ys):
                    continue
                ax.plot(ts, ys, color=styles.color(v), marker=styles.marker(v), linestyle=styles.line(v), label=v)
            ax.set_xticks(ts)
            ax.set_xlabel("threads")
            ax.set_ylabel(f"speed-up over {ts[0]} thread\n(geometric mean over the suite's shapes)")
            ax.set_title(f"{op}, suite {suite}")
            ax.grid(alpha=0.3)
    legend = {}
    for ax in axes.flat:
        for h, l in zip(*ax.get_legend_handles_labels()):
            legend.setdefault(l, h)
    fig.suptitle("Thread scaling of the threaded variants (serial rungs: the dotted line at 1×)")
    fig.tight_layout()
    fig.legend(list(legend.values()), list(legend.keys()), loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    return [save(fig, out, "thread-scaling.png")]


# --- roofline -------------------------------------------------------------------
def roofline(bench, machine, out):
    rows = [r for r in bench.select(op="conv2d") if r.ai > 0]
    if not rows or machine is None:
        print("roofline: needs conv2d rows and the machine JSON; skipped", file=sys.stderr)
        return []
    rows = [r for r in rows if not r.unstable]
    counts = sorted({r.threads for r in rows})
    variants = bench.ordered_variants("conv2d", rows)
    styles = Styles(bench)
    families = [s for s in bench.suites]  # a shape's family: the first suite it belongs to
    family_marker = {f: m for f, m in zip(families, "o^sDvP*hX<>")}
    fig, axes = plt.subplots(1, len(counts), figsize=(7.5 * len(counts) + 2, 6), squeeze=False)
    ai_lo = min(r.ai for r in rows) / 2
    ai_hi = max(r.ai for r in rows) * 2
    for ax, t in zip(axes[0], counts):
        bw = machine.bandwidth(t)
        x = np.logspace(math.log10(min(ai_lo, 0.05)), math.log10(max(ai_hi, 200)), 200)
        for i, isa in enumerate(machine.isas()):
            peak = machine.peak(isa, t)
            if peak is None:
                continue
            y = np.minimum(peak.median, x * bw.median) if bw else np.full_like(x, peak.median)
            ax.loglog(x, y, color="red" if i == 0 else "0.5", linewidth=2 if i == 0 else 1,
                      linestyle="-" if i == 0 else "--",
                      label="measured roofs (FMA peak per ISA, STREAM bandwidth)" if i == 0 else None)
            ax.text(x[0] * 1.5, peak.median * 1.06, f"{isa} FMA peak {peak.median:.3g} GFLOP/s",
                    ha="left", va="bottom", fontsize=7, color="red" if i == 0 else "0.4")
        if bw:
            ax.text(x[0] * 1.5, x[0] * 1.5 * bw.median * 1.6, f"DRAM STREAM {bw.median:.3g} GB/s", rotation=0,
                    fontsize=7, color="red", ha="left", va="bottom")
        for v in variants:
            for fam in families:
                pts = [r for r in rows if r.threads == t and r.variant == v and r.suites and r.suites[0] == fam]
                if pts:
                    ax.scatter([r.ai for r in pts], [r.rate.median for r in pts], s=26, color=styles.color(v),
                               marker=family_marker[fam], alpha=0.85, edgecolors="none")
        # Which shape is which: a shape's column is labelled above its fastest point, the fastest
        # shapes first, skipping a column within 15 % of one already labelled (the labels would collide).
        tops = [max((r for r in rows if r.threads == t and r.shape == shape), key=lambda r: r.rate.median)
                for shape in {r.shape for r in rows if r.threads == t}]
        labelled = []
        for top in sorted(tops, key=lambda r: -r.rate.median):
            if all(abs(math.log(top.ai / ai)) > 0.14 for ai in labelled):
                labelled.append(top.ai)
                ax.annotate(bench.shape_label(top.shape), (top.ai, top.rate.median), xytext=(0, 6),
                            textcoords="offset points", rotation=90, fontsize=6.5, ha="center", va="bottom",
                            color="0.25")
        over = [r for r in rows if r.threads == t and r.above_roof]
        if over:
            ax.scatter([r.ai for r in over], [r.rate.median for r in over], s=110, facecolors="none",
                       edgecolors="red", linewidths=1.6, zorder=5, label=ABOVE_ROOF)
        ax.set_xlabel("arithmetic intensity (FLOP per byte of compulsory traffic)")
        ax.set_ylabel("GFLOP/s (median)")
        ax.set_title(f"Roofline, {t} thread{'s' if t > 1 else ''}: every conv2d (variant, shape)")
        ax.grid(which="both", alpha=0.3)
        ax.set_ylim(top=ax.get_ylim()[1] * 4)  # room for the shape labels
    from matplotlib.lines import Line2D
    handles = [Line2D([], [], color=styles.color(v), marker="o", linestyle="none", label=v) for v in variants]
    handles += [Line2D([], [], color="0.3", marker=family_marker[f], linestyle="none", label=f"suite {f}")
                for f in families]
    for ax in axes[0]:
        for h, l in zip(*ax.get_legend_handles_labels()):
            if l not in [x.get_label() for x in handles]:
                handles.append(h)
    axes[0][-1].legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, fontsize=8)
    return [save(fig, out, "roofline.png")]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("figure", choices=["ladder", "size-scaling", "thread-scaling", "roofline", "all"])
    ap.add_argument("--bench", nargs="+", required=True, help="convlab-bench JSON file(s)")
    ap.add_argument("--machine", help="`convlab machine --json` file (roofs)")
    ap.add_argument("--out", help="directory for the PNGs (default: a new scratch directory, printed; never "
                                  "results/, which scripts/run-lab owns)")
    ap.add_argument("--suite", default="scaling", help="size-scaling: the suite to fit (default scaling)")
    ap.add_argument("--isa", help="ladder: the ISA whose peak is drawn (default: the one the benchmark's plans "
                                  "used, from its JSON)")
    a = ap.parse_args()
    if a.out is None:
        import tempfile
        a.out = tempfile.mkdtemp(prefix="convlab-plots-")
        print(f"plots: writing into {a.out}", file=sys.stderr)
    try:
        os.makedirs(a.out, exist_ok=True)
    except OSError as e:
        die("plots.py", f"--out {a.out}: {e.strerror}")
    try:
        bench = Bench(a.bench)
        machine = Machine(a.machine) if a.machine else None
    except LabDataError as e:
        die("plots.py", str(e))
    if not bench.rows:
        die("plots.py", "the benchmark JSON holds no rows to plot")
    if a.isa is None:
        a.isa = next((c["convlab"]["isa"] for c in bench.contexts if "isa" in c["convlab"]), None)
    if machine and a.isa not in machine.isas():
        a.isa = machine.isas()[0]
    if a.figure in ("ladder", "all"):
        ladder(bench, machine, a.out, a.isa)
    if a.figure in ("size-scaling", "all"):
        size_scaling(bench, a.out, a.suite)
    if a.figure in ("thread-scaling", "all"):
        thread_scaling(bench, a.out)
    if a.figure in ("roofline", "all"):
        roofline(bench, machine, a.out)


if __name__ == "__main__":
    main()
