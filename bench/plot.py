#!/usr/bin/env python3
"""Plot failover latency against fleet size from `vmha bench --json` outputs.

    python3 bench/plot.py bench/results/*.json -o docs/benchmarks-failover.png

Needs matplotlib (pip install matplotlib). One point per JSON file; the x axis is the number of
VMs in the fleet, the y axis milliseconds after the crashed host was judged lost (detection):
p50/p99 of re-placed (status.host changed) and of running again (phase Running on the new host).
Detection itself (crash to judged lost) is printed in the legend: it is the grace period, not
something the fleet size changes.
"""
import argparse
import json
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="+", help="JSON files written by vmha bench --json")
    parser.add_argument("-o", "--output", default="docs/benchmarks-failover.png")
    args = parser.parse_args()
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("matplotlib is missing: pip install matplotlib")

    runs = []
    for path in args.results:
        with open(path) as f:
            runs.append(json.load(f))
    series = {}
    for r in runs:
        api = "real" if r["api"].startswith("real") else "embedded"
        series.setdefault(api, []).append(r)

    fig, ax = plt.subplots(figsize=(8, 5))
    styles = {"real": "-", "embedded": "--"}
    for api, rs in sorted(series.items()):
        rs.sort(key=lambda r: r["vms"])
        x = [r["vms"] for r in rs]
        for key, label, marker in (("replacedAfterDetectionMs", "re-placed", "o"), ("runningAfterDetectionMs", "running", "s")):
            for pct in ("p50", "p99"):
                y = [r[key].get(pct) for r in rs]
                ax.plot(x, y, styles.get(api, "-"), marker=marker, alpha=1.0 if pct == "p99" else 0.5,
                        label=f"{api}: {label} {pct}")
        for r in rs:
            ax.annotate(f'{r["hosts"]} hosts\n{r["vmsOnCrashedHosts"]} VMs failed over\n'
                        f'detection {r["detectionMs"] / 1000:.1f} s',
                        (r["vms"], r["runningAfterDetectionMs"].get("p99", 0)),
                        textcoords="offset points", xytext=(-40, -45), fontsize=7)
    ax.axhline(2000, color="green", linestyle=":", linewidth=1, label="target: re-placed p99 2 s")
    ax.axhline(5000, color="red", linestyle=":", linewidth=1, label="target: running p99 5 s")
    ax.set_xscale("log")
    ax.set_xlabel("VMs in the fleet (log scale)")
    ax.set_ylabel("ms after detection")
    ax.set_title("vmha failover of one crashed host vs fleet size (2 shared cores)")
    ax.legend(fontsize=7, loc="upper left")
    ax.margins(x=0.2, y=0.1)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(args.output, dpi=120)
    print(f"wrote {args.output} from {len(runs)} run(s)")


if __name__ == "__main__":
    main()
