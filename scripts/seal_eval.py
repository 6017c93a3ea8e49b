"""Measure what the seal text read from photos is worth to the seal check.

Usage::

    python scripts/seal_eval.py CORPUS_DIR [--limit N] [--json]

``CORPUS_DIR`` is a generated corpus (``python -m samples DIR --count N --seed S``);
its ground truth lists each document's seals with their text (arc and centre).
Every page holding a seal is read with the service's reader (seal text on).
For each stamped document it reports:

- how many seals were found, how many had readable text (four characters or
  more), and the share of the characters read that are the seal's own
  (precision) and of the seal's characters that were read (recall);
- what the seal check (:func:`verifiers.seals.check_seal`, national pack) says
  on the document as read: ``pass`` is the seal text working; ``unsure`` is
  a stamped document sent to a person;
- the same check with the seal text read from a document of another issuer
  (a company's seal on a referral form, a police station's on a dispatch
  letter): anything but ``unsure`` or ``fail`` there would be a false approval.

It also gives the median seconds the seal step takes per page.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import structlog

from ocr.domain import DocumentKind, DocumentReading, Quality
from ocr.engines.rapid import RapidOcrEngine
from ocr.evaluation import corpus_pages
from ocr.images import decode_image
from ocr.reader import Reader
from verifiers import Evidence, FilingFacts, load_packs
from verifiers.codes import CheckCode
from verifiers.evidence import CheckContext
from verifiers.seals import check_seal

_CODES = {
    DocumentKind.REFERRAL_FORM: CheckCode.REFERRAL_SEAL,
    DocumentKind.DISPATCH_LETTER: CheckCode.DISPATCH_SEAL,
    DocumentKind.HUKOU_FRONT: CheckCode.HUKOU_SEAL,
    DocumentKind.HUKOU_PERSON: CheckCode.HUKOU_SEAL,
}
# Whose seal stands in as "another issuer's" for each checked kind.
_OTHER = {
    DocumentKind.REFERRAL_FORM: (
        DocumentKind.DISPATCH_LETTER,
        DocumentKind.LABOR_CONTRACT,
        DocumentKind.HUKOU_FRONT,
    ),
    DocumentKind.DISPATCH_LETTER: (
        DocumentKind.HUKOU_FRONT,
        DocumentKind.HUKOU_PERSON,
        DocumentKind.REFERRAL_FORM,
    ),
    DocumentKind.HUKOU_FRONT: (DocumentKind.DISPATCH_LETTER, DocumentKind.REFERRAL_FORM),
    DocumentKind.HUKOU_PERSON: (DocumentKind.DISPATCH_LETTER, DocumentKind.REFERRAL_FORM),
}


def _context() -> CheckContext:
    book = load_packs()
    facts = FilingFacts(
        filing_type="referral",
        insured_region="321002",
        treatment_region="310000",
        start_date=date(2025, 6, 1),
        filed_on=date(2025, 6, 1),
        applicant_name="王建国",
        applicant_id_number="",
    )
    return CheckContext(facts=facts, pack=book.packs["national"], regions=book.regions)


def _outcome(ctx: CheckContext, reading: DocumentReading) -> str:
    evidence = Evidence(
        document_id="d", page=1, reading=reading, quality=Quality(), image_sha256="0" * 64
    )
    return check_seal(ctx, evidence, _CODES[reading.kind], what="印章").outcome.value


def _read(directory: Path, limit: int | None) -> list[dict[str, Any]]:
    reader = Reader(RapidOcrEngine(threads=2))
    stamped = []
    for path, truth in corpus_pages(directory, limit=limit):
        if not any(doc.get("seals") for doc in truth["documents"]):
            continue
        reading = reader.read_page(decode_image(path.read_bytes()))
        for expected in truth["documents"]:
            if not expected.get("seals"):
                continue
            kind = DocumentKind(expected["kind"])
            got = next((d for d in reading.documents if d.kind is kind), None)
            stamped.append(
                {
                    "file": path.name,
                    "kind": kind,
                    "truth": [s["text"] for s in expected["seals"]],
                    "reading": got,
                    "seconds": reading.timings.get("seals", 0.0),
                }
            )
    return stamped


def _text_scores(stamped: list[dict[str, Any]]) -> dict[str, Any]:
    found = readable = 0
    precision: list[float] = []
    recall: list[float] = []
    for item in stamped:
        seals = item["reading"].seals if item["reading"] else ()
        found += min(len(seals), len(item["truth"]))
        for seal in seals:
            text = "".join(seal.text.split())
            readable += len(text) >= 4
            truth = max(item["truth"], key=lambda t: len(set(t) & set(text)))
            if text:
                precision.append(sum(c in truth for c in text) / len(text))
            recall.append(len(set(truth) & set(text)) / len(set(truth)))
    return {
        "seals": sum(len(i["truth"]) for i in stamped),
        "found": found,
        "readable_text": readable,
        "char_precision": round(statistics.mean(precision), 3) if precision else None,
        "char_recall": round(statistics.mean(recall), 3) if recall else None,
    }


def _judged(ctx: CheckContext, stamped: list[dict[str, Any]]) -> dict[str, Any]:
    own: dict[str, Counter[str]] = {}
    crossed: dict[str, Counter[str]] = {}
    missed: list[dict[str, Any]] = []
    for item in stamped:
        got, kind = item["reading"], item["kind"]
        if kind not in _CODES:
            continue
        if got is None:
            own.setdefault(kind.value, Counter())["kind misread"] += 1
            continue
        outcome = _outcome(ctx, got)
        own.setdefault(kind.value, Counter())[outcome] += 1
        if outcome != "pass":
            seals = [(s.confidence, s.text) for s in got.seals]
            missed.append({"file": item["file"], "kind": kind.value, "read": seals})
        for other in stamped:
            theirs = other["reading"]
            if other["kind"] in _OTHER[kind] and theirs is not None and theirs.seals:
                swapped = dataclasses.replace(got, seals=theirs.seals[:1])
                crossed.setdefault(kind.value, Counter())[_outcome(ctx, swapped)] += 1
    return {
        "own_seal": {k: dict(v) for k, v in own.items()},
        "another_issuers_seal": {k: dict(v) for k, v in crossed.items()},
        "own_seal_not_passed": missed,
    }


def main(argv: list[str] | None = None) -> int:
    """Read the corpus's stamped pages and print the seal figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--json", action="store_true", help="compact JSON")
    args = parser.parse_args(argv)
    # stdout carries the report; log events go to stderr.
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    stamped = _read(args.directory, args.limit)
    seconds = [item["seconds"] for item in stamped]
    report = {
        "documents": len(stamped),
        "text": _text_scores(stamped),
        "check": _judged(_context(), stamped),
        "seal_step_median_s": round(statistics.median(seconds), 3) if seconds else None,
    }
    sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=None if args.json else 1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
