#!/usr/bin/env python3
"""Plot failover latency, or the worst day's rates, against fleet size from `vmha bench --json`.

    python3 bench/plot.py bench/results/*.json -o docs/benchmarks-failover.png
    python3 bench/plot.py --worst-day bench/results/worst-day/*.json -o docs/benchmarks-worst-day.png

Needs matplotlib (pip install matplotlib). One point per JSON file; the x axis is the number of
VMs in the fleet, the y axis milliseconds after the crashed host was judged lost (detection):
p50/p99 of re-placed (status.host changed) and of running again (phase Running on the new host).
Detection itself (crash to judged lost) is printed in the legend: it is the grace period, not
something the fleet size changes.

With --worst-day: for every run, the cold start (coldStartVmsPerSecond) and, for power-loss runs,
the restart of the whole fleet (powerLossRestartVmsPerSecond), as a fraction of the raw-patch
baseline of the same run, against the target of 0.6x; one bar group per file.
"""
import argparse
import json
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="+", help="JSON files written by vmha bench --json")
    parser.add_argument("-o", "--output", default="docs/benchmarks-failover.png")
    parser.add_argument("--worst-day", action="store_true",
                        help="plot cold-start and power-loss rates against the baseline instead")
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
            run = json.load(f)
        run["_file"] = path.rsplit("/", 1)[-1].removesuffix(".json")
        runs.append(run)
    if args.worst_day:
        worst_day(plt, runs, args.output)
        return
    # only failover runs time a crashed host; the others (cold start, power loss) have no detection
    runs = [r for r in runs if r.get("scenario", "failover") == "failover" and r.get("detectionMs")]
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


def worst_day(plt, runs, output):
    runs.sort(key=lambda r: (r["vms"], r["_file"]))
    # a column of about 1.4 inches per run keeps the three-line labels apart
    fig, ax = plt.subplots(figsize=(max(9, 1.4 * len(runs)), 5))
    width = 0.38
    for i, r in enumerate(runs):
        base = r["baselinePatchesPerSecond"]
        cold = r.get("coldStartVmsPerSecond", 0) / base
        ax.bar(i - width / 2, cold, width, color="tab:blue", label="cold start" if i == 0 else None)
        ax.annotate(f'{r["coldStartVmsPerSecond"]:.0f}/s', (i - width / 2, cold), ha="center",
                    textcoords="offset points", xytext=(0, 3), fontsize=7)
        if r.get("scenario") == "power-loss" and r.get("powerLossRestartVmsPerSecond"):
            loss = r["powerLossRestartVmsPerSecond"] / base
            ax.bar(i + width / 2, loss, width, color="tab:orange", label="power-loss restart")
            ax.annotate(f'{r["powerLossRestartVmsPerSecond"]:.0f}/s', (i + width / 2, loss),
                        ha="center", textcoords="offset points", xytext=(0, 3), fontsize=7)
    ax.axhline(0.6, color="red", linestyle=":", linewidth=1, label="target 0.6x")
    ax.set_xticks(range(len(runs)))
    ax.set_xticklabels([f'{r["_file"]}\n{r["hosts"]} hosts\n{r["vms"]} VMs\n'
                        f'baseline {r["baselinePatchesPerSecond"]:.0f}/s' for r in runs], fontsize=7)
    ax.set_ylabel("VMs/s as a fraction of the raw-patch baseline")
    ax.set_title("vmha cold start and power-loss restart vs the API server's raw patch rate")
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    ax.legend(unique.values(), unique.keys(), fontsize=8, loc="upper right")
    ax.set_ylim(0, 0.8)
    ax.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(output, dpi=120)
    print(f"wrote {output} from {len(runs)} run(s)")


if __name__ == "__main__":
    main()
