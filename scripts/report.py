#!/usr/bin/python3
"""Writes REPORT.md from what scripts/run-lab produced in one directory:
machine.json (`convlab machine`), bench-*.json (convlab-bench), check-seed.txt
(`convlab check`), the PNGs of scripts/plots.py, run.json (run-lab's own
record: mode, commands, step times) and study-*.md sections (--full, or a
study run into the same directory).

REPORT.md answers first: per layer, the lab's best variant against oneDNN and
the roof, the worst gaps, the three questions' answers (or how to get them);
then the figures. Details go to linked files: machine.md, matrix-SUITE.md,
scaling.md, plans.md.

  report.py DIR          writes DIR/REPORT.md and its detail files
"""
import glob
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labdata import ABOVE_ROOF, Bench, LabDataError, Machine, die, read_json  # noqa: E402
from labdata import markdown_table as table  # noqa: E402


def fmt_rate(v):
    if v is None or not math.isfinite(v):
        return "–"
    return f"{v:.3g}" if v < 100 else f"{v:.0f}"


def fmt_spread(s):
    return f"{fmt_rate(s.min)}–{fmt_rate(s.max)}" if s else "–"


def fmt_time(us):
    if us >= 1e6:
        return f"{us / 1e6:.2f} s"
    if us >= 1e3:
        return f"{us / 1e3:.3g} ms"
    return f"{us:.3g} µs"


def fmt_bytes(b):
    return f"{b / 2**20:.0f} MiB" if b >= 2**20 else f"{b / 2**10:.0f} KiB"


def identity(m):
    c = m.cpu
    if not c.get("vendor"):
        return "not recorded (machine.json from before identity was recorded)"
    return (f"{c['vendor']}, family {c.get('family')} model {c.get('model_number')} stepping {c.get('stepping')}; "
            f"the OS kernel enables AVX-512 state: {'yes' if c.get('os_enables_avx512') else 'no'}, "
            f"AMX: {'yes' if c.get('os_enables_amx') else 'no'}")


def placement(m):
    p = m.json.get("placement")
    if not p:
        return "not recorded"
    cpus = p.get("affinity_cpus", [])
    return f"CPUs {','.join(map(str, cpus))} ({len(cpus)}); {p.get('threads', '')}"


def per_thread_table(first, keys, lookup, counts):
    """One row per key: lookup(key, threads)'s median (min–max) per thread count."""
    rows = []
    for key in keys:
        row = [key]
        for t in counts:
            v = lookup(key, t)
            row.append(f"{fmt_rate(v.median)} ({fmt_rate(v.min)}–{fmt_rate(v.max)})" if v else "–")
        rows.append(row)
    return table([first] + [f"{t} thread{'s' if t > 1 else ''}" for t in counts], rows)


