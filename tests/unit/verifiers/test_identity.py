from __future__ import annotations

import pytest

from verifiers.domain import Outcome
from verifiers.identity import compare_names


class TestCompareNames:
    @pytest.mark.parametrize(
        ("expected", "read", "outcome"),
        [
            ("王建国", "王建国", Outcome.PASS),
            ("王建国", " 王 建国 ", Outcome.PASS),
            ("买买提·艾力", "买买提•艾力", Outcome.PASS),
            ("王建国", "王建", Outcome.UNSURE),  # a dropped character
            ("王建国", "建国", Outcome.UNSURE),  # dropped surname: still only a misreading
            ("王建国", "王健国", Outcome.UNSURE),  # one given-name character off
            ("王建国", "", Outcome.UNSURE),
            ("王建国", "李建国", Outcome.FAIL),  # a different surname
            ("王建国", "王志红", Outcome.FAIL),  # two characters differ
            ("王伟", "王芳", Outcome.FAIL),  # a two-character name with another given name
            ("王伟", "李伟", Outcome.FAIL),
            ("王建国", "王建国华", Outcome.FAIL),
        ],
    )
    def test_outcomes(self, expected: str, read: str, outcome: Outcome) -> None:
        assert compare_names(expected, read) is outcome

    def test_nothing_but_an_exact_match_passes(self) -> None:
        name = "欧阳明华"
        for i in range(len(name)):
            for replacement in "张明":
                variant = name[:i] + replacement + name[i + 1 :]
                if variant != name:
                    assert compare_names(name, variant) is not Outcome.PASS
