"""The ``intake`` operator commands, run through typer's CliRunner.

The fast tests put ``tests.fakes.FakeReader`` where the OCR reader would be
built; the ``slow`` ones read committed examples with the real engine.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
import typer
import yaml
from typer.testing import CliRunner

from api import wiring
from api.cli import app
from api.commands import reading, verification
from api.settings import Settings
from intake.domain import FilingStatus
from intake.ports import PageReader
from ocr.domain import DocumentKind, DocumentReading, Field
from storage.sql.migrate import upgrade_database
from tests.factories import (
    READ_RECORD_KEYS,
    document_image,
    encrypted_pdf_bytes,
    fake_id,
    jpeg_bytes,
    json_lines,
    make_filing,
)
from tests.fakes import FakeReader
from verifiers.policy import POLICIES_DIR

EXAMPLES = Path(__file__).resolve().parents[3] / "samples" / "examples"

runner = CliRunner()


@pytest.fixture
def no_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a command loads the OCR reader."""

    def build(settings: Settings) -> PageReader:
        raise AssertionError("the OCR reader was loaded")

    monkeypatch.setattr(reading, "build_reader", build)
    monkeypatch.setattr(verification, "build_reader", build)


def broken_pack_dir(tmp_path: Path, *, pack: str, edit: dict[str, Any]) -> Path:
    directory = tmp_path / "packs"
    shutil.copytree(POLICIES_DIR, directory)
    path = directory / f"{pack}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(edit)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return directory


class TestHelp:
    EXPECTED: ClassVar[frozenset[str]] = frozenset(
        {
            "serve",
            "worker",
            "gc",
            "expire",
            "db",
            "export",
            "keys",
            "purge",
            "reverify",
            "read",
            "verify",
            "samples",
            "eval",
            "policy",
            "bench",
        }
    )

    def test_lists_every_command(self) -> None:
        result = runner.invoke(app, ["--help"])
        assert result.exit_code == 0
        listed = {
            line.split()[1] for line in result.stdout.splitlines() if line.startswith("│ ")
        } & self.EXPECTED
        assert listed == self.EXPECTED

    def test_every_command_and_subcommand_has_help_text(self) -> None:
        group = typer.main.get_command(app)
        assert isinstance(group, typer.core.TyperGroup)
        assert set(group.commands) == self.EXPECTED
        stack: list[tuple[str, Any]] = list(group.commands.items())
        while stack:
            name, command = stack.pop()
            assert (command.help or "").strip(), name
            if isinstance(command, typer.core.TyperGroup):
                assert command.commands, name
                stack.extend((f"{name} {n}", c) for n, c in command.commands.items())

    @pytest.mark.parametrize(
        ("group", "subcommands"),
        [("policy", {"show", "validate"}), ("bench", {"read", "upload"}), ("db", {"upgrade"})],
    )
    def test_groups_list_their_subcommands(self, group: str, subcommands: set[str]) -> None:
        result = runner.invoke(app, [group, "--help"])
        assert result.exit_code == 0
        for name in subcommands:
            assert f"│ {name} " in result.stdout


class TestPolicyShow:
    @pytest.mark.parametrize(
        ("region", "pack"),
        [
            ("321000", "jiangsu-yangzhou"),
            ("321002", "jiangsu-yangzhou"),  # a district of Yangzhou: the city's pack
            ("320509", "jiangsu-suzhou-wujiang"),  # the district's own pack first
            ("320505", "national"),  # Suzhou has no city pack
            ("310000", "national"),
        ],
    )
    def test_prints_the_most_specific_pack_as_yaml(self, region: str, pack: str) -> None:
        result = runner.invoke(app, ["policy", "show", region])
        assert result.exit_code == 0, result.output
        shown = yaml.safe_load(result.stdout)
        assert shown["id"] == pack
        assert shown["version"]
        assert "filing_types" in shown
        assert result.stdout.startswith(f"id: {pack}\n")

    def test_prints_json(self) -> None:
        result = runner.invoke(app, ["policy", "show", "350200", "--json"])
        assert result.exit_code == 0
        (shown,) = json_lines(result.stdout)
        assert shown["id"] == "fujian-xiamen"
        assert shown["regions"] == ["350200"]

    @pytest.mark.parametrize("region", ["32100", "3210000", "abcdef", "991000"])
    def test_rejects_a_bad_region_code(self, region: str) -> None:
        result = runner.invoke(app, ["policy", "show", region])
        assert result.exit_code == 2
        assert result.stderr.startswith("error: region")
        assert result.stdout == ""

    def test_uses_another_pack_directory(self, tmp_path: Path) -> None:
        directory = broken_pack_dir(tmp_path, pack="jiangsu-yangzhou", edit={"version": "9.9"})
        result = runner.invoke(app, ["policy", "show", "321000", "--dir", str(directory)])
        assert result.exit_code == 0
        assert yaml.safe_load(result.stdout)["version"] == "9.9"


