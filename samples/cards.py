"""Card-sized documents: ID card both sides, social security card, residence permit card."""

from __future__ import annotations

import math
import random
from typing import Final

from PIL import Image, ImageDraw

from ocr.domain import DocumentKind
from samples.canvas import CARD_PX_PER_MM, INK, RenderedDocument, Sheet, guilloche
from samples.facts import Facts, dot_date

__all__ = [
    "CARD_SIZE",
    "id_card_back",
    "id_card_front",
    "residence_permit_card",
    "social_security_card",
]

CARD_SIZE: Final = (round(85.6 * CARD_PX_PER_MM), round(54 * CARD_PX_PER_MM))
_RADIUS: Final = round(3.2 * CARD_PX_PER_MM)
_LABEL_BLUE: Final = (40, 110, 170)
_DIGITS_PER_LINE: Final = 11


def _card(rng: random.Random, *, base: tuple[int, int, int], line: tuple[int, int, int]) -> Sheet:
    sheet = Sheet(*CARD_SIZE, rng=rng)
    sheet.image = guilloche(CARD_SIZE, rng=rng, base=base, line=line)
    sheet.refresh()
    return sheet


def _birth_line(facts: Facts) -> tuple[str, str]:
    b = facts.person.birth_date
    return f"{b.year}  年  {b.month}  月  {b.day}  日", f"{b.year}年{b.month}月{b.day}日"


def _address_lines(
    sheet: Sheet, address: str, *, size: int, per_line: int = _DIGITS_PER_LINE
) -> list[str]:
    return sheet.wrap(address, width=size * per_line, size=size, family="hei")


def id_card_front(facts: Facts, rng: random.Random) -> RenderedDocument:
    """The portrait side of the second-generation resident ID card (居民身份证)."""
    sheet = _card(rng, base=(238, 236, 226), line=(205, 215, 225))
    w, h = CARD_SIZE
    p = facts.person
    label, value = round(h * 0.052), round(h * 0.06)
    lx, vx = w * 0.065, w * 0.19
    rows = (0.16, 0.29, 0.42, 0.55)
    sheet.text((lx, h * rows[0]), "姓名", size=label, family="hei", fill=_LABEL_BLUE, record=False)
    sheet.text((vx, h * rows[0]), facts.name, size=round(value * 1.1), family="hei", record=False)
    sheet.record(f"姓名 {facts.name}")
    sheet.text((lx, h * rows[1]), "性别", size=label, family="hei", fill=_LABEL_BLUE, record=False)
    sheet.text((vx, h * rows[1]), p.sex, size=value, family="hei", record=False)
    sheet.text(
        (w * 0.33, h * rows[1]), "民族", size=label, family="hei", fill=_LABEL_BLUE, record=False
    )
    sheet.text((w * 0.43, h * rows[1]), p.ethnicity, size=value, family="hei", record=False)
    sheet.record(f"性别 {p.sex} 民族 {p.ethnicity}")
    drawn, plain = _birth_line(facts)
    sheet.text((lx, h * rows[2]), "出生", size=label, family="hei", fill=_LABEL_BLUE, record=False)
    sheet.text((vx, h * rows[2]), drawn, size=value, family="hei", record=False)
    sheet.record(f"出生 {plain}")
    sheet.text((lx, h * rows[3]), "住址", size=label, family="hei", fill=_LABEL_BLUE, record=False)
    for i, part in enumerate(_address_lines(sheet, p.address, size=value)):
        y = h * rows[3] + i * value * 1.35
        sheet.text((vx, y), part, size=value, family="hei", record=False)
        sheet.record(f"住址 {part}" if i == 0 else part)
    sheet.text(
        (lx, h * 0.83), "公民身份号码", size=label, family="hei", fill=_LABEL_BLUE, record=False
    )
    sheet.text(
        (w * 0.34, h * 0.82),
        facts.id_number,
        size=round(value * 1.15),
        family="mono",
        tracking=0.18,
        record=False,
    )
    sheet.record(f"公民身份号码 {facts.id_number}")
    sheet.portrait(
        (round(w * 0.62), round(h * 0.11), round(w * 0.93), round(h * 0.74)),
        background=(238, 236, 226),
    )
    sheet.fields.update(
        name=facts.name,
        sex=p.sex,
        ethnicity=p.ethnicity,
        birth_date=p.birth_date.isoformat(),
        address=p.address,
        id_number=facts.id_number,
    )
    return sheet.finish(
        kind=DocumentKind.ID_CARD_FRONT,
        template="id_front_v1",
        material="card",
        corner_radius=_RADIUS,
    )


