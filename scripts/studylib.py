"""What the three study scripts share: where the built programs are, the
environment knobs (CONVLAB_QUICK, CONVLAB_MEASURE_LOCK), a timestamped log on
stderr and the figure saver. Importing it selects matplotlib's Agg backend."""
import os
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402,F401  (re-exported for the studies)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUICK = os.environ.get("CONVLAB_QUICK", "0") == "1"
LOCK = os.environ.get("CONVLAB_MEASURE_LOCK")


def program(env_var, built_path):
    """A program's path: $env_var, or built_path under the release build."""
    return os.environ.get(env_var, os.path.join(ROOT, "build/release", built_path))


CONVLAB = program("CONVLAB", "convlab")


def locked(cmd):
    """cmd under flock LOCK when CONVLAB_MEASURE_LOCK is set (timed commands)."""
    return (["flock", LOCK] + cmd) if LOCK else cmd


def logger(tag):
    t0 = time.time()

    def log(msg):
        print(f"[{tag} {time.time() - t0:5.0f}s] {msg}", file=sys.stderr, flush=True)

    return log


def save(fig, out, name):
    fig.tight_layout()
    fig.savefig(os.path.join(out, name), dpi=110)
    plt.close(fig)
    return name


def machine_caches():
    """This machine's data caches, {level: (bytes, ways)}, and where they came from:
    sysfs (/sys/devices/system/cpu/cpu0/cache/index*) as convlab's cache_info reads
    them, else sysconf (getconf), as cache_info falls back to. Ways 0 = unknown."""
    caches, base = {}, "/sys/devices/system/cpu/cpu0/cache"
    read = lambda p: open(p).read().strip()
    try:
        for e in sorted(os.listdir(base)):
            if not e.startswith("index") or read(f"{base}/{e}/type") == "Instruction":
                continue
            size = read(f"{base}/{e}/size")
            scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(size[-1], 1)
            ways = read(f"{base}/{e}/ways_of_associativity")
            caches[int(read(f"{base}/{e}/level"))] = (int(size.rstrip("KMG")) * scale, int(ways or 0))
    except OSError:
        caches = {}
    if caches:
        return caches, "sysfs"
    import subprocess
    conf = dict(l.split(None, 1) for l in subprocess.run(["getconf", "-a"], capture_output=True, text=True)
                .stdout.splitlines() if len(l.split(None, 1)) == 2)
    for lvl, key in [(1, "LEVEL1_DCACHE"), (2, "LEVEL2_CACHE"), (3, "LEVEL3_CACHE")]:
        size = int(conf.get(f"{key}_SIZE", "0") or 0)
        if size > 0:
            caches[lvl] = (size, int(conf.get(f"{key}_ASSOC", "0") or 0))
    return caches, "sysconf"


def cpu_isa():
    """(model name, widest SIMD ISA this CPU runs: avx512 / avx2 / sse4_2) from /proc/cpuinfo."""
    name, flags = "unknown CPU", set()
    with open("/proc/cpuinfo") as f:
        for line in f:
            key, _, val = line.partition(":")
            if key.strip() == "model name" and name == "unknown CPU":
                name = val.strip()
            if key.strip() == "flags" and not flags:
                flags = set(val.split())
    isa = "avx512" if {"avx512f", "avx512bw", "avx512vl"} <= flags else "avx2" if {"avx2", "fma"} <= flags else "sse4_2"
    return name, isa
