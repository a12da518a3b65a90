"""Reading convlab's JSON files: `convlab machine --json` and convlab-bench's
Google Benchmark output. Shared by scripts/plots.py, scripts/report.py and the
studies (run with /usr/bin/python3: Debian's matplotlib lives there).

A benchmark row is one (op, variant, shape, threads) with its medians and
min-max spreads over the repetitions, as Google Benchmark's aggregates give
them: rate is GFLOP/s for conv2d and GB/s of compulsory traffic for pool2d.
"""
import json
import math
import sys
from dataclasses import dataclass, field


@dataclass
class Spread:
    median: float
    min: float
    max: float


class LabDataError(Exception):
    """A file the scripts read is missing or not what it should be; the message names it."""


def markdown_table(header, rows):
    """A Markdown table: the header, its rule, one line per row."""
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def die(program, message):
    """One line on stderr and exit 2, the lab's code for bad input."""
    print(f"{program}: {message}", file=sys.stderr)
    raise SystemExit(2)


def read_json(path, what):
    """The JSON in `path`, or LabDataError naming the file and what is wrong with it."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        raise LabDataError(f"{path}: cannot read the {what} ({e.strerror})") from None
    if not text.strip():
        raise LabDataError(f"{path}: empty; expected the {what}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise LabDataError(f"{path}: not valid JSON, truncated or corrupt ({e.msg}, line {e.lineno}); "
                           f"expected the {what}") from None


class Machine:
    def __init__(self, path):
        self.json = j = read_json(path, "machine description (`convlab machine --json`)")
        if not isinstance(j, dict) or "convlab_machine" not in j:
            raise LabDataError(f"{path}: not a convlab machine description (no \"convlab_machine\" key)")
        try:
            self.cpu = j["cpu"]
            self.caches = j["caches"]
            self.build = j["build"]
            self.settings = j["settings"]
            j["fma_peak_gflops"], j["stream_gbps"]
        except (KeyError, TypeError) as e:
            raise LabDataError(f"{path}: machine description without {e}") from None
        self.date = j.get("date", "")

    def _lookup(self, table, key, threads):
        for row in self.json[table].get(key, []):
            if row["threads"] == threads:
                return Spread(row["median"], row["min"], row["max"])
        return None

    def peak(self, isa, threads):
        return self._lookup("fma_peak_gflops", isa, threads)

    def stream(self, kernel, threads):
        return self._lookup("stream_gbps", kernel, threads)

    def bandwidth(self, threads):
        """The better of DRAM STREAM copy and triad (the roofline's bandwidth slope; each pooling row
        carries its own roof, the bandwidth sweep's figure at its working set)."""
        c, t = self.stream("copy", threads), self.stream("triad", threads)
        if c is None or t is None:
            return None
        return c if c.median >= t.median else t

    def isas(self):
        order = ["avx512", "avx2", "sse42"]
        return [i for i in order if i in self.json["fma_peak_gflops"]]

    def thread_counts(self):
        counts = set()
        for rows in self.json["fma_peak_gflops"].values():
            counts.update(r["threads"] for r in rows)
        return sorted(counts)


@dataclass
class Row:
    op: str
    variant: str       # registry name, or "<name>:compute" for a compute-only row
    shape: str         # canonical descriptor (no label)
    threads: int
    kind: str = "ladder"
    label: str = ""
    suites: list = field(default_factory=list)
    rate: Spread = None          # GFLOP/s (conv2d) or GB/s (pool2d)
    pct: Spread = None           # % of peak (conv2d) or of stream bandwidth (pool2d)
    time_us: Spread = None       # per call
    ai: float = 0.0              # FLOP per byte of compulsory traffic
    flop: float = 0.0
    bytes: float = 0.0
    roof: float = 0.0
    samples: list = field(default_factory=list)  # rate of each repetition
    error: str = ""
    unstable: str = ""           # why the row cannot be trusted (empty: it can)

    @property
    def unit(self):
        return "GFLOP/s" if self.op == "conv2d" else "GB/s"

    @property
    def base_variant(self):
        return self.variant.split(":")[0]

    @property
    def compute_only(self):
        return self.variant.endswith(":compute")

    @property
    def above_roof(self):
        """A median above 100 % of its roof: the roof (or the clock) is wrong for this row."""
        return self.pct is not None and math.isfinite(self.pct.median) and self.pct.median > 100

    def short_label(self):
        return self.label.split(";")[0] if self.label else self.shape


class Bench:
    """Every row of one or more convlab-bench JSON files."""

    def __init__(self, paths):
        self.rows = []
        self.contexts = []
        self.variants = []   # [{op, name, kind, summary}] in registry order
        self.shapes = {}     # descriptor -> {op, where: [{suite, label}], ai, flop, bytes}
        self.suites = []     # in the order they were run
        self.skipped = []
        self.plans = {}
        for p in paths:
            self._load(p)
        self._mark_unstable()

    def _load(self, path):
        j = read_json(path, "benchmark results (convlab-bench --json)")
        try:
            ctx = json.loads(j["context"].get("convlab", "{}"))
            j["benchmarks"]
        except (KeyError, TypeError, AttributeError, json.JSONDecodeError):
            raise LabDataError(f"{path}: not convlab-bench's JSON (no context or benchmarks)") from None
        try:
            self._add(path, j, ctx)
        except (KeyError, TypeError, ValueError, IndexError) as e:
            raise LabDataError(f"{path}: a benchmark entry is malformed ({e.__class__.__name__}: {e})") from None

    def _add(self, path, j, ctx):
        self.contexts.append({"file": path, "gb": {k: v for k, v in j["context"].items() if k != "convlab"},
                              "convlab": ctx})
        for v in ctx.get("variants", []):
            if not any(v["op"] == w["op"] and v["name"] == w["name"] for w in self.variants):
                self.variants.append(v)
        for s in ctx.get("shapes", []):
            known = self.shapes.setdefault(s["descriptor"], dict(s, where=[]))
            for w in s["where"]:
                if w not in known["where"]:
                    known["where"].append(w)
        for s in ctx.get("suites", []):
            if s not in self.suites:
                self.suites.append(s)
        if any(w["suite"] == "--shape" for s in ctx.get("shapes", []) for w in s["where"]) \
                and "--shape" not in self.suites:
            self.suites.append("--shape")
        self.skipped += ctx.get("skipped", [])
        self.plans.update(ctx.get("plans", {}))
        kinds = {(v["op"], v["name"]): v["kind"] for v in self.variants}

        by_name = {}
        for b in j["benchmarks"]:
            parts = b["run_name"].split("/")
            op, variant, shape, threads = parts[0], parts[1], parts[2], int(parts[3].split(":")[1])
            key = (op, variant, shape, threads)
            row = by_name.get(key)
            if row is None:
                info = self.shapes.get(shape, {})
                row = Row(op=op, variant=variant, shape=shape, threads=threads,
                          kind=kinds.get((op, variant.split(":")[0]), "ladder"),
                          label=b.get("label", ""),
                          suites=[w["suite"] for w in info.get("where", [])],
                          ai=info.get("ai", 0.0), flop=info.get("flop", 0.0), bytes=info.get("bytes", 0.0))
                by_name[key] = row
            if b.get("error_occurred"):
                row.error = b.get("error_message", "error")
                continue
            unit = "GFLOP/s" if op == "conv2d" else "GB/s"
            pct = "%peak" if op == "conv2d" else "%bw"
            if b.get("run_type") == "iteration":
                row.samples.append(b[unit])
                continue
            agg = b.get("aggregate_name")
            if agg not in ("median", "min", "max"):
                continue
            for attr, value in (("rate", b.get(unit)), ("pct", b.get(pct)), ("time_us", b["real_time"])):
                if value is None:
                    continue
                s = getattr(row, attr) or Spread(math.nan, math.nan, math.nan)
                setattr(s, agg, value)
                setattr(row, attr, s)
            row.roof = b.get("peak", 0.0)
        # rate: median/min/max over the repetitions' rates; time_us: over their
        # times per call (so the fastest time goes with the highest rate).
        for row in by_name.values():
            if row.rate is None and not row.error and row.samples:
                s = sorted(row.samples)
                row.rate = Spread(s[len(s) // 2], s[0], s[-1])
        self.rows += by_name.values()

    def _mark_unstable(self):
        """A row whose repetitions spread more than UNSTABLE_SPREAD× (max/min), or that runs UNSTABLE_COLLAPSE×
        slower than the same row at fewer threads (a collapsed measurement: another process on the core; a
        tiny problem's fork/join costs less than that), is marked with the reason; reports leave it out of
        ratios."""
        fewest = {}
        timed = [r for r in self.rows if r.rate is not None and not r.error]
        for r in timed:
            key = (r.op, r.variant, r.shape)
            if key not in fewest or r.threads < fewest[key].threads:
                fewest[key] = r
        for r in timed:
            reasons = []
            if r.rate.min > 0 and r.rate.max / r.rate.min > UNSTABLE_SPREAD:
                reasons.append(f"repetitions spread {r.rate.max / r.rate.min:.1f}× (max/min above {UNSTABLE_SPREAD:g})")
            base = fewest[(r.op, r.variant, r.shape)]
            if base is not r and r.rate.median * UNSTABLE_COLLAPSE < base.rate.median:
                reasons.append(f"{base.rate.median / r.rate.median:.0f}× slower than at {base.threads} thread(s)")
            r.unstable = "; ".join(reasons)

    # --- queries ---------------------------------------------------------------
    def shape_label(self, shape):
        """A shape's first suite label, or its descriptor."""
        labels = [w["label"] for w in self.shapes.get(shape, {}).get("where", []) if w.get("label")]
        return labels[0] if labels else shape

    def kind(self, op, variant):
        for v in self.variants:
            if v["op"] == op and v["name"] == variant.split(":")[0]:
                return v["kind"]
        return "ladder"

    def reference_variant(self, op):
        """The first ladder step in study order (naive): the x-naive baseline."""
        for v in self.variants:
            if v["op"] == op and v["kind"] == "ladder":
                return v["name"]
        return None

    def ordered_variants(self, op, rows=None):
        """Registry order, each compute-only row right after its variant."""
        present = {r.variant for r in (rows if rows is not None else self.rows) if r.op == op}
        out = []
        for v in self.variants:
            if v["op"] != op:
                continue
            for name in (v["name"], v["name"] + ":compute"):
                if name in present:
                    out.append(name)
        out += sorted(present - set(out))
        return out

    def select(self, op=None, suite=None, threads=None, variant=None):
        return [r for r in self.rows
                if (op is None or r.op == op) and (suite is None or suite in r.suites)
                and (threads is None or r.threads == threads) and (variant is None or r.variant == variant)
                and not r.error and r.rate is not None]

    def shapes_of(self, op, suite):
        """Descriptors of a suite in suite order."""
        return [d for d, s in self.shapes.items() if s["op"] == op and any(w["suite"] == suite for w in s["where"])]

    def find(self, op, variant, shape, threads):
        for r in self.rows:
            if (r.op, r.variant, r.shape, r.threads) == (op, variant, shape, threads) and r.rate is not None:
                return r
        return None

    def thread_counts(self):
        return sorted({r.threads for r in self.rows})


ABOVE_ROOF = "above the measured roof: the roof or the clock is off"
UNSTABLE_SPREAD = 3.0     # max/min of a row's repetitions
UNSTABLE_COLLAPSE = 10.0  # times slower than the same row at fewer threads


def geomean(values):
    values = [v for v in values if v > 0 and math.isfinite(v)]
    if not values:
        return math.nan
    return math.exp(sum(math.log(v) for v in values) / len(values))
