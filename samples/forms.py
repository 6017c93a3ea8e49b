"""Referral forms: printed tables filled in by hand and stamped by the hospital."""

from __future__ import annotations

import random
from typing import Final

from ocr.domain import DocumentKind
from samples.canvas import PAPER_PX_PER_MM, RenderedDocument, Sheet
from samples.facts import Facts

__all__ = ["referral_form"]

_A4: Final = (210 * PAPER_PX_PER_MM, 297 * PAPER_PX_PER_MM)
_TITLES: Final = ("转诊转院申请表", "转外就医申请表", "转诊转院证明")
_REASONS: Final = (
    "本院限于技术和设备条件，不能诊治",
    "病情复杂，需上级医院进一步诊治",
    "经院内会诊，建议转上级医院治疗",
)
_OFFICES: Final = ("医保办", "医务科", "医疗保险办公室")


def _doctor(rng: random.Random) -> str:
    return rng.choice("王李张刘陈杨赵周吴徐孙朱") + rng.choice(
        ("海", "明", "卫东", "晓燕", "国平", "敏", "建华")
    )


def referral_form(facts: Facts, rng: random.Random) -> RenderedDocument:
    """A referral form naming the referring hospital (with grade) and the destination."""
    variant = rng.randrange(3)
    sheet = Sheet(*_A4, rng=rng, paper=(250, 250, 247))
    w, h = _A4
    size = round(w * 0.024)
    p = facts.person
    hospital = facts.hospital
    destination = facts.destination_hospital
    header = f"{p.city.name}基本医疗保险参保人员"
    sheet.text((w / 2, h * 0.06), header, size=round(size * 1.2), family="serif_bold", anchor="mm")
    sheet.text(
        (w / 2, h * 0.1),
        _TITLES[variant],
        size=round(w * 0.04),
        family="serif_bold",
        anchor="mm",
        tracking=0.2,
    )
    sheet.text((w * 0.08, h * 0.145), f"转出医院：{hospital.name}（{hospital.grade}）", size=size)
    age = facts.date.year - p.birth_date.year
    scheme = rng.choice(("职工医保", "城乡居民医保"))
    doctor = _doctor(rng)
    destination_place = (
        f"{facts.city.full_name()}"
        if facts.city.is_municipality
        else f"{facts.city.province}{facts.city.name}"
    )
    rows: list[list[tuple[str, bool]]] = [
        [
            ("姓名", False),
            (facts.name, True),
            ("性别", False),
            (p.sex, True),
            ("年龄", False),
            (f"{age}岁", True),
        ],
        [("身份证号码", False), (facts.id_number, True)],
        [("参保类型", False), (scheme, True), ("联系电话", False), (p.phone, True)],
        [("临床诊断", False), (facts.diagnosis, True)],
        [("转诊原因", False), (rng.choice(_REASONS), True)],
        [("转往医院", False), (destination.name, True)],
        [("转往地区", False), (destination_place, True)],
        [("经治医师意见", False), ("同意转诊", True)],
        [("医院医保办意见", False), ("同意", True)],
    ]
    col = [w * 0.18, w * 0.2, w * 0.1, w * 0.12, w * 0.1, w * 0.14]
    heights = [h * 0.055] * 7 + [h * 0.11, h * 0.13]
    cells = sheet.grid((w * 0.08, h * 0.17), col, heights)
    for r, row in enumerate(rows):
        for c in range(1, len(col)):
            if len(row) == 2 and c < len(col) - 1:
                sheet.erase_rule(cells[r][c], side="right", paper=(250, 250, 247))
        if len(row) == 4:
            sheet.erase_rule(cells[r][1], side="right", paper=(250, 250, 247))
            sheet.erase_rule(cells[r][4], side="right", paper=(250, 250, 247))
        _fill_row(sheet, cells[r], row, size=size, spans=len(row))
    sig_row = cells[7]
    sy = sig_row[0][3] - size * 0.9
    sheet.text(
        (sig_row[1][0] + size * 0.5, sy - size * 1.2),
        "医师签字：",
        size=size,
        anchor="ls",
        record=False,
    )
    fields: dict[str, str] = {}
    if facts.signed:
        sheet.signature((sig_row[1][0] + size * 6, sy - size * 1.2), doctor, size=size)
        fields["signature"] = doctor
    sheet.record("医师签字：")
    sheet.text(
        (sig_row[4][0], sy),
        f"{facts.date.year}年{facts.date.month}月{facts.date.day}日",
        size=size,
        anchor="ls",
    )
    stamp_row = cells[8]
    sheet.text((stamp_row[3][0], stamp_row[0][3] - size * 0.9), "（盖章）", size=size, anchor="ls")
    if facts.seal:
        office = rng.choice(_OFFICES)
        cx = stamp_row[3][0] + rng.uniform(0, w * 0.12)
        cy = (stamp_row[0][1] + stamp_row[0][3]) / 2 + rng.uniform(-size, size)
        if facts.seal_text:
            sheet.seal((cx, cy), w * 0.095, arc_text=facts.seal_text)
        else:
            sheet.seal((cx, cy), w * 0.095, arc_text=hospital.name, centre_text=office)
    notes = (
        "注：1.本表一式三份，参保人、转出医院、医保经办机构各执一份。",
        "2.转诊有效期内在转入医院发生的医疗费用按规定直接结算。",
    )
    y = sum(heights) + h * 0.2
    for note in notes:
        sheet.text((w * 0.08, y), note, size=round(size * 0.8))
        y += size * 1.5
    fields |= {
        "name": facts.name,
        "sex": p.sex,
        "id_number": facts.id_number,
        "hospital": hospital.name,
        "destination": facts.city.name,
        "diagnosis": facts.diagnosis,
        "date": facts.date.isoformat(),
    }
    sheet.fields.update(fields)
    return sheet.finish(kind=DocumentKind.REFERRAL_FORM, template=f"referral_v{variant + 1}")


def _fill_row(
    sheet: Sheet,
    cells: list[tuple[float, float, float, float]],
    row: list[tuple[str, bool]],
    *,
    size: int,
    spans: int,
) -> None:
    """Write label/value pairs into a table row whose value cells may span several columns."""
    if spans == 2:
        slots = [cells[0], (cells[1][0], cells[1][1], cells[-1][2], cells[1][3])]
    elif spans == 4:
        slots = [
            cells[0],
            (cells[1][0], cells[1][1], cells[2][2], cells[1][3]),
            cells[3],
            (cells[4][0], cells[4][1], cells[5][2], cells[4][3]),
        ]
    else:
        slots = cells
    for (text, hand), slot in zip(row, slots, strict=False):
        label_size = size if len(text) <= 5 or hand else round(size * 0.8)
        align = "left" if hand and spans == 2 else "centre"
        box = (
            slot
            if not (hand and spans == 2 and len(row) == 2 and text in {"同意转诊", "同意"})
            else (slot[0], slot[1], slot[2], slot[1] + (slot[3] - slot[1]) * 0.45)
        )
        sheet.cell(box, text, size=label_size, hand=hand, align=align, record=False)
    sheet.record(" ".join(t for t, _ in row))
