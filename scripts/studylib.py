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