def _emblem(sheet: Sheet, box: tuple[float, float, float, float]) -> None:
    """A simplified national emblem: red disc, gold ring and five gold stars."""
    x0, y0, x1, y1 = box
    cx, cy, r = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2
    gold, red = (222, 170, 40), (200, 30, 35)
    sheet.draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=gold)
    sheet.draw.ellipse((cx - r * 0.86, cy - r * 0.86, cx + r * 0.86, cy + r * 0.86), fill=red)
    for sx, sy, sr in (
        (0, -0.35, 0.22),
        (-0.42, -0.5, 0.09),
        (-0.28, -0.66, 0.09),
        (0.28, -0.66, 0.09),
        (0.42, -0.5, 0.09),
    ):
        _gold_star(sheet.draw, (cx + sx * r, cy + sy * r), sr * r, gold)
    sheet.draw.rectangle((cx - r * 0.45, cy - r * 0.02, cx + r * 0.45, cy + r * 0.35), fill=gold)
    sheet.draw.rectangle((cx - r * 0.3, cy + r * 0.08, cx + r * 0.3, cy + r * 0.3), fill=red)
    sheet.draw.rectangle((cx - r * 0.6, cy + r * 0.42, cx + r * 0.6, cy + r * 0.52), fill=gold)


def _gold_star(
    draw: ImageDraw.ImageDraw, centre: tuple[float, float], r: float, fill: tuple[int, int, int]
) -> None:
    pts = []
    for i in range(10):
        a = -math.pi / 2 + i * math.pi / 5
        rr = r if i % 2 == 0 else r * 0.4
        pts.append((centre[0] + rr * math.cos(a), centre[1] + rr * math.sin(a)))
    draw.polygon(pts, fill=fill)


def _validity_text(facts: Facts) -> tuple[str, dict[str, str]]:
    until = dot_date(facts.valid_until) if facts.valid_until else "长期"
    fields = {
        "valid_from": facts.issued.isoformat(),
        "valid_until": facts.valid_until.isoformat() if facts.valid_until else "长期",
    }
    return f"{dot_date(facts.issued)}-{until}", fields


def id_card_back(facts: Facts, rng: random.Random) -> RenderedDocument:
    """The emblem side: 中华人民共和国 居民身份证, issuing authority and validity."""
    sheet = _card(rng, base=(236, 238, 230), line=(215, 200, 215))
    w, h = CARD_SIZE
    _emblem(sheet, (w * 0.06, h * 0.07, w * 0.23, h * 0.07 + w * 0.17))
    sheet.text(
        (w * 0.63, h * 0.2),
        "中华人民共和国",
        size=round(h * 0.075),
        family="serif_bold",
        anchor="mm",
        tracking=0.35,
    )
    sheet.text(
        (w * 0.6, h * 0.42),
        "居民身份证",
        size=round(h * 0.12),
        family="serif_bold",
        anchor="mm",
        tracking=0.45,
    )
    issuer = facts.person.city.police_bureau(facts.person.district)
    label, value = round(h * 0.052), round(h * 0.058)
    validity, fields = _validity_text(facts)
    sheet.text(
        (w * 0.24, h * 0.73), "签发机关", size=label, family="hei", fill=_LABEL_BLUE, record=False
    )
    sheet.text((w * 0.42, h * 0.73), issuer, size=value, family="hei", record=False)
    sheet.record(f"签发机关 {issuer}")
    sheet.text(
        (w * 0.24, h * 0.85), "有效期限", size=label, family="hei", fill=_LABEL_BLUE, record=False
    )
    sheet.text((w * 0.42, h * 0.85), validity, size=value, family="hei", record=False)
    sheet.record(f"有效期限 {validity}")
    sheet.fields.update(issuer=issuer, **fields)
    return sheet.finish(
        kind=DocumentKind.ID_CARD_BACK,
        template="id_back_v1",
        material="card",
        corner_radius=_RADIUS,
    )


