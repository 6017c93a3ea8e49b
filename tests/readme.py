"""The parts of README.md that tests run or compare: text between ``<!-- name:start/end -->``."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_section(name: str) -> str:
    """The README text between ``<!-- name:start -->`` and ``<!-- name:end -->``."""
    readme = README.read_text(encoding="utf-8")
    return readme.split(f"<!-- {name}:start -->")[1].split(f"<!-- {name}:end -->")[0]


def readme_code(name: str, language: str) -> str:
    """The first ``language`` code block of the README section ``name``."""
    found = re.search(rf"```{language}\n(.*?)```", readme_section(name), re.DOTALL)
    assert found is not None, f"the README section {name} has no {language} block"
    return found.group(1)
