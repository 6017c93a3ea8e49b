"""``intake reverify``: a what-if preview of a candidate pack from the command line."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import yaml
from pydantic import SecretStr
from typer.testing import CliRunner

from api.cli import app
from api.commands import reverify as command
from api.settings import Settings
from api.wiring import Services, build_services
from samples.filings import make_scenario, store_scenarios
from storage.sql import sql_unit_of_work_factory
from storage.sql.engine import create_database_engine
from storage.sql.migrate import upgrade_database
from tests.fakes import FakeReader
from verifiers import load_packs
from verifiers.policy import POLICIES_DIR

runner = CliRunner()
TYPES = ("referral", "other_temporary", "referral", "other_temporary", "stationed_worker")


@pytest.fixture
def stored(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """Five submitted filings with cached readings, and the command wired to a fake reader."""
    settings = Settings(api_keys=SecretStr("admin:k"))
    upgrade_database(settings.database_url_resolved)
    book = load_packs()
    scenarios = [
        make_scenario(pack="national", seed=60 + n, filing_type=kind, book=book)
        for n, kind in enumerate(TYPES)
    ]
    engine = create_database_engine(settings.database_url_resolved)
    store_scenarios(
        sql_unit_of_work_factory(engine, settings.keyring(create=True)),
        scenarios,
        owner="app",
        engine_version=FakeReader.version,
    )
    engine.dispose()

    def build(settings: Settings) -> Services:
        return build_services(settings, reader=FakeReader())

    monkeypatch.setattr(command, "build_services", build)
    return len(scenarios)


def _candidate(tmp_path: Path) -> Path:
    directory = tmp_path / "candidate"
    shutil.copytree(POLICIES_DIR, directory)
    national = directory / "national.yaml"
    data = yaml.safe_load(national.read_text(encoding="utf-8"))
    data["filing_types"]["other_temporary"]["groups"]["referral_proof"] = {
        "name": "转诊转院证明",
        "any_of": ["referral_form"],
    }
    national.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return directory


def test_a_real_run_then_a_what_if_preview(stored: int, tmp_path: Path) -> None:
    first = runner.invoke(app, ["reverify", "--json"])
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert (report["total"], report["done"], report["failed"]) == (stored, stored, 0)
    assert report["dry_run"] is False

    out = tmp_path / "changes.csv"
    preview = runner.invoke(
        app,
        ["reverify", "--dry-run", "--policy-dir", str(_candidate(tmp_path)), "--out", str(out)],
    )
    assert preview.exit_code == 0, preview.output
    assert "dry run (no filing changed)" in preview.stdout
    assert "approve → needs_materials" in preview.stdout
    assert "missing.referral_proof" in preview.stdout
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert {r["filing_type"] for r in rows} == {"other_temporary"}
    assert all(r["new_decision"] == "needs_materials" for r in rows)
    assert all("missing.referral_proof: present → missing" in r["checks"] for r in rows)
    assert len(rows) == 2

    # `--policy` is the contract's name for the same option.
    same = runner.invoke(
        app, ["reverify", "--json", "--dry-run", "--policy", str(tmp_path / "candidate")]
    )
    assert json.loads(same.stdout)["changed"] == 2

    again = runner.invoke(app, ["reverify", "--json", "--type", "other_temporary", "--dry-run"])
    assert json.loads(again.stdout)["changed"] == 0  # the preview changed nothing


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--policy-dir", "/nonexistent"], "--policy-dir: not a directory"),
        (["--insured", "1234"], "--insured must be a 6-digit region code"),
        (["--submitted-from", "yesterday"], "--submitted-from must be a date"),
        (["--out", "changes.txt"], "--out must end in .csv or .json"),
        (["--resume", "not-a-job"], "--resume: 'not-a-job' is not a job id"),
    ],
)
def test_bad_options_exit_2_with_one_line(stored: int, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["reverify", *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert result.stderr.strip().count("\n") == 0


@pytest.mark.parametrize(("terminal", "shown"), [(False, False), (True, True)])
def test_the_progress_bar_is_only_for_a_terminal(
    stored: int, monkeypatch: pytest.MonkeyPatch, terminal: bool, shown: bool
) -> None:
    monkeypatch.setattr(command, "stderr_is_terminal", lambda: terminal)
    result = runner.invoke(app, ["reverify", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert ("re-verifying" in result.stderr) is shown
    assert "done, dry run (no filing changed)" in result.stdout
