"""Start-date rules: how far before the filing day a filing may start.

Only emergencies may be filed afterwards, within the pack's retroactive window
(10 days of admission; the start date is the admission day or earlier).
Every other type starts on the filing day or later.
"""

from __future__ import annotations

from datetime import timedelta

from verifiers.codes import CheckCode
from verifiers.domain import CheckResult, Outcome
from verifiers.evidence import CheckContext

__all__ = ["check_start_date", "retroactive_window"]


def retroactive_window(ctx: CheckContext) -> timedelta:
    """Return how far before the filing day the start date may lie for this filing's type."""
    rules = ctx.pack.rules_for(ctx.facts.filing_type)
    return timedelta(days=rules.retroactive_days if rules else 0)


def check_start_date(ctx: CheckContext) -> CheckResult:
    """Check the start date against the filing day and the retroactive window.

    Args:
        ctx: The check context (``filed_on`` and ``start_date`` of the facts).

    Returns:
        ``pass`` when the start lies in the window, ``fail`` otherwise.
    """
    facts = ctx.facts
    window = retroactive_window(ctx)
    earliest = facts.filed_on - window
    if facts.start_date >= earliest:
        return ctx.result(CheckCode.START_DATE, Outcome.PASS, "备案开始日期符合规定")
    if window.days:
        message = f"补办备案须在开始日期后{window.days}日内办理，已超过期限"
    else:
        message = "备案开始日期不得早于办理日期"
    return ctx.result(CheckCode.START_DATE, Outcome.FAIL, message)