def machine_section(m, onednn):
    lines = ["## The machine", ""]
    c = m.caches
    lines.append(table(["", ""], [
        ["CPU", m.cpu["model"]],
        ["identity", identity(m)],
        ["ISA flags", " ".join(m.cpu.get("isa_flags", [])) or "not recorded"],
        ["thread placement", placement(m)],
        ["topology", f"{m.cpu['hardware_threads']} hardware threads, {m.cpu['cores']} cores, "
                     f"{m.cpu['packages']} package(s); best ISA {m.cpu['detected_isa']}"],
        ["caches", f"L1d {fmt_bytes(c['l1d_bytes'])}, L2 {fmt_bytes(c['l2_bytes'])}, "
                   f"L3 {fmt_bytes(c['l3_bytes'])}, line {c['line_bytes']} B (from {c['source']})"],
        ["build", f"{m.build['compiler']}, {m.build['build_type']}, baseline flags `{m.build['baseline_flags']}` "
                  "(SIMD steps: per-ISA passes, see CMakeLists.txt)"],
        ["oneDNN", onednn or "not built"],
        ["measured", m.date],
    ]))
    s = m.settings
    counts = m.thread_counts()
    chains = s.get("fma_chains_per_thread")
    chains = (", ".join(f"{k} {v}" for k, v in chains.items()) if isinstance(chains, dict)
              else str(s.get("fma_accumulators_per_thread", "?")))
    lines += ["", f"**fp32 FMA peak**, GFLOP/s: median (min–max) of {s['reps']} samples of "
                  f"{s['fma_seconds_per_sample']} s; independent FMA chains per thread ({chains}): the ISA's "
                  "register file less the loop's two constants, so nothing spills (SSE4.2 has no FMA: mul + add).",
              ""]
    lines.append(per_thread_table("ISA", m.isas(), m.peak, counts))
    # A core's FMA units are its own: t threads on t idle cores give about t times one.
    short = []
    for isa in m.isas():
        one = m.peak(isa, 1)
        for t in counts:
            p = m.peak(isa, t)
            if one and p and 1 < t <= m.cpu["cores"] and p.median < 0.75 * t * one.median:
                short.append(f"{isa} on {t} threads: {fmt_rate(p.median)}, {p.median / one.median:.2g}× one thread")
    if short:
        lines += ["", "**Warning:** these peaks are not about t× the 1-thread peak although every thread had a "
                      "core of its own (" + "; ".join(short) + "). Another process most likely held a core while "
                      "they were measured, so % peak at those thread counts reads too high. Re-run "
                      "`convlab machine` on a quiet machine before trusting them."]
    lines += ["", f"**Streaming bandwidth**, GB/s: STREAM copy (8 B per element) and triad (12 B) over 3 arrays of "
                  f"{fmt_bytes(s['stream_array_bytes'])} each (at least twice the L3).", ""]
    lines.append(per_thread_table("kernel", ("copy", "triad"), m.stream, counts))
    sweep = m.json.get("bandwidth_sweep_gbps")
    if sweep:
        best = {}
        for rows_of_kernel in sweep.values():
            for r in rows_of_kernel:
                cell = best.setdefault(r["bytes"], {})
                cell[r["threads"]] = max(cell.get(r["threads"], 0.0), r["median"])
        lines += ["", "**Bandwidth by working set**, GB/s (best of copy and triad medians, in the CPU's widest "
                      "vectors): a pooling row's roof is the best figure on a working set at least as large as "
                      "its own (input + output), DRAM STREAM included, so a pool whose data stays in a cache is "
                      "compared with that cache.", ""]
        lines.append(table(["working set"] + [f"{t} thread{'s' if t > 1 else ''}" for t in counts],
                           [[fmt_bytes(b)] + [fmt_rate(best[b].get(t)) for t in counts] for b in sorted(best)]))
    return lines


def above_roof_section(bench):
    rows = [r for r in bench.rows if not r.error and r.above_roof]
    if not rows:
        return ["", "## Rows above their roof", "", "None: every row stays at or below its measured roof."]
    out = ["", "## Rows above their roof", "",
           f"⚠ **{len(rows)} row(s) {ABOVE_ROOF}.** No kernel can run faster than the hardware, so for each "
           "row below the roof it is divided by is wrong: the FMA peak for its ISA and thread count was "
           "measured low (a busy machine, a frequency change) or, for pooling, the working set stays in a "
           "cache faster than the bandwidth sweep measured. Re-measure the roofs "
           "(`convlab machine`) on a quiet machine before reading % of peak.", ""]
    out.append(table(["row", "median", "roof", "% of roof"],
                     [[f"`{r.op}/{r.variant}/{r.shape}/threads:{r.threads}`", f"{fmt_rate(r.rate.median)} {r.unit}",
                       f"{fmt_rate(r.roof)}", f"{r.pct.median:.0f}"] for r in rows]))
    return out


def matrix_tables(bench, suite, isa, d):
    lines = []
    best = "onednn-best:compute"

    def ratio(r, other):
        if other is None:
            return "–"
        if r.unstable or other.unstable:
            return "unstable"
        return f"{r.rate.median / other.rate.median:.3g}"

    for op in ("conv2d", "pool2d"):
        shapes = bench.shapes_of(op, suite)
        reference = bench.reference_variant(op)
        for t in bench.thread_counts():
            rows = bench.select(op=op, suite=suite, threads=t)
            if not rows:
                continue
            unit = "GFLOP/s" if op == "conv2d" else "GB/s"
            pct = f"% peak ({isa})" if op == "conv2d" else "% bw"
            variants = bench.ordered_variants(op, rows)
            has_onednn = any(bench.find(op, best, s, t) for s in shapes)
            out = []
            for s in shapes:
                base = bench.find(op, reference, s, t)
                top = bench.find(op, best, s, t)
                first = True
                for v in variants:
                    r = bench.find(op, v, s, t)
                    if r is None:
                        continue
                    cells = [
                        f"{r.short_label()} `{s}`" if first else "",
                        v + (" (baseline)" if r.kind == "baseline" else "") + (" (unstable)" if r.unstable else ""),
                        f"**{fmt_rate(r.rate.median)}**", fmt_spread(r.rate),
                        (fmt_rate(r.pct.median) + (" ⚠" if r.above_roof else "")) if r.pct else "–",
                        ratio(r, base)]
                    if has_onednn:
                        cells.append(ratio(r, top))
                    out.append(cells + [fmt_time(r.time_us.median)])
                    first = False
            header = ["shape", "variant", unit, "min–max", pct, f"× {reference}"]
            header += ["× oneDNN best"] if has_onednn else []
            lines += ["", f"### {op}, suite {suite}, {t} thread{'s' if t > 1 else ''}", "",
                      table(header + ["time/call"], out)]
            if any(row[4].endswith("⚠") for row in out):
                lines += ["", f"⚠ {ABOVE_ROOF}: a kernel cannot beat the hardware, so the roof these rows are "
                              "divided by is wrong for them (see REPORT.md, \"Rows above their roof\")."]
            fig = f"ladder-{op}-{suite}-t{t}.png"
            if os.path.exists(os.path.join(d, fig)):
                lines += ["", f"![ladder {op} {suite} {t} thread{'s' if t > 1 else ''}]({fig})"]
    return lines


