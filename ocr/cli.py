"""Command line: ``python -m ocr.cli read FILE... --json``, ``eval DIR --json``, ``bench read DIR``.

The ``intake`` CLI wraps these; the output shapes are the CONTRACT ones.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import structlog

from ocr.domain import PageReading
from ocr.engines.rapid import RapidOcrEngine
from ocr.evaluation import evaluate_corpus
from ocr.images import decode_image
from ocr.reader import Reader

__all__ = ["document_records", "main"]


def document_records(file: str, readings: Sequence[PageReading]) -> list[dict[str, Any]]:
    """One CONTRACT ``intake read`` object per document found in a file's pages."""
    records = []
    for page in readings:
        for document in page.documents:
            records.append(
                {
                    "file": file,
                    "page": page.page,
                    "index": document.index,
                    "box": list(document.box),
                    "kind": document.kind.value,
                    "kind_confidence": document.kind_confidence,
                    "fields": {
                        name: {"value": f.value, "confidence": f.confidence}
                        for name, f in document.fields.items()
                    },
                    "seals": [s.export() for s in document.seals],
                    "quality": page.quality.export(),
                }
            )
    return records


def _read(args: argparse.Namespace) -> int:
    engine = RapidOcrEngine(threads=args.threads)
    reader = Reader(engine, read_seal_text=not args.no_seal_text)
    for name in args.files:
        readings = reader.read_file(Path(name).read_bytes())
        for record in document_records(name, readings):
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    return 0


def _eval(args: argparse.Namespace) -> int:
    engine = RapidOcrEngine(threads=args.threads)
    reader = Reader(engine, read_seal_text=not args.no_seal_text)
    report = evaluate_corpus(
        Path(args.directory),
        read_page=reader.read_page,
        load=lambda path: decode_image(path.read_bytes()),
        limit=args.limit,
    )
    sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=None if args.json else 1) + "\n")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from ocr.benchmark import benchmark_reading

    report = benchmark_reading(Path(args.directory), limit=args.limit, workers=args.workers)
    sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ocr.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    read = commands.add_parser("read", help="read files, one JSON object per document")
    read.add_argument("files", nargs="+")
    read.add_argument("--json", action="store_true", help="JSON lines (the only format)")
    read.add_argument("--threads", type=int, default=2)
    read.add_argument(
        "--no-seal-text", action="store_true", help="leave the text inside seals unread"
    )
    read.set_defaults(run=_read)
    evaluate = commands.add_parser("eval", help="accuracy against a generated corpus")
    evaluate.add_argument("directory")
    evaluate.add_argument("--json", action="store_true", help="compact JSON")
    evaluate.add_argument("--limit", type=int, default=None)
    evaluate.add_argument("--threads", type=int, default=2)
    evaluate.add_argument(
        "--no-seal-text", action="store_true", help="leave the text inside seals unread"
    )
    evaluate.set_defaults(run=_eval)
    bench = commands.add_parser("bench", help="benchmarks")
    targets = bench.add_subparsers(dest="target", required=True)
    bench_read = targets.add_parser("read", help="our reading against bare RapidOCR")
    bench_read.add_argument("directory")
    bench_read.add_argument("--limit", type=int, default=None)
    bench_read.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    bench_read.set_defaults(run=_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    # stdout carries the JSON output; log events go to stderr.
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    status: int = args.run(args)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
