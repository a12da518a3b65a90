#!/usr/bin/python3
"""Writes REPORT.md from what scripts/run-lab produced in one directory:
machine.json (`convlab machine`), bench-*.json (convlab-bench), check-seed.txt
(`convlab check`), the PNGs of scripts/plots.py, run.json (run-lab's own
record: mode, commands, step times) and, for --full, study-*.md sections.

  report.py DIR          writes DIR/REPORT.md (figures linked relative to DIR)
"""
import glob
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labdata import ABOVE_ROOF, Bench, Machine  # noqa: E402


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


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


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
    rows = []
    for isa in m.isas():
        row = [isa]
        for t in counts:
            p = m.peak(isa, t)
            row.append(f"{fmt_rate(p.median)} ({fmt_rate(p.min)}–{fmt_rate(p.max)})" if p else "–")
        rows.append(row)
    lines.append(table(["ISA"] + [f"{t} thread{'s' if t > 1 else ''}" for t in counts], rows))
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
    rows = []
    for kernel in ("copy", "triad"):
        row = [kernel]
        for t in counts:
            b = m.stream(kernel, t)
            row.append(f"{fmt_rate(b.median)} ({fmt_rate(b.min)}–{fmt_rate(b.max)})" if b else "–")
        rows.append(row)
    lines.append(table(["kernel"] + [f"{t} thread{'s' if t > 1 else ''}" for t in counts], rows))
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
            out = []
            for s in shapes:
                base = bench.find(op, reference, s, t)
                top = bench.find(op, best, s, t)
                first = True
                for v in variants:
                    r = bench.find(op, v, s, t)
                    if r is None:
                        continue
                    out.append([
                        f"{r.short_label()} `{s}`" if first else "",
                        v + (" (baseline)" if r.kind != "ladder" else ""),
                        f"**{fmt_rate(r.rate.median)}**", fmt_spread(r.rate),
                        (fmt_rate(r.pct.median) + (" ⚠" if r.above_roof else "")) if r.pct else "–",
                        f"{r.rate.median / base.rate.median:.3g}" if base else "–",
                        f"{r.rate.median / top.rate.median:.3g}" if top else "–",
                        fmt_time(r.time_us.median),
                    ])
                    first = False
            lines += ["", f"### {op}, suite {suite}, {t} thread{'s' if t > 1 else ''}", "",
                      table(["shape", "variant", unit, "min–max", pct, f"× {reference}", "× oneDNN best",
                             "time/call"], out)]
            if any(row[4].endswith("⚠") for row in out):
                lines += ["", f"⚠ {ABOVE_ROOF}: a kernel cannot beat the hardware, so the roof these rows are "
                              "divided by is wrong for them (see \"Rows above their roof\")."]
            fig = f"ladder-{op}-{suite}-t{t}.png"
            if os.path.exists(os.path.join(d, fig)):
                lines += ["", f"![ladder {op} {suite} {t} thread{'s' if t > 1 else ''}]({fig})"]
    return lines


