"""``python -m samples OUT --count N --seed S``: write a synthetic corpus with ground truth."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ocr.domain import DocumentKind
from samples.errors import SamplesError
from samples.generate import generate_corpus


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and write the corpus; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m samples", description=__doc__)
    parser.add_argument("out", type=Path, help="output directory")
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--kind",
        action="append",
        choices=[k.value for k in DocumentKind],
        help="restrict to these kinds (repeatable)",
    )
    parser.add_argument("--difficulty", choices=("easy", "normal", "hard"), default="normal")
    parser.add_argument("--min-side", type=int, default=1000)
    parser.add_argument("--max-side", type=int, default=4000)
    args = parser.parse_args(argv)
    kinds = [DocumentKind(k) for k in args.kind] if args.kind else None
    try:
        paths = generate_corpus(
            args.out,
            count=args.count,
            seed=args.seed,
            kinds=kinds,
            difficulty=args.difficulty,
            long_side=(args.min_side, args.max_side),
        )
    except SamplesError as error:  # no Chinese font: one line naming what to install
        sys.stderr.write(f"error: {error}\n")
        return 1
    sys.stdout.write(f"{len(paths)} samples written to {args.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
