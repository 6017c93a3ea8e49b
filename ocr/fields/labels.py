"""Label-and-value lookup by line geometry, and reading order."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from ocr.fields.values import find_dates
from ocr.layout import PageLine, PixelBox, compact

__all__ = [
    "KNOWN_LABELS",
    "LabelHit",
    "find_value",
    "following_lines",
    "reading_order",
    "value_cell",
]

KNOWN_LABELS: Final = (
    "公民身份号码",
    "社会保障号码",
    "社会保障卡号",
    "户主或与户主关系",
    "户主姓名",
    "签发机关",
    "有效期限",
    "居住地址",
    "发卡日期",
    "出生日期",
    "出生地",
    "姓名",
    "性别",
    "民族",
    "出生",
    "住址",
    "户号",
    "户别",
    "籍贯",
    "签发日期",
    "登记日期",
    "权利人",
    "坐落",
    "工作地点",
    "合同期限",
    "身份证号码",
    "身份证号",
    "转入医院",
    "转出医院",
    "诊断",
    "承诺人",
    "日期",
    "宗教信仰",
    "文化程度",
    "婚姻状况",
    "服务处所",
    "职业",
    "兵役状况",
    "身高",
    "血型",
    "共有情况",
    "权利类型",
    "用途",
    "面积",
    "不动产单元号",
    "签注",
    # Labels that stand where a value is written; never a value themselves.
    "签字",
    "签名",
    "签章",
    "盖章",
    "曾用名",
    "何时由何地迁来本市",
    "何时由何地迁来本址",
    "本市(县)其他住址",
    "承办人签章",
    "户口登记机关",
    "登记机构",
)


# A value's box may start this many label heights before the label's box ends
# (a trailing colon's padding; boxes of a turned page read back).
_BESIDE_OVERLAP: Final = 1.0

# A line with this many digits is an ID or card number, not the rest of an address.
_MAX_CONTINUATION_DIGITS: Final = 12


@dataclass(frozen=True, slots=True, kw_only=True)
class LabelHit:
    """A value found for a label: its text, the line it came from."""

    text: str
    line: PageLine


def _cut_at_next_label(text: str, label: str) -> str:
    end = len(text)
    for other in KNOWN_LABELS:
        if other == label or other in label:
            continue
        at = text.find(other)
        if 0 <= at < end:
            end = at
    return text[:end].strip(":;；，,。 ")


def _unit(lines: Sequence[PageLine]) -> float:
    return statistics.median(max(line.height, 1.0) for line in lines) if lines else 1.0


def find_value(
    lines: Sequence[PageLine], labels: Iterable[str], *, below: bool = True
) -> LabelHit | None:
    """Find the value of the first of ``labels`` present, on its row or just below.

    Args:
        lines: The document's lines (upright geometry).
        labels: Label spellings, most specific first.
        below: Also take a value from the line just below a label read alone
            (off where the next line down is something else, as under a
            signature line).

    Returns:
        The value's text and line, or ``None`` when no label (or no value) is found.
    """
    ordered = reading_order(lines)
    for label in labels:
        for line in ordered:
            text = compact(line.text)
            at = text.find(label)
            if at < 0 or at > 3:
                continue
            rest = _cut_at_next_label(text[at + len(label) :], label)
            if rest:
                return LabelHit(text=rest, line=line)
            neighbour = _beside(line, ordered) or (_below(line, ordered) if below else None)
            if neighbour is not None and not _is_label(compact(neighbour.text)):
                value = _cut_at_next_label(compact(neighbour.text), label)
                if value:
                    return LabelHit(text=value, line=neighbour)
    return None


def value_cell(lines: Sequence[PageLine], labels: Iterable[str]) -> PixelBox | None:
    """Where a label's value should be, to read it again.

    The label stands alone on its line. When the next line on its row is
    another label, or there is none, the value's line was missed by the
    detector: the box runs from the label's right edge to that next label
    (or ten label heights on). Otherwise the value was read, in one piece or
    several, but wrongly (an ID number failing its check): the box covers it
    up to the next label on the row, or a little past its end. Either box is
    a little taller than the label and the value.

    Args:
        lines: The document's lines (upright geometry).
        labels: Label spellings, most specific first.

    Returns:
        The cell's pixel box, or ``None``.
    """
    ordered = reading_order(lines)
    for label in labels:
        for line in ordered:
            text = compact(line.text)
            at = text.find(label)
            if at < 0 or at > 3 or _cut_at_next_label(text[at + len(label) :], label):
                continue
            unit = line.height or 1.0
            row = sorted(
                (other for other in lines if other is not line and _level_right_of(other, line)),
                key=lambda other: other.box[0],
            )
            top, bottom = line.box[1], line.box[3]
            stop = next((o.box[0] for o in row if _is_label(compact(o.text))), math.inf)
            # A value read wrongly, in one piece or several, runs up to the next label.
            pieces = [o for o in row if o.box[0] < stop and o.box[0] - line.box[2] <= unit * 12]
            if pieces:
                top = min([top, *(o.box[1] for o in pieces)])
                bottom = max([bottom, *(o.box[3] for o in pieces)])
                end = min(stop, max(o.box[2] for o in pieces) + unit * 2)
            elif row and row[0].box[0] == stop:
                end = stop  # the value's line was missed: the cell runs to the next label
            else:
                end = min(row[0].box[0] if row else math.inf, line.box[2] + unit * 10)
            x0, x1 = line.box[2] + unit * 0.2, end - unit * 0.2
            if x1 - x0 >= unit * 1.5:
                return (x0, top - unit * 0.35, x1, bottom + unit * 0.35)
    return None


def _level_right_of(other: PageLine, label: PageLine) -> bool:
    unit = label.height or 1.0
    overlap = min(other.box[3], label.box[3]) - max(other.box[1], label.box[1])
    return other.box[0] >= label.box[2] - unit * _BESIDE_OVERLAP and overlap >= 0.2 * min(
        other.height, label.height
    )


def _is_label(text: str) -> bool:
    """A cell holding another label: the value beside it was not read."""
    return any(text.startswith(label) for label in KNOWN_LABELS if len(label) >= 2) and len(
        text
    ) <= max(len(label) for label in KNOWN_LABELS)


def _beside(label: PageLine, lines: Sequence[PageLine]) -> PageLine | None:
    unit = label.height or 1.0
    candidates = []
    for line in lines:
        if line is label or not _level_right_of(line, label):
            continue
        if line.box[0] - label.box[2] > unit * 12:
            continue
        candidates.append(line)
    if not candidates:
        return None
    # The nearest column to the right (lines starting under the nearest one's span);
    # within it, the first line level with the label (a value wrapped in a tall cell
    # starts there; continuations follow below).
    nearest = min(candidates, key=lambda line: line.box[0])
    column = [
        line for line in candidates if line.box[0] < min(nearest.box[2], nearest.box[0] + unit * 2)
    ]
    return min(column, key=lambda line: line.box[1])


def _below(label: PageLine, lines: Sequence[PageLine]) -> PageLine | None:
    unit = label.height or 1.0
    best: PageLine | None = None
    for line in lines:
        if line is label or line.box[1] < label.box[3] - unit * 0.3:
            continue
        if line.box[1] - label.box[3] > unit * 1.6:
            continue
        if line.box[2] < label.box[0] or line.box[0] > label.box[2] + unit * 2:
            continue
        if best is None or line.box[1] < best.box[1]:
            best = line
    return best


def following_lines(
    first: PageLine, lines: Sequence[PageLine], *, limit: int = 3
) -> list[PageLine]:
    """Continuation lines under ``first``: left-aligned with it and close below."""
    unit = first.height or 1.0
    found: list[PageLine] = []
    current = first
    for line in reading_order(lines):
        if len(found) >= limit:
            break
        if line.box[1] <= current.box[1] + unit * 0.5:
            continue
        # Continuations align with the value, which may follow the label in the same box.
        if not first.box[0] - unit * 1.2 <= line.box[0] <= first.box[0] + unit * 6:
            continue
        if line.box[1] - current.box[3] > unit * 0.9:
            break
        text = compact(line.text)
        if any(text.startswith(label) for label in KNOWN_LABELS):
            break
        if sum(c.isdigit() for c in text) >= _MAX_CONTINUATION_DIGITS or find_dates(text):
            break
        found.append(line)
        current = line
    return found


def reading_order(lines: Sequence[PageLine]) -> list[PageLine]:
    """Lines sorted into rows (top to bottom), each row left to right."""
    if not lines:
        return []
    unit = _unit(lines)
    rows: list[list[PageLine]] = []
    for line in sorted(lines, key=lambda item: item.centre_y):
        if rows and abs(line.centre_y - rows[-1][-1].centre_y) < unit * 0.5:
            rows[-1].append(line)
        else:
            rows.append([line])
    return [line for row in rows for line in sorted(row, key=lambda item: item.box[0])]