class TestPolicyValidate:
    def test_lists_every_bundled_pack_with_its_version(self) -> None:
        result = runner.invoke(app, ["policy", "validate"])
        assert result.exit_code == 0, result.output
        packs = {p.stem: yaml.safe_load(p.read_text("utf-8")) for p in POLICIES_DIR.glob("*.yaml")}
        lines = result.stdout.splitlines()
        assert len(lines) == len(packs)
        for line in lines:
            pack_id, version = line.split()[:2]
            assert str(packs[pack_id]["version"]) == version

    def test_a_broken_pack_exits_1_with_the_loader_message(self, tmp_path: Path) -> None:
        directory = broken_pack_dir(
            tmp_path, pack="hebei-xingtai", edit={"max_long_term_cities": 0}
        )
        result = runner.invoke(app, ["policy", "validate", "--dir", str(directory)])
        assert result.exit_code == 1
        assert "hebei-xingtai" in result.stderr
        assert "is invalid" in result.stderr
        assert "Traceback" not in result.output

    def test_a_directory_without_the_national_pack_exits_1(self, tmp_path: Path) -> None:
        directory = broken_pack_dir(tmp_path, pack="jiangsu-yangzhou", edit={})
        (directory / "national.yaml").unlink()
        result = runner.invoke(app, ["policy", "validate", "--dir", str(directory)])
        assert result.exit_code == 1
        assert "national" in result.stderr


VERIFY_ARGS = [
    "verify",
    "--type",
    "long_term_resident",
    "--insured",
    "321000",
    "--treatment",
    "310000",
    "--name",
    "张三",
    "--id-number",
    fake_id(1),
]


def with_option(option: str, value: str | None, base: list[str] = VERIFY_ARGS) -> list[str]:
    args = list(base)
    index = args.index(option)
    if value is None:
        del args[index : index + 2]
    else:
        args[index + 1] = value
    return args


