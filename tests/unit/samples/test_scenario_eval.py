from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from ocr.domain import Quality, QualityProblem
from samples.filings import Scenario, generate_scenarios, ground_truth_evidence
from samples.scenario_eval import cached_reader, evaluate, main
from verifiers import Evidence, load_packs


class TestEvaluate:
    def test_ground_truth_meets_the_targets(self) -> None:
        book = load_packs()
        scenarios = generate_scenarios(count=60, seed=3, book=book)
        report = evaluate(scenarios, reader=ground_truth_evidence, book=book, timing_rounds=1)
        exported = report.export()
        assert exported["false_approvals"] == 0
        assert exported["clean_approval_rate"] >= 0.9
        assert exported["needs_materials_exact"] == 1.0
        assert exported["verify_ms_median"] < 5

    def test_a_reader_that_hides_defects_is_caught(self) -> None:
        book = load_packs()
        scenarios = [
            s for s in generate_scenarios(count=80, seed=4, book=book) if s.defect == "blurry_photo"
        ]
        assert scenarios

        def sharp_reader(scenario: Scenario) -> list[Evidence]:
            return [
                dataclasses.replace(e, quality=dataclasses.replace(e.quality, problems=()))
                for e in ground_truth_evidence(scenario)
            ]

        report = evaluate(scenarios, reader=sharp_reader, book=book, timing_rounds=1)
        assert len(report.false_approvals) == len(scenarios)

    def test_glare_everywhere_keeps_clean_filings_automatic_and_defects_caught(self) -> None:
        book = load_packs()
        scenarios = generate_scenarios(count=80, seed=11, book=book)
        glare = QualityProblem(code="glare", message="有反光")

        def glaring_reader(scenario: Scenario) -> list[Evidence]:
            # Every page glares; a blurry page is measured soft but reported only
            # as glare (the reader missed the blur).
            out = []
            for e in ground_truth_evidence(scenario):
                sharpness = 0.33 if e.quality.problems else 0.7
                out.append(
                    dataclasses.replace(e, quality=Quality(problems=(glare,), sharpness=sharpness))
                )
            return out

        report = evaluate(scenarios, reader=glaring_reader, book=book, timing_rounds=1)
        exported = report.export()
        assert exported["false_approvals"] == 0
        assert exported["clean_approval_rate"] == 1.0
        assert report.by_defect["blurry_photo"]["approve"] == 0

    def test_main_prints_json_and_exits_zero(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["--count", "20", "--seed", "5", "--json"]) == 0
        printed = json.loads(capsys.readouterr().out)
        assert printed["scenarios"] == 20


class TestKeptReadings:
    def test_readings_are_kept_and_reused(self, tmp_path: Path) -> None:
        book = load_packs()
        scenarios = generate_scenarios(count=8, seed=6, book=book)
        calls: list[str] = []

        def counting(scenario: Scenario) -> list[Evidence]:
            calls.append(scenario.id)
            return ground_truth_evidence(scenario)

        kept = tmp_path / "readings.jsonl"
        first = evaluate(
            scenarios, reader=cached_reader(counting, kept), book=book, timing_rounds=1
        )
        again = evaluate(
            scenarios, reader=cached_reader(counting, kept), book=book, timing_rounds=1
        )
        assert len(calls) == len(scenarios)
        assert again.by_defect == first.by_defect
        assert again.false_approvals == first.false_approvals

    def test_main_verifies_kept_readings_without_the_reader(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        book = load_packs()
        kept = tmp_path / "readings.jsonl"
        evaluate(
            generate_scenarios(count=6, seed=9, book=book),
            reader=cached_reader(ground_truth_evidence, kept),
            book=book,
            timing_rounds=1,
        )
        argv = ["--count", "6", "--seed", "9", "--reader", "ocr", "--readings", str(kept), "--json"]
        assert main(argv) == 0
        printed = json.loads(capsys.readouterr().out)
        assert printed["scenarios"] == 6
        assert printed["reader"] == "ocr"
        assert printed["clean_approval_rate"] == 1.0