QUESTIONS = [
    ("q1-cache", "Q1, cache locality", "which loop order and blocking give cache locality", "~15 min"),
    ("q2-parallel", "Q2, parallelization", "how to split the convolution over cores", "~5 min"),
    ("q3-memory", "Q3, memory", "what a small CNN needs for a batch of 32 CIFAR-10 images", "~1 min"),
]


def first_paragraph(markdown):
    """The answer a study section opens with: its first paragraph after the heading."""
    paragraph = []
    for line in markdown.splitlines():
        if line.startswith("#"):
            if paragraph:
                break
            continue
        if not line.strip():
            if paragraph:
                break
            continue
        paragraph.append(line.strip())
    return " ".join(paragraph)


def questions_section(d):
    lines = ["", "## The three questions", ""]
    for name, title, what, duration in QUESTIONS:
        path = os.path.join(d, f"study-{name}.md")
        answer = ""
        if os.path.exists(path):
            with open(path) as f:
                answer = first_paragraph(f.read())
        if answer:
            lines.append(f"- **{title}** ({what}): {answer} — details in [study-{name}.md](study-{name}.md).")
        else:
            lines.append(f"- **{title}** ({what}): not run here. `scripts/run-lab --full` runs every study, or "
                         f"alone: `scripts/study-{name} results/{name}` ({duration} on 2 cores).")
    return lines


def best_of(bench, op, shape, threads, names):
    rows = [bench.find(op, v, shape, threads) for v in names]
    rows = [r for r in rows if r is not None and not r.unstable]
    return max(rows, key=lambda r: r.rate.median) if rows else None


def ratio_cell(ours, theirs):
    if ours is None or theirs is None:
        return "–"
    if theirs.unstable:
        return "unstable"
    return f"{ours.rate.median / theirs.rate.median:.2f}×"


def findings_section(bench, suites, isa, ratios):
    """Per suite and layer: the best rung of the lab against oneDNN and against the roof."""
    lines = ["", "## Findings", "",
             "Per layer, the fastest variant of the lab (ladder rungs and branches; unstable rows left out) "
             "against oneDNN with NCHW in and out like every variant (`onednn-best`) and against oneDNN's "
             f"convolution alone in its own layout (`onednn-best:compute`), and its % of the measured roof ({isa} FMA "
             "peak for conv2d, the bandwidth at the layer's working set for pool2d). Above 1× the lab is faster.", ""]
    ours = [v["name"] for v in bench.variants if v["kind"] != "baseline"]
    tables = []
    for suite in suites:
        counts = sorted({r.threads for r in bench.select(suite=suite)})
        for op in ("conv2d", "pool2d"):
            shapes = bench.shapes_of(op, suite)
            if not shapes or not bench.select(op=op, suite=suite):
                continue
            header = ["layer"]
            for t in counts:
                header += [f"{t}T best", "× oneDNN", "× oneDNN compute", "% roof"] if op == "conv2d" else \
                          [f"{t}T best", "GB/s", "% roof"]
            rows = []
            for shape in shapes:
                cells = [bench.shape_label(shape)]
                for t in counts:
                    top = best_of(bench, op, shape, t, ours)
                    if top is None:
                        cells += ["–"] * (4 if op == "conv2d" else 3)
                        continue
                    pct = f"{top.pct.median:.0f} %" + (" ⚠" if top.above_roof else "") if top.pct else "–"
                    if op == "conv2d":
                        one = bench.find(op, "onednn-best", shape, t)
                        compute = bench.find(op, "onednn-best:compute", shape, t)
                        alone = best_of(bench, op, shape, t, with_compute_rows(ours))
                        cells += [top.variant, ratio_cell(top, one), ratio_cell(alone, compute), pct]
                    else:
                        cells += [top.variant, fmt_rate(top.rate.median), pct]
                rows.append(cells)
            tables += [f"**{op}, suite {suite}** (details: [matrix-{suite}.md](matrix-{suite}.md))", "",
                       table(header, rows), ""]
    if ratios:
        behind = sum(1 for r in ratios if r[0] < 1.0)
        lines += [f"**Against oneDNN's convolution alone**: the lab is ahead on {len(ratios) - behind} of "
                  f"{len(ratios)} (layer, threads) pairs. Furthest behind: " +
                  "; ".join(f"{bench.shape_label(shape)} at {t}T ({top.variant}, {r:.2f}×, suite {suite})"
                            for r, suite, shape, t, top, *_ in ratios[:3]) + " (every layer: section \"vs oneDNN\").",
                  ""]
    return lines + tables