@pytest.mark.usefixtures("data_dir", "no_reader")
class TestVerifyArguments:
    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (with_option("--type", "retiree"), "--type 'retiree' is not one of"),
            (with_option("--insured", "32100"), "--insured is not valid (format)"),
            (with_option("--treatment", "990000"), "--treatment is not valid (province)"),
            (with_option("--id-number", fake_id(1)[:-1] + "0"), "is not valid (checksum)"),
            (with_option("--id-number", "12345"), "--id-number is not valid (length)"),
            (with_option("--name", "   "), "--name must be"),
            (with_option("--treatment", "321000"), "--treatment must differ from --insured"),
            (
                [*with_option("--type", "referral"), "--commitment"],
                "--commitment: a commitment letter is not accepted for referral",
            ),
            ([*VERIFY_ARGS, "--scheme", "private"], "--scheme 'private' is not one of"),
            ([*VERIFY_ARGS, "--phone", "12"], "--phone is not valid (format)"),
            ([*VERIFY_ARGS, "--contact-phone", "12"], "--contact-phone is not valid (format)"),
            (
                [*VERIFY_ARGS, "--on-behalf-of-name", "李四"],
                "--on-behalf-of-name and --on-behalf-of-id-number go together",
            ),
            (
                [*VERIFY_ARGS, "--on-behalf-of-name", "李四", "--on-behalf-of-id-number", "1"],
                "--on-behalf-of-id-number is not valid (length)",
            ),
            (
                with_option("--treatment", "310000", with_option("--insured", "320509")),
                "--treatment: no filing is needed",
            ),
        ],
    )
    def test_bad_argument_exits_2_with_one_line(
        self, tmp_path: Path, args: list[str], message: str
    ) -> None:
        image = tmp_path / "page.jpg"
        image.write_bytes(jpeg_bytes())
        result = runner.invoke(app, [*args, str(image), "--json"])
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr.count("\n") == 1
        assert result.stderr.startswith("error: ")
        assert message in result.stderr

    def test_bad_date_is_a_usage_error(self, tmp_path: Path) -> None:
        image = tmp_path / "page.jpg"
        image.write_bytes(jpeg_bytes())
        result = runner.invoke(app, [*VERIFY_ARGS, "--filed-on", "2025-13-01", str(image)])
        assert result.exit_code == 2
        assert "--filed-on" in result.stderr

    def test_bad_file_exits_1_before_any_reading(self, tmp_path: Path) -> None:
        good, bad = tmp_path / "page.jpg", tmp_path / "locked.pdf"
        good.write_bytes(jpeg_bytes())
        bad.write_bytes(encrypted_pdf_bytes())
        result = runner.invoke(app, [*VERIFY_ARGS, str(good), str(bad), "--json"])
        assert result.exit_code == 1
        assert result.stdout == ""
        assert "locked.pdf: upload.encrypted_pdf" in result.stderr

    def test_broken_policy_dir_exits_1(self, tmp_path: Path) -> None:
        image = tmp_path / "page.jpg"
        image.write_bytes(jpeg_bytes())
        directory = broken_pack_dir(tmp_path, pack="national", edit={"version": ""})
        result = runner.invoke(app, [*VERIFY_ARGS, "--policy-dir", str(directory), str(image)])
        assert result.exit_code == 1
        assert "'national' is invalid" in result.stderr


@pytest.mark.usefixtures("data_dir")
class TestVerifyWithFakeReader:
    def test_prints_one_verdict_naming_the_files(
        self, tmp_path: Path, fake_reader: FakeReader
    ) -> None:
        image = tmp_path / "photo.jpg"
        image.write_bytes(jpeg_bytes())
        result = runner.invoke(
            app, [*VERIFY_ARGS, "--filed-on", "2025-03-10", str(image), "--json"]
        )
        assert result.exit_code == 0, result.output
        (verdict,) = json_lines(result.stdout)
        assert verdict["policy"] == "jiangsu-yangzhou"
        # An unknown page provides no material: the identity group is missing.
        assert verdict["decision"] == "needs_materials"
        assert verdict["missing"]
        assert fake_reader.calls == 1


APPLICANT_BIRTH = "1942-01-20"  # fake_id(1): born 1942-01-20, female


def _reading(kind: str, **fields: str) -> tuple[DocumentReading, ...]:
    return (
        DocumentReading(
            index=0,
            box=(0.0, 0.0, 1.0, 1.0),
            kind=DocumentKind(kind),
            kind_confidence=0.97,
            fields={k: Field(value=v, confidence=0.97) for k, v in fields.items()},
        ),
    )


ID_CARD = _reading(
    "id_card_front", name="张三", id_number=fake_id(1), sex="女", birth_date=APPLICANT_BIRTH
)
PERMIT = _reading(
    "residence_permit",
    name="张三",
    id_number=fake_id(1),
    address="上海市浦东新区世纪大道1号",
    issuer="上海市公安局浦东分局",
    valid_from="2025-01-01",
    valid_until="2026-01-01",
)
LETTER = _reading(
    "commitment_letter", name="张三", id_number=fake_id(1), signature="张三", date="2025-06-01"
)


