"""Analytic cache-miss model for the direct convolution's loop nests (Q1).

The nest y[k][p][q] += x[c][p*sh+r][q*sw+s] * w[k][c][r][s] runs its six
loops in some order (outermost first, letters of "kcpqrs"). For each loop
level j, the *footprint* F(j) is the number of distinct cache lines all three
arrays touch while the loops j..5 run through their ranges once (outer indices
fixed). Reuse is modelled by reuse distance, the classic way:

  * an element touched again in the next iteration of loop j was last touched
    at most F(j+1) lines ago (one iteration of loop j's body);
  * with an LRU cache of C lines, that reuse hits when F(j+1) <= C.

So, with j0 the outermost level whose body fits (F(j0+1) <= C), each array's
misses are its distinct lines over loops j0..5, reloaded once per iteration of
every loop outside j0:

  misses(A) = lines_A(j0..5) * prod(trip counts of loops 0..j0-1)

Lines are counted exactly (addresses enumerated with numpy, 64-byte lines,
64-byte aligned tensors). The model ignores conflict misses (it treats the
cache as fully associative) and hardware prefetching (cachegrind has none).
"""
import numpy as np

LINE = 64
DIMS = "kcpqrs"


def _extents(shape):
    return {"k": shape["oc"], "c": shape["ic"], "p": shape["oh"], "q": shape["ow"],
            "r": shape["kh"], "s": shape["kw"]}


def _line_ids(array, inner, shape):
    """Distinct line numbers of `array` while the loops in `inner` run fully (others at 0)."""
    e = _extents(shape)
    rng = {d: np.arange(e[d] if d in inner else 1, dtype=np.int64) for d in DIMS}
    H, W, sh, sw = shape["ih"], shape["iw"], shape["sh"], shape["sw"]
    P, Q, C, R, S = e["p"], e["q"], e["c"], e["r"], e["s"]
    k, c, p, q, r, s = (rng[d] for d in DIMS)
    if array == "y":
        idx = ((k[:, None, None] * P + p[None, :, None]) * Q + q[None, None, :])
    elif array == "w":
        idx = (((k[:, None, None, None] * C + c[None, :, None, None]) * R + r[None, None, :, None]) * S
               + s[None, None, None, :])
    else:  # x: rows p*sh+r and columns q*sw+s, deduplicated per axis first
        rows = np.unique((p[:, None] * sh + r[None, :]).ravel())
        cols = np.unique((q[:, None] * sw + s[None, :]).ravel())
        idx = (c[:, None, None] * H + rows[None, :, None]) * W + cols[None, None, :]
    # The three tensors live in separate allocations: give each its own base so
    # that their lines do not collide by accident (bases 0, 1/3 and 2/3 of 2^30).
    base = {"x": 0, "w": (1 << 30) // 3 // LINE, "y": 2 * ((1 << 30) // 3) // LINE}[array]
    return np.unique(idx.ravel() * 4 // LINE) + base


def misses(order, shape, cache_bytes, ways=8):
    """Modelled steady-state misses of one call of the nest (the call repeats).

    Each cache set is an independent LRU of `ways` lines, so the reuse test is
    applied per set: a reuse across iterations of loop j hits in set t when the
    lines of set t touched by one iteration of j's body number at most `ways`.
    This captures the conflict misses of power-of-two strides as well as
    capacity misses. The call itself repeats (steady state): when a set's
    whole footprint fits, it misses nothing; when only one iteration of the
    outermost loop fits, the arrays that loop does not index stay cached
    across calls too, and the others are reloaded once per call.
    """
    e = _extents(shape)
    sets = cache_bytes // LINE // ways
    # per level j (0..6) and array: line ids of loops j..5; level 6 = one element
    ids = [{a: _line_ids(a, set(order[j:]), shape) for a in "xwy"} for j in range(7)]
    per_set = [{a: np.bincount(ids[j][a] % sets, minlength=sets) for a in "xwy"} for j in range(7)]
    foot = [sum(per_set[j].values()) for j in range(7)]          # lines per set, per level
    trips = [e[d] for d in order]
    outer = np.cumprod([1] + trips)                                # iterations outside level j
    result = {a: 0 for a in "xwy"}
    indexed_by = {"x": set("cpqrs"), "w": set("kcrs"), "y": set("kpq")}
    for t in range(sets):
        if foot[0][t] <= ways:
            continue                     # everything this set holds stays: no steady-state miss
        j0 = 0
        while j0 < 6 and foot[j0 + 1][t] > ways:
            j0 += 1
        for a in "xwy":
            if j0 == 0 and order[0] not in indexed_by[a]:
                # One iteration of the outermost loop fits, and this array is the
                # same in every iteration: it is reused at that short distance
                # across iterations and across calls alike, so it stays.
                continue
            result[a] += int(per_set[j0][a][t]) * int(outer[j0])
    return {"total": sum(result.values()), "per_array": result,
            "footprint_lines": [int(f.sum()) for f in foot]}
