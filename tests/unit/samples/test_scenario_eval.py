from __future__ import annotations

import dataclasses
import json

import pytest

from samples.filings import Scenario, generate_scenarios, ground_truth_evidence
from samples.scenario_eval import evaluate, main
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

    def test_main_prints_json_and_exits_zero(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["--count", "20", "--seed", "5", "--json"]) == 0
        printed = json.loads(capsys.readouterr().out)
        assert printed["scenarios"] == 20