def _photos(
    tmp_path: Path, reader: FakeReader, *readings: tuple[DocumentReading, ...]
) -> list[str]:
    """Write one photo per reading, each registered with the fake reader (distinct images)."""
    images = [document_image(seed=0), document_image(seed=3), document_image(seed=3)[:, ::-1]]
    paths = []
    for number, (image, documents) in enumerate(zip(images, readings, strict=False), start=1):
        path = tmp_path / f"photo{number}.jpg"
        path.write_bytes(jpeg_bytes(np.ascontiguousarray(image)))
        reader.register(np.ascontiguousarray(image), documents)
        paths.append(str(path))
    return paths


def _verdict(args: list[str]) -> dict[str, Any]:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    (verdict,) = json_lines(result.stdout)
    return verdict


def _blocking(verdict: dict[str, Any], outcome: str) -> set[str]:
    return {c["code"] for c in verdict["checks"] if c["blocking"] and c["outcome"] == outcome}


@pytest.mark.usefixtures("data_dir")
class TestVerifyThroughTheService:
    """``intake verify`` runs the service's use cases: what the API's filing would get."""

    ON_DAY = ("--filed-on", "2025-06-01")

    def test_a_clean_filing_is_approved_citing_the_files(
        self, tmp_path: Path, fake_reader: FakeReader
    ) -> None:
        files = _photos(tmp_path, fake_reader, ID_CARD, PERMIT)
        verdict = _verdict([*VERIFY_ARGS, *self.ON_DAY, *files])
        assert verdict["decision"] == "approve", _blocking(verdict, "fail")
        assert verdict["valid_until"] == "2026-01-01"
        cited = {e["document_id"] for c in verdict["checks"] for e in c["evidence"]}
        assert cited == {"photo1.jpg", "photo2.jpg"}

    def test_filed_on_judges_every_date_rule_as_of_that_day(
        self, tmp_path: Path, fake_reader: FakeReader
    ) -> None:
        files = _photos(tmp_path, fake_reader, ID_CARD, PERMIT)
        verdict = _verdict([*VERIFY_ARGS, "--filed-on", "2026-03-01", *files])
        assert "residence.permit_valid" in _blocking(verdict, "fail")
        assert verdict["decision"] == "review"

    def test_without_files_materials_are_asked_for(self, no_reader: None) -> None:
        verdict = _verdict([*VERIFY_ARGS, *self.ON_DAY])
        assert verdict["decision"] == "needs_materials"
        assert {m["group"] for m in verdict["missing"]} == {"identity", "residence_proof"}

    def test_the_evoucher_waives_the_identity_photo_where_the_pack_allows(
        self, tmp_path: Path, fake_reader: FakeReader
    ) -> None:
        (permit,) = _photos(tmp_path, fake_reader, PERMIT)
        national = with_option("--insured", "320102")
        without = _verdict([*national, *self.ON_DAY, permit])
        assert [m["group"] for m in without["missing"]] == ["identity"]
        waived = _verdict([*national, *self.ON_DAY, "--evoucher-verified", permit])
        assert waived["decision"] == "approve"

    @pytest.mark.parametrize(
        ("address", "decision"),
        [("上海市浦东新区世纪大道1号", "approve"), ("江苏省扬州市广陵区文昌中路1号", "review")],
    )
    def test_yangzhou_commitment_reads_the_contact_address(
        self, tmp_path: Path, fake_reader: FakeReader, address: str, decision: str
    ) -> None:
        files = _photos(tmp_path, fake_reader, ID_CARD, LETTER)
        args = [*VERIFY_ARGS, *self.ON_DAY, "--commitment", "--contact-address", address]
        verdict = _verdict([*args, *files])
        assert verdict["decision"] == decision
        refused = "commitment.contact_address" in _blocking(verdict, "fail")
        assert refused is (decision == "review")

    def test_filing_for_another_person_is_accepted(
        self, tmp_path: Path, fake_reader: FakeReader
    ) -> None:
        files = _photos(tmp_path, fake_reader, ID_CARD, PERMIT)
        proxy = ["--on-behalf-of-name", "李四", "--on-behalf-of-id-number", fake_id(2)]
        verdict = _verdict([*VERIFY_ARGS, *self.ON_DAY, *proxy, *files])
        assert verdict["decision"] == "approve"

    def test_a_page_with_nothing_found_goes_to_review(
        self, tmp_path: Path, fake_reader: FakeReader
    ) -> None:
        files = _photos(tmp_path, fake_reader, ID_CARD, PERMIT, ())
        verdict = _verdict([*VERIFY_ARGS, *self.ON_DAY, *files])
        assert verdict["decision"] == "review"
        (unread,) = [c for c in verdict["checks"] if c["code"] == "document.unreadable"]
        assert (unread["outcome"], unread["blocking"]) == ("unsure", True)
        assert unread["evidence"][0]["document_id"] == "photo3.jpg"


