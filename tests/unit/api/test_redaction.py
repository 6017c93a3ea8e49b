"""ID numbers are masked in logs and in responses to those who may not see them."""

from __future__ import annotations

import logging
import random

import pytest
import structlog

from api.logs import configure_logging
from api.redaction import for_viewer, redact
from api.schemas import EvidenceOut
from intake.domain import Principal, Role
from intake.identity import fake_id_number, mask_id_numbers_in

NUMBER = "32100219900307001X"


def test_numbers_inside_text_are_masked_and_other_digits_kept() -> None:
    assert mask_id_numbers_in(f"号码{NUMBER}不符") == "号码3210**********001X不符"
    assert mask_id_numbers_in(f"id={NUMBER.lower()}") == "id=3210**********001x"
    sha = "a" * 10 + "3210021990030700" + "1" * 20
    assert mask_id_numbers_in(sha) == sha  # part of a longer token
    assert mask_id_numbers_in("13800138000") == "13800138000"
    assert mask_id_numbers_in("1234567890123456789") == "1234567890123456789"


def test_redact_walks_nested_values() -> None:
    value = {"a": [NUMBER, {"b": f"x {NUMBER}"}], "n": 3, "none": None}
    assert redact(value) == {
        "a": ["3210**********001X", {"b": "x 3210**********001X"}],
        "n": 3,
        "none": None,
    }


@pytest.mark.parametrize(
    ("role", "masked"), [(Role.APP, False), (Role.REVIEWER, False), (Role.ADMIN, True)]
)
def test_responses_are_masked_for_everyone_but_apps_and_reviewers(role: Role, masked: bool) -> None:
    evidence = EvidenceOut(document_id="d", page=1, kind="id_card", field="id_number", value=NUMBER)
    shown = for_viewer(Principal(role=role, key_id="k"), evidence)
    assert (shown.value != NUMBER) is masked


def test_log_events_and_library_records_never_carry_a_full_number(
    capsys: pytest.CaptureFixture[str], structlog_defaults: None
) -> None:
    configure_logging(level="INFO", log_format="json")
    number = fake_id_number(random.Random(3))
    structlog.get_logger("t").info("filing.created", applicant=number, note=f"for {number}")
    logging.getLogger("intake.tests.library").info('"GET /x?id=%s HTTP/1.1" 200', number)
    err = capsys.readouterr().err
    assert number not in err
    assert err.count(number[:4] + "**********" + number[-4:]) == 3
