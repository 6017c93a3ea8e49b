"""The recogniser's per-character alternatives, decoded from CTC output without the models."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from rapidocr.ch_ppocr_rec.utils import CTCLabelDecode

from ocr.engines.rapid import ctc_alternatives

# Index 0 is the CTC blank, as in RapidOCR's character list.
CHARACTERS = ["blank", "王", "建", "国", "图", "固", "玉", "主", " "]


def _steps(*rows: dict[str, float]) -> npt.NDArray[np.float32]:
    """One time step per row: the given probabilities, the rest of the mass on blank."""
    probs = np.zeros((len(rows), len(CHARACTERS)), dtype=np.float32)
    for t, row in enumerate(rows):
        for char, prob in row.items():
            probs[t, CHARACTERS.index(char)] = prob
        probs[t, 0] += 1.0 - probs[t].sum()
    return probs


class TestCtcAlternatives:
    def test_one_tuple_per_emitted_character_repeats_merged_and_blanks_dropped(self) -> None:
        probs = _steps(
            {"王": 0.97},
            {"王": 0.9},
            {},
            {"建": 0.99},
            {},
            {"图": 0.6, "国": 0.3, "固": 0.08},
        )

        found = ctc_alternatives(probs, CHARACTERS)

        assert [choices[0][0] for choices in found] == ["王", "建", "图"]
        assert found[2] == (("图", 0.6), ("国", 0.3), ("固", 0.08))

    def test_the_same_character_twice_with_a_blank_between_is_emitted_twice(self) -> None:
        probs = _steps({"王": 0.9}, {}, {"王": 0.8})

        assert [c[0][0] for c in ctc_alternatives(probs, CHARACTERS)] == ["王", "王"]

    def test_keeps_at_most_three_and_only_those_at_least_five_percent_likely(self) -> None:
        probs = _steps({"图": 0.4, "国": 0.3, "固": 0.15, "玉": 0.1, "主": 0.049})

        (choices,) = ctc_alternatives(probs, CHARACTERS)

        assert choices == (("图", 0.4), ("国", 0.3), ("固", 0.15))
        (few,) = ctc_alternatives(_steps({"图": 0.9, "国": 0.049}), CHARACTERS)
        assert few == (("图", 0.9),)

    def test_blank_is_never_an_alternative(self) -> None:
        # Blank is the runner-up at the step where 国 is emitted.
        (choices,) = ctc_alternatives(_steps({"国": 0.55, "图": 0.06}), CHARACTERS)

        assert [char for char, _ in choices] == ["国", "图"]

    def test_nothing_emitted_gives_nothing(self) -> None:
        assert ctc_alternatives(_steps({}, {}), CHARACTERS) == ()

    @pytest.mark.parametrize("seed", range(5))
    def test_emits_what_rapidocrs_decoder_emits(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        logits = rng.normal(size=(1, 40, len(CHARACTERS))) * 3
        logits[:, :, 0] += 2  # blank-heavy, as real output is
        probs = (np.exp(logits) / np.exp(logits).sum(axis=2, keepdims=True)).astype(np.float32)
        decoder = CTCLabelDecode(character=CHARACTERS[1:-1])

        ((text, _score),), _ = decoder(probs)
        found = ctc_alternatives(probs[0], decoder.character, min_probability=0.0)

        assert "".join(choices[0][0] for choices in found) == text
        assert all(len(choices) == 3 for choices in found)

    def test_best_classes_given_by_the_caller_give_the_same(self) -> None:
        probs = _steps({"王": 0.97}, {}, {"图": 0.6, "国": 0.3}, {"图": 0.7})

        given = ctc_alternatives(probs, CHARACTERS, best=probs.argmax(axis=1))

        assert given == ctc_alternatives(probs, CHARACTERS)
        assert len(given) == 2