@pytest.mark.usefixtures("data_dir")
class TestRead:
    def test_bad_files_give_error_lines_and_exit_1(
        self, tmp_path: Path, fake_reader: FakeReader
    ) -> None:
        files = {
            "photo.jpg": jpeg_bytes(),
            "notes.txt": b"plain text, not a page",
            "locked.pdf": encrypted_pdf_bytes(),
            "broken.jpg": jpeg_bytes()[:200],
            "empty.png": b"",
        }
        for name, data in files.items():
            (tmp_path / name).write_bytes(data)
        paths = [str(tmp_path / name) for name in files]
        result = runner.invoke(app, ["read", *paths, str(tmp_path / "missing.jpg"), "--json"])
        assert result.exit_code == 1
        assert "Traceback" not in result.output
        records = json_lines(result.stdout)
        errors = {Path(r["file"]).name: r["error"]["code"] for r in records if "error" in r}
        assert errors == {
            "notes.txt": "upload.unsupported_type",
            "locked.pdf": "upload.encrypted_pdf",
            "broken.jpg": "upload.corrupt",
            "empty.png": "upload.empty",
            "missing.jpg": "file.unreadable",
        }
        (document,) = [r for r in records if "error" not in r]
        assert Path(document["file"]).name == "photo.jpg"
        assert set(document) == READ_RECORD_KEYS

    def test_only_bad_files_never_load_the_reader(self, tmp_path: Path, no_reader: None) -> None:
        bad = tmp_path / "notes.txt"
        bad.write_text("not a page", encoding="utf-8")
        result = runner.invoke(app, ["read", str(bad)])
        assert result.exit_code == 1
        assert "upload.unsupported_type" in result.stdout

    def test_table_without_json(self, tmp_path: Path, fake_reader: FakeReader) -> None:
        image = tmp_path / "photo.jpg"
        image.write_bytes(jpeg_bytes())
        result = runner.invoke(app, ["read", str(image)])
        assert result.exit_code == 0
        header, row = result.stdout.splitlines()
        assert header.split()[:4] == ["file", "page", "#", "kind"]
        assert "unknown" in row


class TestSamples:
    def test_writes_images_with_ground_truth(self, tmp_path: Path) -> None:
        out = tmp_path / "corpus"
        args = ["samples", str(out), "--count", "2", "--seed", "7", "--kind", "id_card_back"]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert sorted(p.name for p in out.iterdir()) == [
            "0001.jpg",
            "0001.json",
            "0002.jpg",
            "0002.json",
        ]
        truth = json.loads((out / "0001.json").read_text("utf-8"))
        assert truth["image"] == "0001.jpg"
        assert {d["kind"] for d in truth["documents"]} == {"id_card_back"}
        assert result.stdout == f"2 samples written to {out}\n"

    def test_rejects_an_unknown_kind(self, tmp_path: Path) -> None:
        result = runner.invoke(app, ["samples", str(tmp_path), "--kind", "passport"])
        assert result.exit_code == 2


@pytest.mark.usefixtures("data_dir")
class TestEval:
    def test_scores_every_page_of_a_corpus(self, tmp_path: Path, fake_reader: FakeReader) -> None:
        out = tmp_path / "corpus"
        runner.invoke(app, ["samples", str(out), "--count", "2", "--kind", "unknown"])
        result = runner.invoke(app, ["eval", str(out), "--json"])
        assert result.exit_code == 0, result.output
        (report,) = json_lines(result.stdout)
        assert report["pages"] == 2
        assert fake_reader.calls == 2
        # The fake reads every page as unknown, which is right for this corpus.
        assert report["unknown_recall"] == 1.0


