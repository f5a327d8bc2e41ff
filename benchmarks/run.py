"""Runs the performance workloads W1-W8 for graphflow, numpy and (when installed) TensorFlow,
JAX and PyTensor, interleaved in one process, and prints medians and ratios.

Usage: python benchmarks/run.py [--repeat 5] [--only W1,W3] [--peers jax,pytensor]
Ratios are "x faster than TensorFlow" (or than numpy where TF is absent); > 1 is better.
"""

import argparse
import statistics
import time

import peers
import workloads

SETTLE_SECONDS = 0.25


def _libraries():
    libs = ["graphflow", "numpy"]
    try:
        import tensorflow  # noqa: F401
        libs.append("tensorflow")
    except ImportError:
        pass
    return libs


def _case(name, factory, lib):
    """The Case of workload `name` for `lib` (None: not written for it)."""
    if lib in peers.LIBS and not name.startswith("W8"):
        peer = peers.factory(name)
        return None if peer is None else peer(lib)
    return factory(lib)


def measure(name, factory, libs, repeat):
    cases = {}
    for lib in libs:
        case = _case(name, factory, lib)
        if case is not None:
            cases[lib] = case
    times = {lib: [] for lib in cases}
    order = list(cases)
    for rep in range(repeat):
        # Interleaved, so drift hits every library alike, in a rotating order, with a pause
        # before each timing: thread pools of the library that ran just before (TF's Eigen
        # pool, OpenBLAS, numba) spin for a while and would otherwise steal the 2 cores.
        for lib in order[rep % len(order):] + order[:rep % len(order)]:
            case = cases[lib]
            time.sleep(SETTLE_SECONDS)
            start = time.perf_counter()
            case.run()
            times[lib].append((time.perf_counter() - start) / case.calls)
    return {lib: statistics.median(t) for lib, t in times.items()}


def _fmt(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:9.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:9.2f} ms"
    return f"{seconds:9.3f} s "


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="")
    parser.add_argument("--peers", default="", help="also jax and/or pytensor, e.g. "
                        "--peers jax,pytensor (their runtimes share the process: JAX's slows "
                        "numba's parallel kernels, so compare those rows in separate runs)")
    args = parser.parse_args()
    wanted_peers = [p.strip() for p in args.peers.split(",") if p.strip()]
    libs = _libraries() + [p for p in peers.available() if p in wanted_peers]
    wanted = [w.strip() for w in args.only.split(",") if w.strip()]
    print(f"{'workload':44s}" + "".join(f"{lib:>14s}" for lib in libs) + "   graphflow vs")
    for name, factory in workloads.WORKLOADS.items():
        if wanted and not any(name.startswith(w + " ") for w in wanted):
            continue
        result = measure(name, factory, libs, args.repeat)
        row = f"{name:44s}" + "".join(
            f"{_fmt(result[lib]) if lib in result else 'n/a':>14s}" for lib in libs)
        base = "tensorflow" if "tensorflow" in result else "numpy"
        if "graphflow" in result and base in result:
            row += f"   {result[base] / result['graphflow']:6.2f}x {base}"
        print(row, flush=True)


if __name__ == "__main__":
    main()
