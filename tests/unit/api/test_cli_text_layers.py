"""``intake verify`` and ``intake read`` on PDFs whose text layer is not what their pages show.

The reader is the real one over a canned engine that sees nothing: the pages
are blank, and only an invisible text layer spells the documents.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api import wiring
from api.cli import app
from api.commands import reading, verification
from api.settings import Settings
from intake.ports import PageReader
from ocr.reader import Reader
from tests.factories import fake_id, json_lines
from tests.pdfs import PdfPage, PdfText, build_pdf
from tests.unit.ocr.fake_engine import FakeOcrEngine

runner = CliRunner()
APPLICANT = "张三"
ID_NUMBER = fake_id(1)
BIRTH = f"{ID_NUMBER[6:10]}年{int(ID_NUMBER[10:12])}月{int(ID_NUMBER[12:14])}日"
SEX = "男" if int(ID_NUMBER[16]) % 2 else "女"


def _invisible_page(rows: list[str]) -> PdfPage:
    return PdfPage(
        texts=[PdfText(text=row, x=60, y=80 + 30 * i, mode=3) for i, row in enumerate(rows)]
    )


ID_CARD = [
    f"姓名 {APPLICANT}",
    f"性别 {SEX} 民族 汉",
    f"出生 {BIRTH}",
    "住址 江苏省扬州市广陵区文昌中路1号",
    f"公民身份号码 {ID_NUMBER}",
]
PERMIT = [
    "上海市居住证",
    f"姓名 {APPLICANT}",
    f"公民身份号码 {ID_NUMBER}",
    "居住地址 上海市浦东新区世纪大道1号",
    "签发机关 上海市公安局浦东分局",
    "有效期限 2025.01.01-2028.01.01",
]


@pytest.fixture
def blind_reader(monkeypatch: pytest.MonkeyPatch) -> Reader:
    reader = Reader(FakeOcrEngine([]))

    def build(settings: Settings) -> PageReader:
        return reader

    for module in (reading, verification, wiring):
        monkeypatch.setattr(module, "build_reader", build)
    return reader


@pytest.fixture
def forged(tmp_path: Path) -> list[Path]:
    paths = []
    for name, rows in (("id_card.pdf", ID_CARD), ("permit.pdf", PERMIT)):
        path = tmp_path / name
        path.write_bytes(build_pdf([_invisible_page(rows)]))
        paths.append(path)
    return paths


@pytest.mark.usefixtures("data_dir", "blind_reader")
class TestInvisibleLayersOverBlankPages:
    def test_verify_does_not_approve_and_reports_the_layer(self, forged: list[Path]) -> None:
        args = [
            "verify",
            "--type",
            "long_term_resident",
            "--insured",
            "321000",
            "--treatment",
            "310000",
            "--name",
            APPLICANT,
            "--id-number",
            ID_NUMBER,
            "--filed-on",
            "2025-06-01",
            *map(str, forged),
            "--json",
        ]

        result = runner.invoke(app, args)

        assert result.exit_code == 0, result.output
        (verdict,) = json_lines(result.stdout)
        assert verdict["decision"] == "review"
        assert verdict["valid_until"] is None
        layers = [c for c in verdict["checks"] if c["code"] == "document.text_layer"]
        assert len(layers) == 2
        assert {(c["outcome"], c["blocking"]) for c in layers} == {("unsure", True)}
        assert all(c["message"].startswith("PDF文字层与页面图像不一致") for c in layers)

    def test_read_finds_nothing_and_the_blank_page_is_not_quality_ok(
        self, forged: list[Path]
    ) -> None:
        result = runner.invoke(app, ["read", str(forged[0]), "--json"])

        assert result.exit_code == 0, result.output
        records = json_lines(result.stdout)
        assert [r["kind"] for r in records] == ["unknown"]
        assert records[0]["fields"] == {}
        assert records[0]["quality"]["ok"] is False