_BANKS: Final = ("中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "江苏银行", "交通银行")


def social_security_card(facts: Facts, rng: random.Random) -> RenderedDocument:
    """The third-generation social security card (社会保障卡), bank co-branded."""
    v2 = rng.random() < 0.5
    base = (232, 240, 248) if not v2 else (246, 240, 230)
    sheet = _card(rng, base=base, line=(200, 215, 235) if not v2 else (230, 210, 200))
    w, h = CARD_SIZE
    band = (24, 92, 168) if not v2 else (190, 40, 45)
    sheet.draw.rectangle((0, 0, w, round(h * 0.2)), fill=band)
    title_size = round(h * 0.085)
    sheet.text(
        (w * 0.5, h * 0.1),
        "中华人民共和国社会保障卡",
        size=title_size,
        family="sans_bold",
        fill=(255, 255, 255),
        anchor="mm",
        tracking=0.1,
    )
    province = facts.person.city.province.removesuffix("省").removesuffix("市")
    label, value = round(h * 0.05), round(h * 0.058)
    portrait_left = v2
    px0 = round(w * 0.06) if portrait_left else round(w * 0.7)
    sheet.portrait((px0, round(h * 0.3), px0 + round(w * 0.24), round(h * 0.86)))
    tx = w * 0.36 if portrait_left else w * 0.07
    card_number = f"{rng.choice('ABCDEFGHJK')}{rng.randint(0, 99999999):08d}"
    issued = facts.issued
    rows = (
        ("姓名", facts.name),
        ("社会保障号码", facts.id_number),
        ("社会保障卡号", card_number),
        ("发卡日期", f"{issued.year}年{issued.month:02d}月"),
    )
    for i, (lab, val) in enumerate(rows):
        y = h * (0.3 + i * 0.13)
        sheet.text((tx, y), lab, size=label, family="sans", fill=(70, 70, 80), record=False)
        vx = tx + sheet.text_width(lab, size=label) + label * 0.8
        sheet.text((vx, y - value * 0.05), val, size=value, family="sans", record=False)
        sheet.record(f"{lab} {val}")
    sheet.text((tx, h * 0.86), f"{province}", size=label, family="sans_bold", fill=band)
    bank = rng.choice(_BANKS)
    sheet.text(
        (w * 0.95, h * 0.92),
        bank,
        size=round(h * 0.05),
        family="sans_bold",
        fill=(170, 30, 40),
        anchor="rs",
    )
    sheet.fields.update(name=facts.name, id_number=facts.id_number, card_number=card_number)
    template = "ss_card_v2" if v2 else "ss_card_v1"
    return sheet.finish(
        kind=DocumentKind.SOCIAL_SECURITY_CARD,
        template=template,
        material="card",
        corner_radius=_RADIUS,
    )


def residence_permit_card(facts: Facts, rng: random.Random) -> RenderedDocument:
    """A residence permit (居住证) card issued by the treatment city's police."""
    v2 = rng.random() < 0.5
    sheet = _card(
        rng,
        base=(232, 242, 236) if not v2 else (240, 236, 246),
        line=(200, 225, 210) if not v2 else (215, 205, 235),
    )
    w, h = CARD_SIZE
    p = facts.person
    city = facts.city
    title = f"{city.province}居住证" if not city.is_municipality else f"{city.name}居住证"
    sheet.text(
        (w * 0.5, h * 0.09),
        title,
        size=round(h * 0.08),
        family="serif_bold",
        anchor="mm",
        tracking=0.25,
        fill=(150, 30, 35),
    )
    label, value = round(h * 0.045), round(h * 0.05)
    px0 = round(w * 0.71) if not v2 else round(w * 0.05)
    sheet.portrait((px0, round(h * 0.18), px0 + round(w * 0.23), round(h * 0.64)))
    lx = w * 0.05 if not v2 else w * 0.32
    vx = lx + label * 6.6
    issuer = city.police_bureau(facts.district)
    validity, validity_fields = _validity_text(facts)
    birth = p.birth_date
    rows: list[tuple[str, str]] = [
        ("姓名", facts.name),
        ("性别", f"{p.sex}    民族  {p.ethnicity}"),
        ("出生", f"{birth.year}年{birth.month}月{birth.day}日"),
    ]
    per_line = 10 if not v2 else 9
    address = _address_lines(sheet, facts.local_address, size=value, per_line=per_line)
    rows += [("居住地址" if i == 0 else "", part) for i, part in enumerate(address)]
    rows += [("公民身份号码", facts.id_number), ("签发机关", issuer), ("有效期限", validity)]
    y = h * 0.19
    for lab, val in rows:
        if lab:
            sheet.text((lx, y), lab, size=label, family="hei", fill=_LABEL_BLUE, record=False)
        sheet.text((vx, y), val, size=value, family="hei", fill=INK, record=False)
        sheet.record(f"{lab} {val}".strip())
        y += h * (0.092 if len(rows) <= 8 else 0.082)
    sheet.fields.update(
        name=facts.name,
        id_number=facts.id_number,
        address=facts.local_address,
        issuer=issuer,
        sex=p.sex,
        birth_date=birth.isoformat(),
        **validity_fields,
    )
    template = "residence_card_v2" if v2 else "residence_card_v1"
    return sheet.finish(
        kind=DocumentKind.RESIDENCE_PERMIT,
        template=template,
        material="card",
        corner_radius=_RADIUS,
    )


def rounded_mask(size: tuple[int, int], radius: int) -> Image.Image:
    """An ``L`` mask of a rectangle with rounded corners (cards)."""
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        (0, 0, size[0] - 1, size[1] - 1), radius=radius, fill=255
    )
    return mask
