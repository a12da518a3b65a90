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
from labdata import ABOVE_ROOF, Bench, Machine, geomean  # noqa: E402

BASELINE_STYLES = ["-", "--", ":", "-."]


def variant_colors(names):
    cmap = plt.get_cmap("tab10")
    return {n: cmap(i % 10) for i, n in enumerate(names)}


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
    shapes = [s for s in shapes if any(r.shape == s for r in rows)]
    variants = bench.ordered_variants(op, rows)
    steps = [v for v in variants if bench.kind(op, v) == "ladder"]
    baselines = [v for v in variants if bench.kind(op, v) != "ladder"]
    reference = bench.reference_variant(op)
    colors = variant_colors(steps)
    unit = "GFLOP/s" if op == "conv2d" else "GB/s"
    width = 0.8 / max(1, len(steps))
    fig, ax = plt.subplots(figsize=(max(9, 0.75 * len(shapes) * max(1, len(steps)) ** 0.5 + 3), 6.5))
    lo = math.inf
    for i, v in enumerate(steps):
        xs, ys, errs, ups, tops = [], [], [[], []], [], []
        for k, s in enumerate(shapes):
            r = bench.find(op, v, s, threads)
            if r is None:
                continue
            base = bench.find(op, reference, s, threads)
            xs.append(k - 0.4 + width * (i + 0.5))
            ys.append(r.rate.median)
            errs[0].append(r.rate.median - r.rate.min)
            errs[1].append(r.rate.max - r.rate.median)
            ups.append(r.rate.median / base.rate.median if base else math.nan)
            tops.append(max(r.rate.max, r.rate.median))
            lo = min(lo, r.rate.min)
        if not xs:
            continue
        ax.bar(xs, ys, width=width * 0.95, color=colors[v], label=v, yerr=errs, capsize=1.5,
               error_kw={"elinewidth": 0.6, "ecolor": "0.3"})
        for x, top, up in zip(xs, tops, ups):
            if math.isfinite(up):
                ax.text(x, top * 1.1, f"×{up:.3g}", rotation=90, ha="center", va="bottom", fontsize=6.5)
    for j, v in enumerate(baselines):
        first = True
        for k, s in enumerate(shapes):
            r = bench.find(op, v, s, threads)
            if r is None:
                continue
            ax.hlines(r.rate.median, k - 0.45, k + 0.45, colors="k" if j == 0 else f"C{3 + j}",
                      linestyles=BASELINE_STYLES[j % len(BASELINE_STYLES)], linewidth=1.6,
                      label=v if first else None)
            first = False
            lo = min(lo, r.rate.median)
    flagged = [(k, bench.find(op, v, s, threads)) for v in variants for k, s in enumerate(shapes)]
    flagged = [(k, r) for k, r in flagged if r is not None and r.above_roof]
    if flagged:
        ax.scatter([k for k, _ in flagged], [r.rate.median for _, r in flagged], marker="X", s=70,
                   color="red", edgecolors="black", linewidths=0.6, zorder=5, label=ABOVE_ROOF)
    roof = roof_of(machine, op, threads, isa)
    if op == "pool2d":
        # Each pool's roof is the bandwidth at its own working set: one tick per shape.
        roofs = {k: r.roof for v in variants for k, s in enumerate(shapes)
                 for r in [bench.find(op, v, s, threads)] if r is not None and r.roof > 0}
        for n, (k, value) in enumerate(sorted(roofs.items())):
            ax.hlines(value, k - 0.45, k + 0.45, colors="red", linewidth=1.4,
                      label="bandwidth roof at the shape's working set" if n == 0 else None)
        roof = None
    if roof:
        what = f"fp32 FMA peak ({isa}, {threads} thr)" if op == "conv2d" else f"STREAM bandwidth ({threads} thr)"
        ax.axhline(roof.median, color="red", linewidth=1.2)
        ax.text(len(shapes) - 0.5, roof.median * 1.05, f"{what}: {roof.median:.3g} {unit}", color="red",
                ha="right", va="bottom", fontsize=8)
    ax.set_yscale("log")
    if math.isfinite(lo):
        ax.set_ylim(bottom=lo / 3, top=(roof.median if roof else ax.get_ylim()[1]) * 4)
    ax.set_xticks(range(len(shapes)))
    ax.set_xticklabels([bench_label(bench, s) for s in shapes], rotation=35, ha="right", fontsize=8)
    ax.set_xlim(-0.6, len(shapes) - 0.4)
    ax.set_ylabel(f"{unit} (log scale; median, bars: min-max of repetitions)")
    what = "conv2d" if op == "conv2d" else "pool2d (compulsory bytes)"
    ax.set_title(f"The ladder: {what}, suite {suite}, {threads} thread{'s' if threads > 1 else ''} "
                 f"(×N over {reference} on each bar)")
    ax.grid(axis="y", which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", ncol=2)
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
    variants = bench.ordered_variants("conv2d", rows)
    colors = variant_colors(variants)
    fig, (ax_t, ax_g) = plt.subplots(1, 2, figsize=(13, 5.5))
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
        style = "--" if bench.kind("conv2d", v) != "ladder" else "-"
        ax_t.loglog(n, t, "o" + style, color=colors[v], label=f"{v}: time ∝ N^{slope_t:.2f}")
        ax_t.loglog(n, np.exp(icpt) * n ** slope_t, ":", color=colors[v], linewidth=0.8)
        ax_g.loglog(n, g, "o" + style, color=colors[v], label=f"{v}: slope {slope_g:+.2f}")
        print(f"size-scaling {v} ({threads} thread): time ~ N^{slope_t:.2f}, GFLOP/s ~ N^{slope_g:+.2f}")
    if fits:
        n0 = np.array([16, 256], dtype=float)
        ref = min(p.time_us.median for p in rows) * 1e-6
        ax_t.loglog(n0, ref * (n0 / n0[0]) ** 2, color="0.6", linewidth=3, alpha=0.5, label="N² (the seed's claim)")
    for ax in (ax_t, ax_g):
        ax.set_xlabel("image side N (pixels; 3 channels in, 16 out, 3×3 kernel, batch 1)")
        ax.grid(which="both", alpha=0.3)
        ax.legend(fontsize=8)
        ax.set_xticks([16, 32, 64, 128, 256])
        ax.set_xticklabels(["16", "32", "64", "128", "256"])
    ax_t.set_ylabel("time per call (s, median; log scale)")
    ax_t.set_title(f"Time against size, {threads} thread (dotted: fitted power law)")
    ax_g.set_ylabel("GFLOP/s (median; log scale)")
    plain = matplotlib.ticker.FuncFormatter(lambda y, _: f"{y:g}")
    if ax_g.get_ylim()[1] / ax_g.get_ylim()[0] < 20:  # less than a decade or so: label the minor ticks
        ax_g.yaxis.set_major_formatter(plain)
        ax_g.yaxis.set_minor_formatter(plain)
        ax_g.tick_params(axis="y", which="minor", labelsize=7)
    ax_g.set_title("Rate against size (flat = time grows like the work)")
    written = [save(fig, out, "size-scaling.png")]
    path = os.path.join(out, "size-scaling.json")
    with open(path, "w") as f:
        json.dump(fits, f, indent=2)
    print(path)
    return written


# --- thread scaling -------------------------------------------------------------
def thread_scaling(bench, out):
    counts = bench.thread_counts()
    if len(counts) < 2:
        print("thread-scaling: only one thread count in the JSON; skipped", file=sys.stderr)
        return []
    suites = [s for s in bench.suites if len({r.threads for r in bench.select(suite=s)}) > 1]
    if not suites:
        print("thread-scaling: no suite was run at several thread counts; skipped", file=sys.stderr)
        return []
    fig, axes = plt.subplots(1, len(suites), figsize=(5.5 * len(suites), 5), squeeze=False)
    for ax, suite in zip(axes[0], suites):
        ts = sorted({r.threads for r in bench.select(suite=suite)})
        ax.plot(ts, ts, color="0.6", linewidth=3, alpha=0.5, label="ideal (speed-up = threads)")
        for op, style in (("conv2d", "-o"), ("pool2d", "--s")):
            variants = bench.ordered_variants(op, bench.select(op=op, suite=suite))
            colors = variant_colors(variants)
            for v in variants:
                ys = []
                for t in ts:
                    ratios = []
                    for s in bench.shapes_of(op, suite):
                        one, many = bench.find(op, v, s, ts[0]), bench.find(op, v, s, t)
                        if one and many:
                            ratios.append(many.rate.median / one.rate.median)
                    ys.append(geomean(ratios))
                if all(math.isnan(y) for y in ys):
                    continue
                ax.plot(ts, ys, style, color=colors[v], label=f"{op} {v}")
        ax.set_xticks(ts)
        ax.set_xlabel("threads")
        ax.set_ylabel(f"speed-up over {ts[0]} thread (geometric mean over shapes)")
        ax.set_title(f"Thread scaling, suite {suite}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    return [save(fig, out, "thread-scaling.png")]


# --- roofline -------------------------------------------------------------------
def roofline(bench, machine, out):
    rows = [r for r in bench.select(op="conv2d") if r.ai > 0]
    if not rows or machine is None:
        print("roofline: needs conv2d rows and the machine JSON; skipped", file=sys.stderr)
        return []
    counts = sorted({r.threads for r in rows})
    variants = bench.ordered_variants("conv2d", rows)
    colors = variant_colors(variants)
    markers = "osD^v<>p*hX"
    fig, axes = plt.subplots(1, len(counts), figsize=(7 * len(counts), 5.8), squeeze=False)
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
            ax.text(x[-1], peak.median * 1.06, f"{isa} FMA peak {peak.median:.3g} GFLOP/s",
                    ha="right", va="bottom", fontsize=7, color="red" if i == 0 else "0.4")
        if bw:
            x_text = 0.1
            ax.text(x_text, x_text * bw.median * 1.25, f"STREAM {bw.median:.3g} GB/s", rotation=0,
                    fontsize=7, color="red", ha="left", va="bottom")
        for j, v in enumerate(variants):
            pts = [r for r in rows if r.threads == t and r.variant == v]
            if pts:
                ax.scatter([r.ai for r in pts], [r.rate.median for r in pts], s=22, color=colors[v],
                           marker=markers[j % len(markers)], label=v, alpha=0.85, edgecolors="none")
        over = [r for r in rows if r.threads == t and r.above_roof]
        if over:
            ax.scatter([r.ai for r in over], [r.rate.median for r in over], s=110, facecolors="none",
                       edgecolors="red", linewidths=1.6, zorder=5, label=ABOVE_ROOF)
        ax.set_xlabel("arithmetic intensity (FLOP per byte of compulsory traffic)")
        ax.set_ylabel("GFLOP/s (median)")
        ax.set_title(f"Roofline, {t} thread{'s' if t > 1 else ''}: every conv2d (variant, shape)")
        ax.grid(which="both", alpha=0.3)
    legend = {}
    for ax in axes[0]:
        for h, l in zip(*ax.get_legend_handles_labels()):
            legend.setdefault(l, h)
    handles, labels = list(legend.values()), list(legend.keys())
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=min(5, len(labels)),
               fontsize=8)
    return [save(fig, out, "roofline.png")]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("figure", choices=["ladder", "size-scaling", "thread-scaling", "roofline", "all"])
    ap.add_argument("--bench", nargs="+", required=True, help="convlab-bench JSON file(s)")
    ap.add_argument("--machine", help="`convlab machine --json` file (roofs)")
    ap.add_argument("--out", default="results", help="directory for the PNGs (default results)")
    ap.add_argument("--suite", default="scaling", help="size-scaling: the suite to fit (default scaling)")
    ap.add_argument("--isa", help="ladder: the ISA whose peak is drawn (default: the one the benchmark's plans "
                                  "used, from its JSON)")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    bench = Bench(a.bench)
    machine = Machine(a.machine) if a.machine else None
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
