"""Measure the verifier on generated filings: safety, automation and speed.

``python -m samples.scenario_eval --count 200 --seed 7 --json`` builds
scenarios (``samples.filings``), obtains readings through a reader, verifies
every filing and reports:

- ``false_approvals``: defective filings approved automatically (must be 0);
- ``clean_approval_rate``: clean filings approved automatically (target ≥ 0.9);
- ``needs_materials_exact``: the share of ``needs_materials`` verdicts that
  name exactly the missing groups;
- ``verify_ms_median``: the median time to verify one filing from cached readings.

The reader is a callable ``Scenario -> list[Evidence]``: ground truth by
default (``--reader truth``), or the real OCR (``--reader ocr``), which
renders each document through ``samples.generate``, photographs it and reads
it with :class:`ocr.reader.Reader`.

``--readings FILE`` keeps every scenario's evidence in a JSON-lines file as
it is read, and reuses what the file already holds: a long OCR run can be
resumed, and the verifier re-measured on the same readings without reading
again (the scenarios and readings are deterministic for a count and seed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog

from ocr.domain import DocumentReading, Quality
from samples.filings import (
    Scenario,
    duplicate_hits,
    generate_scenarios,
    ground_truth_evidence,
    unread_documents,
)
from verifiers.domain import Decision, Evidence, Verdict
from verifiers.policy import PolicyBook, load_packs
from verifiers.verify import evidence_from_page, verify_filing

__all__ = [
    "EvaluationReport",
    "ScenarioReader",
    "cached_reader",
    "evaluate",
    "main",
    "ocr_scenario_reader",
]

ScenarioReader = Callable[[Scenario], list[Evidence]]


@dataclass(slots=True, kw_only=True)
class EvaluationReport:
    """What :func:`evaluate` measured."""

    reader: str
    scenarios: int = 0
    clean: int = 0
    defective: int = 0
    false_approvals: list[str] = field(default_factory=list)
    clean_approved: int = 0
    needs_materials_verdicts: int = 0
    needs_materials_exact: int = 0
    expected_decision_matched: int = 0
    verify_ms: list[float] = field(default_factory=list)
    read_seconds: float = 0.0
    by_defect: dict[str, Counter[str]] = field(default_factory=dict)

    def export(self) -> dict[str, Any]:
        return {
            "reader": self.reader,
            "scenarios": self.scenarios,
            "clean": self.clean,
            "defective": self.defective,
            "false_approvals": len(self.false_approvals),
            "false_approval_ids": self.false_approvals,
            "clean_approval_rate": round(self.clean_approved / self.clean, 4)
            if self.clean
            else None,
            "needs_materials_verdicts": self.needs_materials_verdicts,
            "needs_materials_exact": (
                round(self.needs_materials_exact / self.needs_materials_verdicts, 4)
                if self.needs_materials_verdicts
                else None
            ),
            "expected_decision_rate": (
                round(self.expected_decision_matched / self.scenarios, 4)
                if self.scenarios
                else None
            ),
            "verify_ms_median": round(statistics.median(self.verify_ms), 3)
            if self.verify_ms
            else None,
            "verify_ms_p95": round(_percentile(self.verify_ms, 0.95), 3)
            if self.verify_ms
            else None,
            "read_seconds": round(self.read_seconds, 2),
            "decisions_by_defect": {k: dict(v) for k, v in sorted(self.by_defect.items())},
        }


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def evaluate(
    scenarios: Sequence[Scenario],
    *,
    reader: ScenarioReader,
    book: PolicyBook,
    reader_name: str = "truth",
    timing_rounds: int = 5,
) -> EvaluationReport:
    """Read and verify every scenario and tally the results.

    Args:
        scenarios: The filings to verify.
        reader: Turns a scenario into evidence (ground truth or real OCR).
        book: The policy packs.
        reader_name: Recorded in the report.
        timing_rounds: How often each filing is re-verified from its cached
            readings to time it (the median round counts).

    Returns:
        The report.
    """
    report = EvaluationReport(reader=reader_name)
    for scenario in scenarios:
        started = time.perf_counter()
        evidence = reader(scenario)
        report.read_seconds += time.perf_counter() - started
        hits = duplicate_hits(scenario, evidence)
        unread = unread_documents(scenario, evidence)
        rounds: list[float] = []
        for _ in range(max(1, timing_rounds)):
            started = time.perf_counter()
            verdict = verify_filing(
                scenario.facts, evidence, book_or_pack=book, duplicates=hits, unread=unread
            )
            rounds.append((time.perf_counter() - started) * 1000)
        report.verify_ms.append(statistics.median(rounds))
        _tally(report, scenario, verdict)
    return report


def _tally(report: EvaluationReport, scenario: Scenario, verdict: Verdict) -> None:
    report.scenarios += 1
    label = scenario.defect or "clean"
    report.by_defect.setdefault(label, Counter())[verdict.decision.value] += 1
    if scenario.defect is None:
        report.clean += 1
        report.clean_approved += verdict.decision is Decision.APPROVE
    else:
        report.defective += 1
        if verdict.decision is Decision.APPROVE:
            report.false_approvals.append(scenario.id)
    if verdict.decision is Decision.NEEDS_MATERIALS:
        report.needs_materials_verdicts += 1
        named = tuple(m.code for m in verdict.missing)
        report.needs_materials_exact += named == scenario.expected_missing
    report.expected_decision_matched += verdict.decision.value == scenario.expected_decision


def ocr_scenario_reader(*, seed: int = 0) -> ScenarioReader:
    """Build a reader that renders, photographs and OCRs each scenario document.

    The OCR engine loads once here. Each document becomes one photo; every
    document the reader finds on it becomes evidence under the scenario's
    document id, with the photo's SHA-256 and perceptual hash.

    Args:
        seed: Seeds the rendering and photo effects (with each scenario's id).

    Returns:
        The reader callable.
    """
    import numpy as np

    from ocr.engines.rapid import RapidOcrEngine
    from ocr.images import encode_jpeg, perceptual_hash
    from ocr.reader import Reader
    from samples.filings import render_scenario

    ocr = Reader(RapidOcrEngine())

    def read(scenario: Scenario) -> list[Evidence]:
        # Each scenario's photos depend on the seed and the scenario alone, so a
        # resumed run (--readings) photographs exactly what a full run would.
        rng = random.Random(f"{seed}/{scenario.id}")
        evidence: list[Evidence] = []
        for doc, (photo, _truth) in render_scenario(scenario, rng):
            bgr = np.ascontiguousarray(np.asarray(photo.convert("RGB"))[:, :, ::-1])
            page = ocr.read_page(bgr, page=1)
            sha = hashlib.sha256(encode_jpeg(bgr)).hexdigest()
            phash = perceptual_hash(bgr)
            evidence.extend(
                evidence_from_page(doc.document_id, page, image_sha256=sha, phash=phash)
            )
        return evidence

    return read


def _export_evidence(item: Evidence) -> dict[str, Any]:
    return {
        "document_id": item.document_id,
        "page": item.page,
        "reading": item.reading.export(),
        "quality": item.quality.export(),
        "image_sha256": item.image_sha256,
        "phash": item.phash,
    }


def _load_evidence(data: dict[str, Any]) -> Evidence:
    return Evidence(
        document_id=str(data["document_id"]),
        page=int(data["page"]),
        reading=DocumentReading.from_dict(data["reading"]),
        quality=Quality.from_dict(data["quality"]),
        image_sha256=str(data.get("image_sha256", "")),
        phash=str(data.get("phash", "")),
    )


def cached_reader(reader: ScenarioReader, path: Path) -> ScenarioReader:
    """Wrap a reader so each scenario's evidence is kept in, and reused from, a file.

    Args:
        reader: The reader to call for scenarios the file does not hold yet.
        path: A JSON-lines file, one ``{"scenario": id, "evidence": [...]}`` per line,
            appended to as scenarios are read.

    Returns:
        The caching reader.
    """
    known: dict[str, list[Evidence]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                known[row["scenario"]] = [_load_evidence(e) for e in row["evidence"]]

    def read(scenario: Scenario) -> list[Evidence]:
        if scenario.id in known:
            return known[scenario.id]
        evidence = reader(scenario)
        row = {"scenario": scenario.id, "evidence": [_export_evidence(e) for e in evidence]}
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        known[scenario.id] = evidence
        return evidence

    return read


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evaluation from the command line and print the report.

    Args:
        argv: The arguments (``sys.argv[1:]`` when omitted).

    Returns:
        0 when there was no false approval, 1 otherwise.
    """
    parser = argparse.ArgumentParser(prog="python -m samples.scenario_eval")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reader", choices=("truth", "ocr"), default="truth")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--readings",
        type=Path,
        help="JSON-lines file to keep the readings in and reuse them from",
    )
    args = parser.parse_args(argv)
    book = load_packs()
    scenarios = generate_scenarios(count=args.count, seed=args.seed, book=book)
    reader: ScenarioReader
    if args.reader == "truth":
        reader = ground_truth_evidence
    elif args.readings is not None and _holds_all(args.readings, scenarios):
        # Every reading is kept: the OCR models need not load.
        reader = _unreadable
    else:
        reader = ocr_scenario_reader(seed=args.seed)
    if args.readings is not None:
        reader = cached_reader(reader, args.readings)
    report = evaluate(scenarios, reader=reader, book=book, reader_name=args.reader)
    exported = report.export()
    if args.json:
        sys.stdout.write(json.dumps(exported, ensure_ascii=False, indent=2) + "\n")
    else:
        for key, value in exported.items():
            if key not in ("decisions_by_defect", "false_approval_ids"):
                sys.stdout.write(f"{key}: {value}\n")
    return 1 if report.false_approvals else 0


def _holds_all(path: Path, scenarios: Sequence[Scenario]) -> bool:
    if not path.exists():
        return False
    held = {
        json.loads(line)["scenario"]
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    return all(s.id in held for s in scenarios)


def _unreadable(scenario: Scenario) -> list[Evidence]:
    raise LookupError(f"no kept reading for {scenario.id}")


if __name__ == "__main__":
    # The OCR reader logs each page; keep stdout for the report alone.
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=sys.stderr))
    raise SystemExit(main())
