"""``intake samples``, ``eval`` and ``read`` as a newcomer meets them: clear refusals,
fonts wherever fontconfig finds them, JSON ``null``, an aligned table, ``python -m api.cli``."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from api.cli import app
from api.commands import reading
from ocr.domain import PageReading, PdfPageLayer, Quality, QualityProblem
from samples.fonts import find_face, installed_cjk_faces
from tests.factories import document_image, fake_id, jpeg_bytes, json_lines
from tests.fakes import FakeReader

REPO = Path(__file__).resolve().parents[3]

runner = CliRunner()


def strings_in(value: Any) -> Iterator[str]:
    """Every string anywhere in a JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def write_samples(out: Path, *extra: str, count: int = 2) -> Any:
    return runner.invoke(
        app, ["samples", str(out), "--count", str(count), "--kind", "id_card_back", *extra]
    )


class TestSamplesFolder:
    def test_refuses_a_folder_that_holds_files(self, tmp_path: Path) -> None:
        out = tmp_path / "corpus"
        out.mkdir()
        (out / "notes.txt").write_text("mine", encoding="utf-8")
        result = write_samples(out)
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr.count("\n") == 1
        assert result.stderr.startswith(f"error: {out} is not empty")
        assert "--force" in result.stderr
        assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]

    def test_a_second_set_replaces_the_first_with_force(self, tmp_path: Path) -> None:
        out = tmp_path / "corpus"
        assert write_samples(out, "--seed", "1", count=2).exit_code == 0
        (out / "notes.txt").write_text("mine", encoding="utf-8")
        refused = write_samples(out, "--seed", "2", count=1)
        assert refused.exit_code == 2
        result = write_samples(out, "--seed", "2", "--force", count=1)
        assert result.exit_code == 0, result.output
        # The first set's second photo is gone: one folder, one set.
        assert sorted(p.name for p in out.iterdir()) == ["0001.jpg", "0001.json", "notes.txt"]
        seeds = {json.loads(p.read_text("utf-8"))["seed"] for p in out.glob("*.json")}
        assert seeds == {2}

    def test_refuses_a_file_for_a_folder(self, tmp_path: Path) -> None:
        out = tmp_path / "corpus"
        out.write_text("", encoding="utf-8")
        result = write_samples(out, "--force")
        assert result.exit_code == 2
        assert "is a file, not a folder" in result.stderr


@pytest.mark.usefixtures("fresh_fonts")
class TestSamplesFonts:
    def test_without_a_chinese_font_one_line_names_the_packages(self, tmp_path: Path) -> None:
        empty = tmp_path / "no-fonts"
        empty.mkdir()
        config = tmp_path / "fonts.conf"
        config.write_text(
            f"<fontconfig><dir>{empty}</dir><cachedir>{tmp_path}</cachedir></fontconfig>\n",
            encoding="utf-8",
        )
        out = tmp_path / "corpus"
        result = runner.invoke(
            app, ["samples", str(out), "--count", "1"], env={"FONTCONFIG_FILE": str(config)}
        )
        assert result.exit_code == 1
        assert result.stdout == ""
        assert "Traceback" not in result.output
        assert result.stderr.count("\n") == 1
        assert result.stderr.startswith("error: fontconfig found no Chinese font")
        assert "apt-get install fonts-noto-cjk fonts-wqy-zenhei fonts-arphic-ukai" in result.stderr
        assert not out.exists()

    def test_works_with_a_chinese_font_outside_the_debian_folders(self, tmp_path: Path) -> None:
        # One face of the machine's own, linked into a folder no fixed path names.
        system = installed_cjk_faces()
        installed_cjk_faces.cache_clear()
        fonts = tmp_path / "elsewhere"
        fonts.mkdir()
        (fonts / "only.ttc").symlink_to(system[0].path)
        config = tmp_path / "fonts.conf"
        config.write_text(
            f"<fontconfig><dir>{fonts}</dir><cachedir>{tmp_path}</cachedir></fontconfig>\n",
            encoding="utf-8",
        )
        out = tmp_path / "corpus"
        result = runner.invoke(
            app,
            ["samples", str(out), "--count", "1", "--kind", "referral_form"],
            env={"FONTCONFIG_FILE": str(config)},
        )
        assert result.exit_code == 0, result.output
        assert find_face("kai").path == fonts / "only.ttc"
        assert len(list(out.glob("*.jpg"))) == 1