def limit_of(ours, theirs, machine):
    """What holds a layer below oneDNN, read from the measurements: the roofline side of the layer
    (its FLOP per byte against the machine's ridge point), then each side's share of the FMA peak."""
    bw = machine.bandwidth(ours.threads)
    if bw and ours.roof and ours.ai < ours.roof / bw.median:
        return (f"memory-bound ({ours.ai:.1f} FLOP/B under the ridge at {ours.roof / bw.median:.1f}): "
                f"{ours.rate.median / ours.ai:.1f} GB/s against oneDNN's {theirs.rate.median / theirs.ai:.1f}")
    if ours.pct and theirs.pct:
        return (f"compute-bound: the kernel reaches {ours.pct.median:.0f} % of the FMA peak, oneDNN "
                f"{theirs.pct.median:.0f} %")
    return "–"


def with_compute_rows(names):
    """The variants' rows and their compute-only rows (`blocked:compute`): the lab's side of a comparison
    with oneDNN's convolution alone."""
    return names + [f"{n}:compute" for n in names]


def conv_ratios(bench, suites):
    """Per conv layer and thread count, lowest first: (the lab's fastest row, compute-only rows included, ÷
    oneDNN's convolution alone, suite, shape, threads, that row, oneDNN's compute row, the lab's fastest row
    with NCHW in and out); pairs with an unstable oneDNN row left out."""
    ours = [v["name"] for v in bench.variants if v["kind"] != "baseline" and v["op"] == "conv2d"]
    rows = []
    for suite in suites:
        for shape in bench.shapes_of("conv2d", suite):
            for t in sorted({r.threads for r in bench.select(op="conv2d", suite=suite)}):
                top = best_of(bench, "conv2d", shape, t, with_compute_rows(ours))
                theirs = bench.find("conv2d", "onednn-best:compute", shape, t)
                if top is None or theirs is None or theirs.unstable:
                    continue
                rows.append((top.rate.median / theirs.rate.median, suite, shape, t, top, theirs,
                             best_of(bench, "conv2d", shape, t, ours)))
    return sorted(rows, key=lambda r: r[0])


def vs_onednn_section(bench, rows, machine):
    """Every conv layer's ratio to oneDNN's convolution alone (conv_ratios), lowest first; below 1x, what
    limits it."""
    if not rows:
        return []
    cells = []
    for ratio, suite, shape, t, top, theirs, nchw in rows:
        mark = "**" if ratio < 1.0 else ""
        one = bench.find("conv2d", "onednn-best", shape, t)
        cells.append([f"{mark}{ratio:.2f}×{mark}", ratio_cell(nchw, one), bench.shape_label(shape), suite, str(t),
                      top.variant + (f", NCHW {nchw.variant}" if nchw and nchw is not top else ""),
                      limit_of(top, theirs, machine) if ratio < 1.0 else ""])
    behind = sum(1 for r in rows if r[0] < 1.0)
    return ["", "## vs oneDNN", "",
            f"Every conv layer and thread count, lowest first: the lab's fastest row (compute-only rows such as "
            f"`blocked:compute` included) against oneDNN's convolution alone (`onednn-best:compute`, its own "
            f"blocked layout), and the lab's fastest row with NCHW in and out against `onednn-best`. {behind} of "
            f"{len(rows)} below 1× (bold), each with what limits it.", "",
            table(["× compute", "× NCHW", "layer", "suite", "threads", "ours", "what limits it"], cells)]


