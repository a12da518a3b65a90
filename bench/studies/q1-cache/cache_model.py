"""Analytic cache-miss model for the study's loop nests (Q1): the six-loop
direct convolution in any order, and the nests of the ladder's steps.

A nest is a list of loops (outermost first, each a name and a trip count)
and the arrays its body touches. An array's element index is a sum of
terms, each a table over one or more loops (an affine term i*stride is the
common case; the tap-offset table of steps 02-05 is a table over the tap
loop; a tile whose last piece is narrower clamps its index, which touches
the same elements as the shorter loop would); a term over no loop is the
set of elements one access covers (a 16-float weight vector). An array may
be guarded to a run of one loop's iterations (Array.when): step 03 fills its
output tile with the bias before the input-channel blocks, an extra first
iteration of the block loop that touches y alone. Lines are
counted exactly: element indices enumerated with numpy, 64-byte lines, each
array in its own 64-byte-aligned allocation.

The model is LRU reuse, per cache set (a W-way set-associative LRU cache is
an independent W-line LRU per set, so every test below is made per set,
which also predicts conflict misses of power-of-two strides). M(j), the
misses of one execution of loop j, from the innermost loop out:

  F(j)  lines of the set that execution touches: if F(j) <= W, each misses
        once (none for the whole call: the call repeats, steady state);
  else  the execution is replayed after the previous one (the nearest outer
        loop one iteration back; the previous call for the outermost) through
        an LRU stack of W lines per set, as the flattened iterations of
        loops j..g, g the deepest loop for which they number at most WINDOW.
        Each iteration of loop g is one granule; its lines are ordered by the
        flattened iterations of the loops below g (as many as number at most
        WINDOW) that touch them first and last: a line's first touch hits when
        the lines of its set touched since its last touch (above it on the
        stack, or touched earlier in the granule) are fewer than W, and the
        granule leaves its lines on the stack in the order of their last
        touch. A granule with more lines in a set than W is split into the
        iterations of its next loop, down to single iterations of the body
        while the pieces of one execution number at most SPLIT, so the lines
        of a set inside a granule fit and the touches between a line's first
        and last one hit: at this resolution the replay is the LRU of the
        nest's trace. This counts reuse between iterations
        at any distance inside the window, across the boundaries of the inner
        loops, e.g. an input row shared by the kernel row r of output row p and
        the kernel row r-1 of row p+1, or an output plane kept across input
        channels; a set that a piece still overflows (one iteration of the body,
        or past SPLIT) takes n_j * M(j+1) instead (where a guard makes loop j's
        iterations touch different arrays, the sum over its runs of iterations
        of the run's length times M(j+1) counted at one iteration of the run).
  Every execution is counted at the outer loops' second iteration, the same
  for every j, so that the sets of M(j) and M(j+1) line up.

Mechanisms left out: hardware prefetching (cachegrind has none); the order
of accesses inside one sub-iteration; where the allocator puts the arrays
(PLACEMENT: the model's own set offsets); translation invariance: the counted execution
of loop j stands for all n_(outer) of them (a line may fall in another set
at another iteration); the compiled code's accesses against the nest's
(values kept in registers, order inside the body, the stack, 03's bias reads:
one float per output channel and tile).
"""
import numpy as np

LINE = 64


# where the arrays start: separate allocations 1 GiB apart, array i shifted by
# PLACEMENT[i] lines (by default 7 i: the arrays do not share sets by construction);
# the real allocations' set offsets are whatever the allocator gives
PLACEMENT = None


