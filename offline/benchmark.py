"""How long the offline render takes: each real stack, and prod scaled to 5, 20 and 50 projects.

    venv/bin/python -m offline.benchmark [--repeat 3]

Not a test: it prints a table of time and resource count per case and checks two targets, exiting 1 when
either is missed:
- prod renders in under 2 s, measured cold (a fresh interpreter, imports included);
- time grows no faster than linearly with the resource count across the scaled sizes (time per resource at
  the largest size within 1.25x of the smallest size's, allowing for timer noise).

The scaled environments set `projects` and `modelDeployments` (3 per project, chained on the one account)
through config overrides.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass

from offline.render import PROJECT_DIR, render

STACKS = ("dev", "staging", "prod")
SIZES = (5, 20, 50)
DEPLOYMENTS_PER_PROJECT = 3
COLD_TARGET_SECONDS = 2.0
LINEAR_TOLERANCE = 1.25


@dataclass(frozen=True)
class Measurement:
    case: str
    resources: int
    seconds: float

    @property
    def per_resource_ms(self) -> float:
        return 1000 * self.seconds / self.resources


def projects_override(count: int) -> list[dict[str, str]]:
    return [{"name": f"proj{i:03d}", "displayName": f"Project {i}"} for i in range(count)]


def deployments_override(count: int) -> list[dict[str, object]]:
    """`modelDeployments` entries: name, model, SKU and capacity."""
    return [
        {
            "name": f"model-{i:03d}",
            "model": {"format": "OpenAI", "name": "gpt-5.6-luna", "version": "2026-07-09"},
            "sku": "GlobalStandard",
            "capacity": 10,
        }
        for i in range(count)
    ]


def timed(stack: str, overrides: Mapping[str, object] | None, repeat: int) -> tuple[int, float]:
    """Resource count and the median of `repeat` renders."""
    times = []
    count = 0
    for _ in range(repeat):
        start = time.perf_counter()
        rendering = render(stack, overrides=overrides)
        times.append(time.perf_counter() - start)
        count = len(rendering.resources)
    return count, statistics.median(times)


def cold_prod_seconds() -> float:
    """A fresh interpreter importing the renderer and rendering prod once, as `offline.plan` would."""
    code = (
        "import time; t = time.perf_counter(); from offline.render import render; render('prod'); "
        "print(time.perf_counter() - t)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline.benchmark", description="Time the offline render.")
    parser.add_argument("--repeat", type=int, default=3, help="renders per case; the median is reported")
    args = parser.parse_args(argv)

    cold = cold_prod_seconds()
    render("prod")  # warm up: imports and the SDK's first-use costs are not part of the per-case figures
    rows = [Measurement(f"stack {stack}", *timed(stack, None, args.repeat)) for stack in STACKS]

    scaled: list[Measurement] = []
    for size in SIZES:
        overrides: dict[str, object] = {
            "projects": projects_override(size),
            "modelDeployments": deployments_override(DEPLOYMENTS_PER_PROJECT * size),
        }
        label = f"prod, {size} projects, {DEPLOYMENTS_PER_PROJECT * size} deployments"
        scaled.append(Measurement(label, *timed("prod", overrides, args.repeat)))
    rows += scaled

    width = max(len(r.case) for r in rows)
    print(f"{'case'.ljust(width)}  resources  median s  ms/resource")
    for r in rows:
        print(f"{r.case.ljust(width)}  {r.resources:9d}  {r.seconds:8.3f}  {r.per_resource_ms:11.2f}")
    print(f"prod cold (fresh interpreter, imports included): {cold:.2f} s")

    growth = scaled[-1].per_resource_ms / scaled[0].per_resource_ms
    linear = growth <= LINEAR_TOLERANCE
    fast = cold < COLD_TARGET_SECONDS
    print(
        f"growth: {scaled[0].resources} -> {scaled[-1].resources} resources, time per resource x{growth:.2f} "
        f"({'linear or better' if linear else 'WORSE than linear'}; limit x{LINEAR_TOLERANCE})"
    )
    print(f"target prod < {COLD_TARGET_SECONDS:.0f} s cold: {'met' if fast else 'MISSED'}")
    return 0 if linear and fast else 1


if __name__ == "__main__":
    sys.exit(main())