def unstable_section(bench):
    rows = [r for r in bench.rows if not r.error and r.unstable]
    if not rows:
        return []
    out = ["", "## Unstable rows", "",
           f"{len(rows)} row(s) varied too much to trust; they are left out of every ratio above "
           "(re-run on a quieter machine):", ""]
    out += [f"- `{r.op}/{r.variant}/{r.shape}/threads:{r.threads}`: {r.unstable}" for r in rows]
    return out


def write(path, lines):
    try:
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
    except OSError as e:
        die("report.py", f"{path}: cannot write ({e.strerror})")


def main():
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__, file=sys.stdout if len(sys.argv) == 2 else sys.stderr)
        sys.exit(0 if len(sys.argv) == 2 else 2)
    d = sys.argv[1]
    if not os.path.isdir(d):
        die("report.py", f"{d}: no such directory")
    files = sorted(glob.glob(os.path.join(d, "bench-*.json")))
    if not files:
        die("report.py", f"{d}: no bench-*.json (scripts/run-lab writes them; or convlab-bench --json)")
    run = {}
    try:
        if os.path.exists(os.path.join(d, "run.json")):
            run = read_json(os.path.join(d, "run.json"), "run record")
        machine = Machine(os.path.join(d, "machine.json"))
        bench = Bench(files)
    except LabDataError as e:
        die("report.py", str(e))
    ctx = bench.contexts[0]["convlab"] if bench.contexts else {}
    isa = ctx.get("isa") or machine.isas()[0]
    order = run.get("suites", [])  # run-lab's order (the JSON files come sorted by name)
    suites = sorted((s for s in bench.suites if s != "scaling"),
                    key=lambda s: order.index(s) if s in order else len(order))

    L = ["# convlab: how close the ladder is to oneDNN and to the roof", ""]
    produced = ""
    if run:
        produced = (f" Produced by `{run.get('command', 'scripts/run-lab')}` ({run.get('mode', '?')} mode) on "
                    f"{run.get('date', machine.date)} in {run.get('elapsed', '?')}, `{run.get('git', '?')}`.")
    L += [f"**{machine.cpu['model']}** ({identity(machine)}), {machine.cpu['cores']} cores; plans' ISA **{isa}**; "
          f"threads {placement(machine)}.{produced} Medians of {ctx.get('reps', '?')} interleaved repetitions; "
          "only `plan.run` is timed. This VM is shared: compare rows of one run, not across runs."]
    L += questions_section(d)
    ratios = conv_ratios(bench, suites)
    L += findings_section(bench, suites, isa, ratios)
    L += vs_onednn_section(bench, ratios, machine)
    L += unstable_section(bench)
    L += above_roof_section(bench)

    check = os.path.join(d, "check-seed.txt")
    if os.path.exists(check):
        with open(check) as f:
            text = f.read().strip().splitlines()
        summary = next((l for l in reversed(text) if "checks:" in l), text[-1] if text else "")
        L += ["", f"**Correctness first**: `convlab check --suite seed` (integer inputs exact, reals within "
                  f"compare.hpp's bound): {summary.strip()} ([check-seed.txt](check-seed.txt))."]

    L += ["", "## Figures", ""]
    for suite in suites:
        for t in bench.thread_counts():
            fig = f"ladder-conv2d-{suite}-t{t}.png"
            if os.path.exists(os.path.join(d, fig)):
                L.append(f"![ladder conv2d {suite} {t}T]({fig})")
    for fig, what in (("size-scaling.png", "size scaling: time and rate against the image side N (the seed's "
                                             "complexity analysis; fitted slopes in [scaling.md](scaling.md))"),
                      ("thread-scaling.png", "thread scaling: speed-up over one thread per variant"),
                      ("roofline.png", "roofline: every conv2d row under the measured roofs")):
        if os.path.exists(os.path.join(d, fig)):
            L += ["", f"{what[0].upper()}{what[1:]}:", "", f"![{fig}]({fig})"]

    # Details, each in its own file.
    write(os.path.join(d, "machine.md"), ["# The machine", ""] + machine_section(
        machine, ctx.get("onednn_version") and f"{ctx['onednn_version']} (Debian libdnnl)")[2:])
    for suite in suites:
        write(os.path.join(d, f"matrix-{suite}.md"), [f"# The matrix: suite {suite}", "", MATRIX_HOW_TO_READ.format(
            reference=bench.reference_variant("conv2d") or "naive")] + matrix_tables(bench, suite, isa, d))
    details = ["[machine.md](machine.md) (roofs: FMA peak per ISA and threads, bandwidth by working set)"]
    details += [f"[matrix-{s}.md](matrix-{s}.md)" for s in suites]
    if "scaling" in bench.suites:
        write(os.path.join(d, "scaling.md"), scaling_lines(bench, isa, d))
        details.append("[scaling.md](scaling.md)")
    if bench.skipped or bench.plans or any(r.error for r in bench.rows):
        write(os.path.join(d, "plans.md"), plans_lines(bench))
        details.append(f"[plans.md](plans.md) ({len(bench.skipped)} skipped, "
                       f"{sum(1 for r in bench.rows if r.error)} failed, what oneDNN chose)")
    for study in sorted(glob.glob(os.path.join(d, "study-*.md"))):
        details.append(f"[{os.path.basename(study)}]({os.path.basename(study)})")
    L += ["", "## Details", "", "- " + "\n- ".join(details)]
    if run.get("steps"):
        L += ["", "<details><summary>This run's steps</summary>", ""]
        L.append(table(["step", "seconds", "command"],
                       [[s["name"], f"{s['seconds']:.0f}", f"`{s['command']}`"] for s in run["steps"]]))
        L += ["", "</details>"]
    write(os.path.join(d, "REPORT.md"), L)
    print(os.path.join(d, "REPORT.md"))


