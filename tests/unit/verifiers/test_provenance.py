"""Text layers that disagree with their pixels, and born-digital pages of paper kinds."""

from __future__ import annotations

import dataclasses
from datetime import date

from ocr.domain import DocumentKind, LayerLine, LayerMismatch, PageSource, TextLayerFinding
from tests.unit.verifiers.test_verify import BOOK, _facts, _hukou, _id_card, _permit
from verifiers import Decision, Evidence, Verdict, verify_filing
from verifiers.codes import CheckCode

AGREES = TextLayerFinding(characters=40, agreement=1.0)
FORGED = TextLayerFinding(
    characters=20,
    agreement=0.0,
    disagreements=(
        LayerLine(
            text="有效期限 2025.01.01-2028.01.01",
            box=(0.1, 0.5, 0.8, 0.54),
            mismatch=LayerMismatch.INVISIBLE,
        ),
    ),
)


def _from_pdf(
    item: Evidence, *, source: PageSource, finding: TextLayerFinding | None = None
) -> Evidence:
    return dataclasses.replace(item, source=source, text_layer=finding)


def _checks(verdict: Verdict, code: CheckCode) -> list[tuple[str, bool]]:
    return [(c.outcome.value, c.blocking) for c in verdict.checks if c.code == code.value]


class TestTextLayer:
    def test_a_scan_whose_layer_agrees_is_approved_with_a_passing_check(self) -> None:
        scanned = _from_pdf(_permit(), source=PageSource.RASTER, finding=AGREES)

        verdict = verify_filing(_facts(), [_id_card(), scanned], book_or_pack=BOOK)

        assert verdict.decision is Decision.APPROVE
        assert _checks(verdict, CheckCode.TEXT_LAYER) == [("pass", True)]

    def test_a_layer_the_pixels_do_not_show_goes_to_a_person(self) -> None:
        scanned = _from_pdf(_permit(), source=PageSource.RASTER, finding=FORGED)

        verdict = verify_filing(_facts(), [_id_card(), scanned], book_or_pack=BOOK)

        assert verdict.decision is Decision.REVIEW
        (check,) = [c for c in verdict.checks if c.code == CheckCode.TEXT_LAYER.value]
        assert (check.outcome.value, check.blocking) == ("unsure", True)
        assert check.message.startswith("PDF文字层与页面图像不一致，请人工核对")
        assert "2028.01.01" in check.message
        # The validity a reviewer would grant follows the pixels, not the layer.
        assert verdict.valid_until == date(2026, 1, 1)

    def test_a_forged_layer_goes_to_a_person_even_with_materials_missing(self) -> None:
        blank = dataclasses.replace(
            _id_card(),
            reading=dataclasses.replace(_id_card().reading, kind=DocumentKind.UNKNOWN, fields={}),
        )
        page = _from_pdf(blank, source=PageSource.BORN_DIGITAL, finding=FORGED)

        verdict = verify_filing(_facts(), [page], book_or_pack=BOOK)

        assert verdict.decision is Decision.REVIEW
        assert verdict.missing
        assert _checks(verdict, CheckCode.TEXT_LAYER) == [("unsure", True)]

    def test_one_check_per_page_though_it_holds_two_documents(self) -> None:
        first = _from_pdf(_id_card(), source=PageSource.RASTER, finding=FORGED)
        second = dataclasses.replace(
            first, reading=dataclasses.replace(first.reading, index=1, kind=DocumentKind.UNKNOWN)
        )

        verdict = verify_filing(_facts(), [first, second, _permit()], book_or_pack=BOOK)

        assert _checks(verdict, CheckCode.TEXT_LAYER) == [("unsure", True)]


class TestBornDigital:
    def test_a_born_digital_permit_is_not_evidence_for_approval(self) -> None:
        drawn = _from_pdf(_permit(), source=PageSource.BORN_DIGITAL, finding=AGREES)

        verdict = verify_filing(_facts(), [_id_card(), drawn], book_or_pack=BOOK)

        assert verdict.decision is Decision.REVIEW
        assert _checks(verdict, CheckCode.BORN_DIGITAL) == [("unsure", True)]
        assert _checks(verdict, CheckCode.TEXT_LAYER) == [("pass", True)]

    def test_a_scan_of_the_same_permit_is_approved(self) -> None:
        scanned = _from_pdf(_permit(), source=PageSource.RASTER)

        verdict = verify_filing(_facts(), [_id_card(), scanned], book_or_pack=BOOK)

        assert verdict.decision is Decision.APPROVE
        assert _checks(verdict, CheckCode.BORN_DIGITAL) == []

    def test_the_list_of_paper_kinds_is_the_packs(self) -> None:
        pack = BOOK.for_region("321002")
        relaxed = pack.model_copy(
            update={
                "provenance": pack.provenance.model_copy(
                    update={"paper_kinds": (DocumentKind.ID_CARD_FRONT,)}
                )
            }
        )
        drawn = _from_pdf(_permit(), source=PageSource.BORN_DIGITAL)

        verdict = verify_filing(_facts(), [_id_card(), drawn], book_or_pack=relaxed)

        assert verdict.decision is Decision.APPROVE
        assert set(pack.provenance.paper_kinds) == set(DocumentKind) - {DocumentKind.UNKNOWN}

    def test_a_born_digital_option_not_chosen_does_not_block(self) -> None:
        drawn = _from_pdf(_permit(), source=PageSource.BORN_DIGITAL)

        verdict = verify_filing(_facts(), [_id_card(), drawn, *_hukou()], book_or_pack=BOOK)

        assert verdict.decision is Decision.APPROVE
        assert _checks(verdict, CheckCode.BORN_DIGITAL) == [("unsure", False)]