@pytest.mark.usefixtures("data_dir")
class TestEvalWithoutGroundTruth:
    def test_a_folder_of_plain_photos_is_an_error(
        self, tmp_path: Path, fake_reader: FakeReader
    ) -> None:
        photos = tmp_path / "photos"
        photos.mkdir()
        (photos / "photo.jpg").write_bytes(jpeg_bytes())
        (photos / "settings.json").write_text('{"not": "ground truth"}', encoding="utf-8")
        result = runner.invoke(app, ["eval", str(photos), "--json"])
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr.count("\n") == 1
        assert result.stderr.startswith(f"error: {photos} holds no ground truth")
        assert fake_reader.calls == 0

    def test_bench_read_refuses_it_too(self, tmp_path: Path) -> None:
        result = runner.invoke(app, ["bench", "read", str(tmp_path)])
        assert result.exit_code == 2
        assert "holds no ground truth" in result.stderr
        assert "Traceback" not in result.output


@pytest.mark.usefixtures("data_dir")
class TestJsonNull:
    def test_eval_writes_an_unread_field_as_null(
        self, tmp_path: Path, fake_reader: FakeReader
    ) -> None:
        out = tmp_path / "corpus"
        assert write_samples(out, count=1).exit_code == 0
        result = runner.invoke(app, ["eval", str(out), "--json"])
        assert result.exit_code == 0, result.output
        (report,) = json_lines(result.stdout)
        # The fake reads every page as unknown: no field of the ID cards is read.
        assert report["field_misses"]
        assert all(miss["read"] is None for miss in report["field_misses"])
        assert "None" not in set(strings_in(report))

    def test_no_command_prints_none_as_a_string(
        self, tmp_path: Path, fake_reader: FakeReader
    ) -> None:
        image = tmp_path / "photo.jpg"
        image.write_bytes(jpeg_bytes())
        verify = ["verify", "--type", "long_term_resident", "--insured", "321000"]
        commands = [
            ["read", str(image), str(tmp_path / "missing.jpg"), "--json"],
            [*verify, "--treatment", "310000", "--name", "张三", "--id-number", fake_id(1)],
            ["policy", "show", "321000", "--json"],
        ]
        commands[1] += [str(image), "--json"]
        for args in commands:
            result = runner.invoke(app, args)
            assert result.stdout.strip(), (args, result.output)
            for record in json_lines(result.stdout):
                assert "None" not in set(strings_in(record)), args


class _TroubledReader(FakeReader):
    """Reads like the fake, with the quality problems a bad photo has."""

    def read_page(
        self,
        image: np.ndarray[Any, np.dtype[np.uint8]],
        *,
        page: int = 1,
        text_layer: PdfPageLayer | None = None,
        quality: Quality | None = None,
    ) -> PageReading:
        codes = ("document_too_small", "blurry", "glare", "too_dark")
        problems = tuple(QualityProblem(code=code, message=code) for code in codes)
        return super().read_page(image, page=page, quality=Quality(problems=problems))


@pytest.mark.usefixtures("data_dir")
class TestReadTable:
    def test_columns_line_up_around_chinese_file_names(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_reader: FakeReader
    ) -> None:
        names = ["身份证正面.jpg", "a-page-with-a-rather-long-file-name.jpg", "户口本.jpg"]
        for seed, name in enumerate(names):
            (tmp_path / name).write_bytes(jpeg_bytes(document_image(seed=seed)))
        (tmp_path / "说明.txt").write_text("not a page", encoding="utf-8")
        troubled = _TroubledReader()
        monkeypatch.setattr(reading, "build_reader", lambda settings: troubled)
        files = [str(tmp_path / name) for name in [*names, "说明.txt"]]
        result = runner.invoke(app, ["read", *files])
        assert result.exit_code == 1  # the text file
        header, *rows = result.stdout.splitlines()
        assert len(rows) == 4

        def column(line: str, text: str) -> int:
            return cell_len(line[: line.index(text)])

        for title, value in (("page", " 1 "), ("kind", "unknown"), ("quality", "document")):
            starts = {column(row, value) for row in rows if "error" not in row}
            assert len(starts) == 1, (title, rows)
        # Right-aligned page numbers end under the header's "page"; the others start under theirs.
        assert column(rows[0], " 1 ") + 2 == column(header, "page") + len("page")
        assert column(rows[0], "unknown") == column(header, "kind")
        assert column(rows[0], "document") == column(header, "quality")
        assert column(rows[0], "document_too_small") + 22 == column(header, "fields")
        # Four problems do not fit one column: those that fit, then how many more.
        assert "document_too_small +3" in rows[0]
        error_row = rows[3]
        assert column(error_row, "error") == column(header, "page")


class TestModuleEntry:
    def test_python_m_api_cli_runs_the_commands(self) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "api.cli", "policy", "show", "350200", "--json"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["id"] == "fujian-xiamen"