MATRIX_HOW_TO_READ = (
    "Each figure is the median over the repetitions with the min–max spread. conv2d rates are GFLOP/s (2 FLOP per "
    "multiply-add); pool2d rates are GB/s of compulsory traffic (input read once, output written once). % peak is "
    "against the fp32 FMA peak for the plans' ISA at the same thread count; % bw against the best copy/triad "
    "bandwidth measured on a working set at least as large as the row's. × {reference} is the speed-up over the first "
    "ladder step; × oneDNN best divides by `onednn-best:compute` (oneDNN's convolution in its own blocked layouts, "
    "activation reorders not timed). `onednn-best` times the same convolution with the NCHW reorders inside `run`, "
    "the contract every variant has; `onednn-nchw` is oneDNN on plain NCHW memory. Unstable rows are marked and left "
    "out of ratios. Debian's libbenchmark is a debug build and warns so; the timed code is convlab's Release build.")


def scaling_lines(bench, isa, d):
    out = ["# Size scaling (the seed's complexity analysis)", "",
           "A 3-channel square image of side N = 16 … 256, a 3×3 kernel, 16 output channels (suite `scaling`). The "
           "work is 2·16·3·9·(N−2)² FLOP, so the time should grow like N² while the data fits in cache; a slope above "
           "2 means the rate falls as the image grows (a memory effect), below 2 that small images pay a fixed "
           "overhead.", ""]
    fits_path = os.path.join(d, "size-scaling.json")
    if os.path.exists(fits_path):
        with open(fits_path) as f:
            fits = json.load(f)
        out.append(table(["variant", "threads", "fitted time ∝ N^k: k", "GFLOP/s ∝ N^k: k"],
                         [[v, f["threads"], f"{f['time_slope']:.2f}", f"{f['gflops_slope']:+.2f}"]
                          for v, f in fits.items()]))
    out += ["", "![size scaling](size-scaling.png)"]
    return out + matrix_tables(bench, "scaling", isa, d)


def plans_lines(bench):
    out = ["# Skipped rows, failed rows, and what oneDNN chose"]
    if bench.skipped:
        out += ["", "## Skipped (a variant declared the shape unsupported)", ""]
        out += [f"- `{s['name']}`: {s['reason']}" for s in bench.skipped]
    errors = [r for r in bench.rows if r.error]
    if errors:
        out += ["", "## Failed rows", ""]
        out += [f"- `{r.op}/{r.variant}/{r.shape}/threads:{r.threads}`: {r.error}" for r in errors]
    onednn = {name: what for name, what in bench.plans.items() if "/onednn" in name}
    if onednn:
        out += ["", "## What each oneDNN plan chose (implementation, layouts)", ""]
        seen = {}
        for name, what in sorted(onednn.items()):
            seen.setdefault(what, []).append(name)
        for what, names in sorted(seen.items(), key=lambda kv: -len(kv[1])):
            out.append(f"- {what}: {len(names)} row(s), e.g. `{names[0]}`")
    return out

if __name__ == "__main__":
    main()