class TestBench:
    def test_upload_without_a_server_exits_1_with_a_message(self) -> None:
        args = ["bench", "upload", "--url", "http://127.0.0.1:9", "--count", "1"]
        result = runner.invoke(app, [*args, "--width", "64", "--height", "64"])
        assert result.exit_code == 1
        assert result.stderr.startswith("error: http://127.0.0.1:9")
        assert "Traceback" not in result.output

    @pytest.mark.slow
    def test_read_compares_our_reader_with_the_bare_engine(self, tmp_path: Path) -> None:
        corpus = tmp_path / "corpus"
        runner.invoke(app, ["samples", str(corpus), "--count", "1", "--kind", "id_card_back"])
        result = runner.invoke(app, ["bench", "read", str(corpus), "--workers", "1"])
        assert result.exit_code == 0, result.output
        (report,) = json_lines(result.stdout)
        assert report["pages"] == 1
        assert set(report["runs"]) == {"1"}
        assert {"ours", "bare"} <= set(report["runs"]["1"])


class TestExpire:
    def test_expires_filings_past_their_validity(
        self, data_dir: Path, fake_reader: FakeReader
    ) -> None:
        settings = Settings()
        upgrade_database(settings.database_url_resolved)
        services = wiring.build_services(settings)
        lapsed = make_filing(status=FilingStatus.APPROVED, valid_until=date(2020, 1, 31))
        current = make_filing(status=FilingStatus.APPROVED, valid_until=date(2999, 1, 31))
        with services.uow_factory() as uow:
            uow.filings.add(lapsed)
            uow.filings.add(current)
            uow.commit()
        try:
            result = runner.invoke(app, ["expire"])
            assert result.exit_code == 0, result.output
            assert result.stdout.strip() == "1 filing(s) expired"
            with services.uow_factory() as uow:
                statuses = {f.id: f.status for f in uow.filings.list(limit=10)}
            assert statuses == {lapsed.id: FilingStatus.EXPIRED, current.id: FilingStatus.APPROVED}
        finally:
            services.close()


@pytest.mark.slow
@pytest.mark.usefixtures("data_dir")
class TestRealReader:
    def test_read_gives_one_line_per_document(self) -> None:
        path = EXAMPLES / "id_card_side_by_side.jpg"
        truth = json.loads(path.with_suffix(".json").read_text("utf-8"))
        result = runner.invoke(app, ["read", str(path), "--json"])
        assert result.exit_code == 0, result.output
        records = json_lines(result.stdout)
        assert sorted(r["kind"] for r in records) == sorted(d["kind"] for d in truth["documents"])
        assert [r["index"] for r in records] == list(range(len(records)))
        front = next(r for r in records if r["kind"] == "id_card_front")
        expected = next(d for d in truth["documents"] if d["kind"] == "id_card_front")
        assert front["fields"]["id_number"]["value"] == expected["fields"]["id_number"]

    def test_verify_decides_from_the_files(self) -> None:
        front, back = EXAMPLES / "id_card_front.jpg", EXAMPLES / "id_card_back.jpg"
        person = json.loads(front.with_suffix(".json").read_text("utf-8"))["documents"][0]
        applicant = with_option("--name", person["fields"]["name"])
        args = [
            *with_option("--id-number", person["fields"]["id_number"], applicant),
            "--filed-on",
            "2025-06-01",
            str(front),
            str(back),
            "--json",
        ]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        (verdict,) = json_lines(result.stdout)
        assert verdict["policy"] == "jiangsu-yangzhou"
        assert verdict["decision"] in {"approve", "needs_materials", "review"}
        assert {c["outcome"] for c in verdict["checks"]} <= {"pass", "fail", "unsure"}
        cited = {e["document_id"] for c in verdict["checks"] for e in c["evidence"]}
        assert cited <= {"id_card_front.jpg", "id_card_back.jpg"}
        assert "id_card_front.jpg" in cited
