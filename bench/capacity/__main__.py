"""``python -m bench.capacity`` — what Warbler would need, and cost, on AWS at a given load.

    python -m bench.capacity                      # measure here, then model the design's load
    python -m bench.capacity --measured FILE      # model from an earlier measurement (fast)
    python -m bench.capacity --dau 10e6 --mau 20e6 --posts-per-day 33e6 --peak-posts-per-second 1000

Every ``Load`` field is a flag. Writes ``capacity.md``, ``capacity.png`` and (after measuring)
``capacity_measured.json`` into ``--out``; prints the cost table.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import sys
import warnings
from dataclasses import fields, replace
from pathlib import Path

from bench import environment
from bench.capacity import measure as measuring
from bench.capacity.model import Load, plan
from bench.capacity.prices import Prices
from bench.capacity.report import plot, section
from bench.progress import Progress

RESULTS = environment.REPO_ROOT / "bench" / "results"
MEASURED = RESULTS / "capacity_measured.json"


@contextlib.contextmanager
def quiet_handlers():
    """The handlers' log and metric lines (stdout) are theirs, not this report's."""
    logging.getLogger("infra").setLevel(logging.WARNING)
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        yield


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.capacity", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--measured", type=Path, help="a capacity_measured.json to model from, instead of measuring")
    p.add_argument("--out", type=Path, default=RESULTS)
    p.add_argument("--small", action="store_true", help="a quick measurement (CI): fewer users and operations")
    p.add_argument("--quiet", action="store_true")
    defaults = Load()
    for f in fields(Load):
        value = getattr(defaults, f.name)
        p.add_argument("--" + f.name.replace("_", "-"), type=type(value), default=value, help=f"default {value}")
    return p


def run(args: argparse.Namespace) -> int:
    progress = Progress(quiet=args.quiet)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.measured:
        measured = measuring.load(args.measured)
    else:
        sizes = dict(users=12, follows_each=4, posts=10, reads=60, likes=10, searches=6, push_followers=3,
                     fanout_deliveries=10_000, rss=False) if args.small else {}  # fmt: skip
        with quiet_handlers():
            measured = measuring.measure(progress=progress, **sizes)
        measuring.save(measured, args.out / "capacity_measured.json")
    load = replace(Load(), **{f.name: getattr(args, f.name) for f in fields(Load)})
    prices = Prices.load()
    result = plan(load, measured, prices)
    plot(load, measured, prices, args.out / "capacity.png")
    text = section(result, measured, prices, "capacity.png")
    (args.out / "capacity.md").write_text(text)
    for service, usd in result.by_service().items():
        print(f"  {service:<24} ${usd:>14,.0f} / month")
    print(f"  {'total':<24} ${result.total:>14,.0f} / month  (at {load.dau / 1e6:,.0f}M DAU)")
    progress.note(f"capacity report: {args.out / 'capacity.md'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run(parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