def _base(a_i):
    return a_i * ((1 << 30) // LINE) + (7 * a_i if PLACEMENT is None else PLACEMENT[a_i])


class Array:
    """terms: [(loop names, table)]; when: (loop name, lo, hi), the array is
    touched only at iterations lo <= i < hi of that loop (None: at every one)."""

    def __init__(self, name, terms, elem_bytes=4, when=None):
        self.name, self.terms, self.elem_bytes, self.when = name, terms, elem_bytes, when


class Nest:
    """loops: [(name, trip)], outermost first; arrays: [Array]."""

    def __init__(self, loops, arrays):
        self.loops = [(n, int(t)) for n, t in loops]
        self.arrays = arrays
        self.pos = {n: i for i, (n, _) in enumerate(self.loops)}

    def lines(self, ranges):
        """Line ids touched with loop i over ranges[i] = (lo, hi) ((0, 1) when absent)."""
        out = []
        for a_i, a in enumerate(self.arrays):
            rg = self._guarded(a, ranges)
            if rg is None:
                continue
            idx = np.zeros(1, dtype=np.int64)
            for loops, table in a.terms:
                table = np.asarray(table, dtype=np.int64)
                sl = tuple(slice(*rg.get(self.pos[n], (0, 1))) for n in loops)
                vals = np.unique(table[sl] if loops else table)
                idx = np.unique((idx[:, None] + vals[None, :]).ravel())
            base = _base(a_i)
            out.append(np.unique(idx * a.elem_bytes // LINE) + base)
        return np.concatenate(out)

    def _guarded(self, a, ranges):
        """ranges with a's guard loop (Array.when) cut to the iterations that touch a;
        None when none of them is in range."""
        if a.when is None:
            return ranges
        name, lo, hi = a.when
        i = self.pos[name]
        r0, r1 = ranges.get(i, (0, 1))
        r0, r1 = max(r0, lo), min(r1, hi)
        return None if r0 >= r1 else {**ranges, i: (r0, r1)}


    def timed_lines(self, ranges, subs):
        """Line ids touched with loop i over ranges[i], each with the first and
        the last iteration that touches it of the loops `subs` (consecutive
        loop indices inside those ranges, iterations flattened); all 0 when
        subs is empty."""
        if not subs:
            ids = self.lines(ranges)
            z = np.zeros(len(ids), dtype=np.int64)
            return ids, z, z
        dims = [ranges.get(i, (0, 1))[1] - ranges.get(i, (0, 1))[0] for i in subs]
        m = int(np.prod(dims))
        multi = np.unravel_index(np.arange(m), dims)  # each sub loop's iteration
        out = []
        for a_i, a in enumerate(self.arrays):
            # (flattened sub iteration, element index) pairs, packed as it * 2**40 + index
            key = np.arange(m, dtype=np.int64) << 40
            rg = ranges
            if a.when is not None and self.pos[a.when[0]] in subs:
                # a guard over a sub loop: only its sub iterations lo <= i < hi touch a
                i = self.pos[a.when[0]]
                v = multi[subs.index(i)] + ranges.get(i, (0, 1))[0]
                key = key[(v >= a.when[1]) & (v < a.when[2])]
            else:
                rg = self._guarded(a, ranges)
                if rg is None:
                    continue
            for loops, table in a.terms:
                table = np.asarray(table, dtype=np.int64)
                axes = [self.pos[n] for n in loops]
                inner = [k for k, i in enumerate(axes) if i in subs]  # the term's axes over sub loops
                if not loops:
                    vals = np.unique(table)[None, :]
                else:
                    t = table[tuple(slice(*rg.get(i, (0, 1))) for i in axes)]
                    if inner:
                        t = np.moveaxis(t, inner, list(range(len(inner))))
                        vals = t.reshape(int(np.prod(t.shape[:len(inner)])), -1)
                    else:
                        vals = np.unique(t).reshape(1, -1)
                it, v = key >> 40, key & ((1 << 40) - 1)
                if inner:
                    row = np.ravel_multi_index(tuple(multi[subs.index(axes[k])][it] for k in inner),
                                               [dims[subs.index(axes[k])] for k in inner])
                    rows = vals[row]
                else:
                    rows = np.broadcast_to(vals, (len(it), vals.shape[1]))
                key = np.unique(((it << 40) + v)[:, None] + rows)
            base = _base(a_i)
            it, v = key >> 40, key & ((1 << 40) - 1)
            out.append(np.unique((it << 40) + v * a.elem_bytes // LINE + base))
        key = np.concatenate(out)
        it, ln = key >> 40, key & ((1 << 40) - 1)
        ids, first = np.unique(ln, return_index=True)
        last = len(ln) - 1 - np.unique(ln[::-1], return_index=True)[1]
        return ids, it[first], it[last]


def _count(ids, sets):
    return np.bincount(ids % sets, minlength=sets)


def _lru_window(seqs, sets, ways, start=None):
    """Per-set misses of the granules from `start` on (each (line ids, first,
    last): the sub-iteration of the granule that first and last touches each
    line; the granules before start warm the cache; by default the second
    half), by an LRU stack of `ways` lines
    per set: a line's first touch in granule i hits when the distinct lines of
    its set touched since its last touch (those above it on the stack, and the
    lines of granule i first touched no later than it, in its sub-iteration or
    before) number fewer than `ways`; the granule then pushes its lines, the
    last touched on top. Where a granule's lines of a set fit its ways the
    touches inside it hit, so this is the LRU of the trace at sub-iteration
    resolution. Every set is an independent LRU, so a set's lines may be
    dropped from the granules without changing the others."""
    stack = np.full((sets, ways), -1, dtype=np.int64)  # most recent first
    miss = np.zeros(sets, dtype=np.int64)
    for d, (ln, first, last) in enumerate(seqs):
        if not len(ln):
            continue
        st = ln % sets
        o = np.lexsort((-last, st))  # by set, the last touched first
        ln, st, first = ln[o], st[o], first[o]
        cnt = np.bincount(st, minlength=sets)
        rank = np.arange(len(ln)) - np.searchsorted(st, st)
        grid = np.full((sets, cnt.max()), -1, dtype=np.int64)
        grid[st, rank] = ln
        fgrid = np.full((sets, cnt.max()), np.iinfo(np.int64).max, dtype=np.int64)
        fgrid[st, rank] = first
        match = stack[st] == ln[:, None]
        on = match.any(1)
        pos = np.where(on, match.argmax(1), ways)  # lines above it on the stack
        spos = np.full(grid.shape, ways, dtype=np.int64)
        spos[st, rank] = pos
        # lines of the granule's set touched no later than it and not above it
        before = (fgrid[st] <= first[:, None]) & (spos[st] >= pos[:, None]) & (grid[st] >= 0)
        before[np.arange(len(ln)), rank] = False
        hit = on & (pos + before.sum(1) < ways)
        if d >= (len(seqs) // 2 if start is None else start):
            miss += np.bincount(st[~hit], minlength=sets)
        in_g = np.isin(stack, ln)
        new = np.full((sets, ways + cnt.max()), -1, dtype=np.int64)
        new[st, rank] = ln
        keep = ~in_g & (stack >= 0)
        r, c = np.nonzero(keep)
        new[r, cnt[r] + np.cumsum(keep, axis=1)[r, c] - 1] = stack[r, c]
        stack = new[:, :ways]
    return miss


# granules one reuse window may hold (the flattened iterations of the loops it
# replays): past it the model multiplies by the trip count (translation invariance)
WINDOW = 2048
# pieces one replayed execution may be split into where granules overflow a set
# (a bound on the cost: past it the overflowing sets take n_j * M(j+1))
SPLIT = 32768


def misses(nest, cache_bytes, ways, window=None):
    """Modelled misses of one steady-state call of `nest` (window: granules per
    reuse window, WINDOW by default)."""
    sets = cache_bytes // LINE // ways
    return {"total": float(_misses(nest, sets, ways, window or WINDOW, {}, 0).sum()), "sets": sets}


def _classes(nest, j):
    """Loop j's iterations in runs that touch the same arrays (cut where an
    Array.when over loop j starts or ends): [(lo, hi)]."""
    t = nest.loops[j][1]
    cuts = {0, t} | {min(max(c, 0), t) for a in nest.arrays if a.when and nest.pos[a.when[0]] == j
                     for c in a.when[1:]}
    cuts = sorted(cuts)
    return list(zip(cuts[:-1], cuts[1:]))


def _misses(nest, sets, ways, window, pick, stop):
    """Per-set misses M(stop) of one execution of loop `stop` (M(0): the call),
    counted with each outer loop i at iteration pick[i] (by default its second)."""
    n = len(nest.loops)
    trips = [t for _, t in nest.loops]
    full = lambda j: {i: (0, trips[i]) for i in range(j, n)}
    it = lambda i: pick.get(i, min(1, trips[i] - 1))
    M = _count(nest.lines(full(n)), sets)
    for j in range(n - 1, stop - 1, -1):
        # the execution of loop j that is counted: every outer loop at its
        # second iteration (the same for every j, so that the sets line up),
        # after the previous execution: the nearest outer loop with more than
        # one trip one iteration back (the previous call when there is none)
        at = {i: (it(i), it(i) + 1) for i in range(j)}
        outer = next((i for i in range(j - 1, -1, -1) if trips[i] > 1), None)
        before = at if outer is None else {**at, outer: ((it(outer) - 1) % trips[outer], (it(outer) - 1) % trips[outer] + 1)}
        F = _count(nest.lines({**full(j), **at}), sets)
        over = F > ways
        # replay loops j..g, g the deepest loop whose flattened iterations fit the window
        g = max([j] + [k for k in range(j, n) if np.prod(trips[j:k + 1]) <= window])
        win, fits = np.zeros(sets, dtype=np.int64), np.zeros(sets, bool)
        if over.any():
            # granules are split no deeper than loop `deepest`, the deepest for which the
            # flattened iterations of loops j.. number at most SPLIT (a bound on the cost)
            deepest = max([g] + [k for k in range(g, n) if np.prod(trips[j:k + 1]) <= SPLIT])

            def granules(fixed, k):
                """The granule with loops ..k fixed, its lines ordered by the flattened
                iterations of the loops below k, as many as number at most WINDOW;
                a granule with more lines in a set than its ways is split into the
                iterations of loop k+1 (an LRU set keeps no reuse inside it otherwise)."""
                subs = [i for i in range(k + 1, n) if np.prod(trips[k + 1:i + 1]) <= window]
                tl = nest.timed_lines({**full(k + 1), **fixed}, subs)
                if k + 1 <= deepest and _count(tl[0], sets).max() > ways:
                    return [p for v in range(trips[k + 1]) for p in granules({**fixed, k + 1: (v, v + 1)}, k + 1)]
                return [tl]

            halves = [[p for flat in np.ndindex(*trips[j:g + 1])
                       for p in granules({**(at if rep else before), **{j + k: (v, v + 1) for k, v in enumerate(flat)}}, g)]
                      for rep in (0, 1)]
            seqs = halves[0] + halves[1]
            # a granule of the innermost loop that overflows a set's ways hides reuse inside
            # it: those sets multiply the next-inner loop's misses by the trip count instead
            fits = np.max([_count(p[0], sets) for p in halves[1]], axis=0) <= ways
            win = _lru_window(seqs, sets, ways, len(halves[0]))
        rest = trips[j] * M
        if (over & ~fits).any() and len(_classes(nest, j)) > 1:
            # loop j's iterations touch different arrays (a guard, e.g. the fill of
            # 03's output tile): each run of them repeats the inner misses of its own
            rest = sum((hi - lo) * (M if lo <= it(j) < hi else _misses(nest, sets, ways, window, {**pick, j: lo}, j + 1))
                       for lo, hi in _classes(nest, j))
        M = np.where(~over, 0 if j == 0 else F, np.where(fits, win, rest))
    return M


# --- the nests ------------------------------------------------------------------------
def _ar(n, step=1):
    return np.arange(n, dtype=np.int64) * step


def order_nest(order, s):
    """The six-loop direct convolution in `order` (letters of kcpqrs, outermost first)."""
    e = {"k": s["oc"], "c": s["ic"], "p": s["oh"], "q": s["ow"], "r": s["kh"], "s": s["kw"]}
    H, W, P, Q, R, S, C = s["ih"], s["iw"], s["oh"], s["ow"], s["kh"], s["kw"], s["ic"]
    x = Array("x", [("c", _ar(C, H * W)), ("p", _ar(P, s["sh"] * W)), ("r", _ar(R, W)),
                    ("q", _ar(Q, s["sw"])), ("s", _ar(S))])
    w = Array("w", [("k", _ar(s["oc"], C * R * S)), ("c", _ar(C, R * S)), ("r", _ar(R, S)), ("s", _ar(S))])
    y = Array("y", [("k", _ar(s["oc"], P * Q)), ("p", _ar(P, Q)), ("q", _ar(Q))])
    fix = lambda a: Array(a.name, [((n,), t) for n, t in a.terms])
    return Nest([(d, e[d]) for d in order], [fix(x), fix(w), fix(y)])


def _taps(s):
    """Tap-offset table of kernel/pack.hpp (in place: unpadded, sw = 1): K entries."""
    c, r, q = np.meshgrid(np.arange(s["ic"]), np.arange(s["kh"]), np.arange(s["kw"]), indexing="ij")
    return ((c * s["ih"] + r) * s["iw"] + q).ravel().astype(np.int64)


def _tap_groups(K, group):
    """(g, u) -> tap g*group + u, clamped to the last tap (a partial last group)."""
    g = (K + group - 1) // group
    return np.minimum(np.arange(g)[:, None] * group + np.arange(group)[None, :], K - 1), g


def register_blocked_nest(s, tiles=None):
    """Steps 02 and 03: 8 taps per pass over an output row (kernel/taps.hpp).
    02: for oc, for oh, for 8-tap group, for ow: 8 taps.
    03 (tiles = ic_block, oc_tile, oh_tile, ow_tile): for oc tile, oh tile,
    ic block, oh in tile, ow tile, oc in tile, group of the block, ow, 8 taps;
    the block loop's first iteration is the fill of the output tile with the
    bias (03_cache_tiled.cpp's std::fill before its ic blocks), which touches
    y alone, here in the nest's order (row, then channel; the compiled fill
    runs channel, then row: on mb1ic16ih13oc32kh3 an exact LRU of the two
    orders gives 2.27 and 2.19 L1 misses per 1000 MACs, 1.74 without the fill)."""
    K, taps = s["ic"] * s["kh"] * s["kw"], _taps(s)
    P, Q, OC, W = s["oh"], s["ow"], s["oc"], s["iw"]
    if tiles is None:
        grp, G = _tap_groups(K, 8)
        return Nest([("k", OC), ("p", P), ("g", G), ("q", Q), ("u", 8)], [
            Array("x", [(("g", "u"), taps[grp]), (("p",), _ar(P, W)), (("q",), _ar(Q))]),
            Array("taps", [(("g", "u"), grp)], 8),
            Array("w", [(("k",), _ar(OC, K)), (("g", "u"), grp)]),
            Array("y", [(("k",), _ar(OC, P * Q)), (("p",), _ar(P, Q)), (("q",), _ar(Q))])])
    icb, oct, oht, owt = tiles
    split = lambda n, t: (-(-n // t), t, lambda a, b: np.minimum(a[:, None] * t + b[None, :], n - 1))
    nOC, tOC, oc = split(OC, oct)
    nP, tP, oh = split(P, oht)
    nQ, tQ, ow = split(Q, owt)
    per_block = icb * s["kh"] * s["kw"]
    nB = -(-s["ic"] // icb)
    grp, G = _tap_groups(per_block, 8)
    tap = np.minimum(np.arange(nB)[:, None, None] * per_block + grp[None], K - 1)  # (block, g, u)
    # B = 0 is the fill of the output tile with the bias (std::fill before the ic
    # blocks): it touches y alone; blocks 1..nB read x, taps and w
    tap = np.concatenate([tap[:1], tap])
    fill = ("B", 1, nB + 1)
    OCi, Pi, Qi = oc(_ar(nOC), _ar(tOC)), oh(_ar(nP), _ar(tP)), ow(_ar(nQ), _ar(tQ))
    return Nest([("K0", nOC), ("P0", nP), ("B", nB + 1), ("p", tP), ("Q0", nQ), ("k", tOC), ("g", G),
                 ("q", tQ), ("u", 8)], [
        Array("x", [(("B", "g", "u"), taps[tap]), (("P0", "p"), Pi * W), (("Q0", "q"), Qi)], when=fill),
        Array("taps", [(("B", "g", "u"), tap)], 8, when=fill),
        Array("w", [(("K0", "k"), OCi * K), (("B", "g", "u"), tap)], when=fill),
        Array("y", [(("K0", "k"), OCi * P * Q), (("P0", "p"), Pi * Q), (("Q0", "q"), Qi)])])


def cache_tiles(s, l1, l2):
    """03_cache_tiled.cpp's choose_cache_tiles for an unpadded, undilated shape."""
    icg, kh, kw, sw, ow, oh, iw = s["ic"], s["kh"], s["kw"], s["sw"], s["ow"], s["oh"], s["iw"]
    clamp = lambda v, lo, hi: max(lo, min(hi, v))
    columns = l1 // 2 // (min(16, icg) * kh * 4)
    ow_tile = clamp((columns - kw) // sw + 1, 1, ow)
    window = iw if ow_tile == ow else (ow_tile - 1) * sw + kw
    ic_block = clamp(l1 // 2 // (kh * window * 4), 1, icg)
    wpo, budget = ic_block * kh * kw * 4, l2 // 2
    oc_tile = clamp(budget // (ow * 4 + wpo), 1, s["oc"])
    oh_tile = clamp((budget - oc_tile * wpo) // (oc_tile * ow * 4), 1, oh)
    return ic_block, oc_tile, oh_tile, ow_tile


def simd_geometry(s, lanes, widest):
    """kernel/pack.cpp's V and block and kernel/tiles.hpp's row tiles (P, wide)."""
    ocg, L = s["oc"], lanes
    waste = lambda v: -(-ocg // (v * L)) * v * L - ocg
    V = 2 if ocg > L and waste(2) <= waste(1) else 1
    top = widest[V - 1]
    tiles = -(-s["ow"] // top)
    P = -(-s["ow"] // tiles)
    return V, V * L, P, s["ow"] - tiles * (P - 1), tiles


def simd_nest(s, lanes=8, widest=(12, 6)):
    """Steps 04 and 05 (1 thread, in place): for oh, for tile of P pixels, for
    oc block of V*L channels: for k < K: V weight vectors, P broadcasts of x;
    then the tile's P x V*L outputs. Default: the AVX2 path valgrind runs."""
    V, block, P, wide, tiles = simd_geometry(s, lanes, widest)
    K, taps = s["ic"] * s["kh"] * s["kw"], _taps(s)
    Q, OH, plane = s["ow"], s["oh"], s["oh"] * s["ow"]
    nb = -(-s["oc"] // block)
    t0 = np.array([i * P if i < wide else wide * P + (i - wide) * (P - 1) for i in range(tiles)])
    width = np.where(np.arange(tiles) < wide, P, P - 1)
    px = np.minimum(t0[:, None] + np.arange(P)[None, :], t0[:, None] + width[:, None] - 1)  # (tile, pixel)
    ch = np.minimum(_ar(nb, block)[:, None] + _ar(block)[None, :], s["oc"] - 1)  # (block, lane)
    return Nest([("p", OH), ("t", tiles), ("b", nb), ("k", K), ("x", P)], [
        Array("x", [(("k",), taps), (("p",), _ar(OH, s["iw"])), (("t", "x"), px)]),
        Array("taps", [(("k",), _ar(K))], 8),
        Array("w", [(("b",), _ar(nb, K * block)), (("k",), _ar(K, block)), ((), _ar(block))]),
        Array("y", [(("b",), ch * plane), (("p",), _ar(OH, Q)), (("t", "x"), px)])])