def main():
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if len(sys.argv) == 2 else 2)
    d = sys.argv[1]
    run = {}
    if os.path.exists(os.path.join(d, "run.json")):
        with open(os.path.join(d, "run.json")) as f:
            run = json.load(f)
    machine = Machine(os.path.join(d, "machine.json"))
    files = sorted(glob.glob(os.path.join(d, "bench-*.json")))
    bench = Bench(files)
    ctx = bench.contexts[0]["convlab"] if bench.contexts else {}
    isa = ctx.get("isa", "avx512")

    L = ["# convlab: the benchmark matrix", "",
         f"Machine: **{machine.cpu['model']}** ({identity(machine)}); {machine.cpu['cores']} cores, "
         f"{machine.cpu['hardware_threads']} hardware threads; ISA flags: "
         f"{' '.join(machine.cpu.get('isa_flags', [])) or 'not recorded'}; plans' ISA **{isa}**; "
         f"threads: {placement(machine)}.", ""]
    if run:
        L += [f"Produced by `{run.get('command', 'scripts/run-lab')}` ({run.get('mode', '?')} mode) on "
              f"{run.get('date', machine.date)}, in {run.get('elapsed', '?')}; branch `{run.get('git', '?')}`.", ""]
    L += ["How to read it: every variant runs behind the same interface and only `plan.run` is timed "
          "(planning, weight packing and data generation are outside the clock; one untimed warm-up run "
          "precedes every repetition). Each figure is the **median over the repetitions** "
          f"({ctx.get('reps', '?')} of about {ctx.get('min_time', '?')} s each, "
          f"{'interleaved at random across all benchmarks' if ctx.get('interleaved') else 'back to back'}), "
          "with the min–max spread. conv2d rates are GFLOP/s (2 FLOP per multiply-add); pool2d rates are "
          "GB/s of compulsory traffic (input read once, output written once). "
          f"% peak is against the fp32 FMA peak measured below for {isa} at the same thread count; "
          "% bw against the best copy/triad bandwidth measured on a working set at least as large as the "
          "row's (see the machine). "
          f"× {bench.reference_variant('conv2d') or 'naive'} is the speed-up over the first ladder step on the same shape "
          "and threads; × oneDNN best divides by the row `onednn-best:compute` (oneDNN's convolution in its own "
          "blocked layouts, weights reordered beforehand, activation reorders not timed: what a framework "
          "that keeps oneDNN layouts pays per layer). The row `onednn-best` times the same convolution with "
          "the NCHW→blocked→NCHW activation reorders inside `run`, the contract every ladder step has; "
          "`onednn-nchw` is oneDNN on plain NCHW/OIHW memory.", "",
          "Caveats: this is a shared 2-core VM, so figures move by ±20–40 % from run to run, and multi-threaded "
          "rows suffer most when another process holds a core; compare rows of one run, not across runs. "
          "Debian's libbenchmark 1.7.1 is a debug build and prints a warning saying so; the timed code is "
          "convlab's Release build and the library only runs the loop and the clock, so it does not affect "
          "the figures.", ""]
    L += machine_section(machine, ctx.get("onednn_version") and f"{ctx['onednn_version']} (Debian libdnnl)")

    L += above_roof_section(bench)

    check = os.path.join(d, "check-seed.txt")
    if os.path.exists(check):
        with open(check) as f:
            text = f.read().strip().splitlines()
        summary = next((l for l in reversed(text) if "checks:" in l), text[-1] if text else "")
        L += ["", "## Correctness first", "",
              f"`convlab check --suite seed` (every variant, integer inputs compared exactly, random reals within "
              f"the bound of compare.hpp): **{summary.strip()}** — full table in [check-seed.txt](check-seed.txt)."]

    order = run.get("suites", [])  # run-lab's order (the JSON files come sorted by name)
    matrix_suites = sorted((s for s in bench.suites if s != "scaling"),
                           key=lambda s: order.index(s) if s in order else len(order))
    for suite in matrix_suites:
        L += ["", f"## The matrix: suite {suite}"]
        L += matrix_tables(bench, suite, isa, d)

    fits_path = os.path.join(d, "size-scaling.json")
    if os.path.exists(os.path.join(d, "size-scaling.png")):
        L += ["", "## Size scaling (the seed's complexity analysis)", "",
              "The seed's question: a 3-channel square image of side N = 16 … 256, a 3×3 kernel, 16 output "
              "channels (suite `scaling`). The work is 2·16·3·9·(N−2)² FLOP, so the time should grow like N² "
              "while the data fits in cache; a slope above 2 means the rate falls as the image grows "
              "(a memory effect), below 2 that small images pay a fixed overhead.", ""]
        if os.path.exists(fits_path):
            with open(fits_path) as f:
                fits = json.load(f)
            L.append(table(["variant", "threads", "fitted time ∝ N^k: k", "GFLOP/s ∝ N^k: k"],
                           [[v, f["threads"], f"{f['time_slope']:.2f}", f"{f['gflops_slope']:+.2f}"]
                            for v, f in fits.items()]))
        L += ["", "![size scaling](size-scaling.png)"]
        L += ["", "<details><summary>The scaling suite's rows</summary>"]
        L += matrix_tables(bench, "scaling", isa, d)
        L += ["", "</details>"]
    if os.path.exists(os.path.join(d, "thread-scaling.png")):
        L += ["", "## Thread scaling", "",
              "Speed-up over one thread, geometric mean over each suite's shapes, for every variant (serial "
              "steps stay at 1×).", "", "![thread scaling](thread-scaling.png)"]
    if os.path.exists(os.path.join(d, "roofline.png")):
        L += ["", "## Roofline", "",
              "Every conv2d (variant, shape) by arithmetic intensity (FLOP per byte of compulsory traffic: "
              "inputs, weights, bias and output once) and median GFLOP/s, under the measured roofs: the FMA "
              "peak per ISA and the STREAM bandwidth at the same thread count.", "", "![roofline](roofline.png)"]

    if bench.skipped:
        L += ["", "## Skipped (a variant declared the shape unsupported)", ""]
        L += [f"- `{s['name']}`: {s['reason']}" for s in bench.skipped]
    errors = [r for r in bench.rows if r.error]
    if errors:
        L += ["", "## Failed rows", ""]
        L += [f"- `{r.op}/{r.variant}/{r.shape}/threads:{r.threads}`: {r.error}" for r in errors]
    if bench.plans:
        L += ["", "<details><summary>What each oneDNN plan chose (implementation, layouts)</summary>", ""]
        seen = {}
        for name, what in bench.plans.items():
            seen.setdefault(what, []).append(name)
        for what, names in seen.items():
            L.append(f"- {what}: {len(names)} row(s), e.g. `{names[0]}`")
        L += ["", "</details>"]

    for study in sorted(glob.glob(os.path.join(d, "study-*.md"))):
        with open(study) as f:
            L += ["", f.read().rstrip()]

    if run.get("steps"):
        L += ["", "## This run", ""]
        L.append(table(["step", "seconds", "command"],
                       [[s["name"], f"{s['seconds']:.0f}", f"`{s['command']}`"] for s in run["steps"]]))
    L += ["", "Files: " + ", ".join(f"[{f}]({f})" for f in sorted(os.listdir(d))
                                    if f != "REPORT.md" and not f.startswith("."))]
    with open(os.path.join(d, "REPORT.md"), "w") as f:
        f.write("\n".join(L) + "\n")
    print(os.path.join(d, "REPORT.md"))


if __name__ == "__main__":
    main()
