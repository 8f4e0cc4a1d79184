"""Fuzz the loaders and the validator: random bytes through each target in tests/test_fuzz.py.

    .venv/bin/python bench/fuzz.py --seconds 600             # 600 s shared between the targets
    .venv/bin/python bench/fuzz.py --seconds 60 --target csv

Each target is a Hypothesis test; its `fuzz_one_input` turns a random byte string into one
generated input (raw bytes, or text built from the format's tokens) and runs the test on it. A
failure is printed with its traceback and the bytes that caused it are saved under --failures,
and the script exits 1. With atheris installed, `--atheris` hands the one target named by
--target to atheris' coverage-guided engine instead (its own options follow `--`).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from test_fuzz import TARGETS  # noqa: E402


def fuzz(name: str, seconds: float, seed: int, failures: Path) -> tuple[int, int]:
    """(inputs run, failures) for one target over `seconds`."""
    run_one = TARGETS[name].hypothesis.fuzz_one_input
    chance = random.Random(seed)
    inputs = failed = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        buffer = chance.randbytes(chance.choice((64, 256, 1024, 4096)))
        inputs += 1
        try:
            run_one(buffer)
        except Exception:
            failed += 1
            failures.mkdir(parents=True, exist_ok=True)
            saved = failures / f"{name}-{inputs}.bin"
            saved.write_bytes(buffer)
            print(f"FAILURE in {name} (buffer saved to {saved}):", file=sys.stderr)
            traceback.print_exc()
    return inputs, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60,
                        help="total time, shared equally between the targets (default: 60)")
    parser.add_argument("--target", choices=sorted(TARGETS), action="append",
                        help="fuzz only this target (repeatable; default: all)")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of the random bytes (default: from the clock)")
    parser.add_argument("--failures", type=Path, default=Path("fuzz-failures"),
                        help="where failing inputs are saved (default: fuzz-failures/)")
    parser.add_argument("--atheris", action="store_true",
                        help="run the one --target under atheris (must be installed)")
    args, rest = parser.parse_known_args(argv)
    names = args.target or list(TARGETS)
    if args.atheris:
        import atheris  # optional: not a dependency of the project

        if len(names) != 1:
            parser.error("--atheris fuzzes one --target")
        atheris.Setup([sys.argv[0], *rest], TARGETS[names[0]].hypothesis.fuzz_one_input)
        atheris.Fuzz()
        return 0
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4))
    print(f"seed {seed}; {args.seconds:g} s over {len(names)} targets")
    print(f"{'target':<14}{'seconds':>9}{'inputs':>10}{'inputs/s':>10}{'failures':>10}")
    total_failed = 0
    for index, name in enumerate(names):
        seconds = args.seconds / len(names)
        started = time.monotonic()
        inputs, failed = fuzz(name, seconds, seed + index, args.failures)
        took = time.monotonic() - started
        total_failed += failed
        print(f"{name:<14}{took:>9.1f}{inputs:>10,}{inputs / took:>10.1f}{failed:>10}",
              flush=True)
    print("no failures" if not total_failed else f"{total_failed} failures")
    return 1 if total_failed else 0


if __name__ == "__main__":
    sys.exit(main())
