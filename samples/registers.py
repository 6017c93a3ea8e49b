"""Register pages: household register (户口簿) pages and property certificates."""

from __future__ import annotations

import random
from typing import Final

from ocr.domain import DocumentKind
from samples.canvas import PAPER_PX_PER_MM, RenderedDocument, Sheet, guilloche
from samples.facts import Facts, cn_date
from samples.people import City, District

__all__ = ["hukou_front", "hukou_person", "property_certificate"]

_HUKOU_SIZE: Final = (130 * PAPER_PX_PER_MM, 185 * PAPER_PX_PER_MM)
_PROPERTY_SIZE: Final = (180 * PAPER_PX_PER_MM, 255 * PAPER_PX_PER_MM)
_HUKOU_PAPER: Final = (238, 243, 240)
_EDUCATION: Final = ("小学", "初中", "高中", "中专", "大学专科", "大学本科", "研究生")
_MARRIAGE: Final = ("已婚", "未婚", "已婚", "丧偶")


def _hukou_sheet(rng: random.Random) -> Sheet:
    sheet = Sheet(*_HUKOU_SIZE, rng=rng, paper=_HUKOU_PAPER)
    sheet.image = guilloche(
        _HUKOU_SIZE, rng=rng, base=_HUKOU_PAPER, line=(214, 228, 226), density=0.6
    )
    sheet.refresh()
    return sheet


def _station(city: City, district: District) -> str:
    return f"{city.police_bureau(district)}{district.station}派出所"


def hukou_front(facts: Facts, rng: random.Random) -> RenderedDocument:
    """The household register's first page (户主页): household, head, number, address, stamp."""
    sheet = _hukou_sheet(rng)
    w, h = _HUKOU_SIZE
    hand = rng.random() < 0.4
    size = round(w * 0.036)
    person = facts.person
    sheet.text(
        (w / 2, h * 0.07),
        "常住人口登记簿",
        size=round(w * 0.06),
        family="serif_bold",
        anchor="mm",
        tracking=0.3,
    )
    widths = [w * 0.16, w * 0.3, w * 0.18, w * 0.26]
    v2 = rng.random() < 0.5
    heights = [h * 0.075] * 3 + [h * 0.5]
    cells = sheet.grid((w * 0.05, h * 0.12), widths, heights)
    household_type = rng.choice(("家庭户", "家庭户口", "集体户口"))
    sheet.cell(cells[0][0], "户别", size=size)
    sheet.cell(cells[0][1], household_type, size=size, hand=hand, record=False)
    sheet.cell(cells[0][2], "户主姓名", size=size, record=False)
    sheet.cell(cells[0][3], person.household_head, size=size, hand=hand, record=False)
    sheet.lines[-1:] = [f"户别 {household_type} 户主姓名 {person.household_head}"]
    sheet.cell(cells[1][0], "户号", size=size, record=False)
    sheet.cell(cells[1][1], person.household_number, size=size, hand=hand, record=False)
    sheet.record(f"户号 {person.household_number}")
    sheet.erase_rule(cells[1][1], side="right", paper=_HUKOU_PAPER)
    sheet.erase_rule(cells[1][2], side="right", paper=_HUKOU_PAPER)
    sheet.cell(cells[2][0], "住址", size=size, record=False)
    address = facts.local_address
    lines = sheet.wrap(address, width=sum(widths[1:]) - size, size=size)
    for i, part in enumerate(lines[:2]):
        box = cells[2][1]
        y = box[1] + (box[3] - box[1]) * (0.5 if len(lines) == 1 else 0.3 + 0.4 * i)
        cell = (box[0], y - 10, box[0] + sum(widths[1:]), y + 10)
        sheet.cell(
            cell,
            part,
            size=size if not hand else round(size * 0.95),
            align="left",
            hand=hand,
            record=False,
        )
    sheet.record(f"住址 {''.join(lines[:2])}")
    for c in (1, 2):
        sheet.erase_rule(cells[2][c], side="right", paper=_HUKOU_PAPER)
    big = cells[3][0]
    for c in range(3):
        sheet.erase_rule(cells[3][c], side="right", paper=_HUKOU_PAPER)
    station = _station(facts.city, facts.district)
    bx0, by0 = big[0], big[1]
    bw = sum(widths)
    if v2:
        sheet.text((bx0 + size, by0 + size * 1.5), "户口登记机关", size=size, record=False)
        sheet.record(f"户口登记机关 {station}")
        sheet.text((bx0 + size * 7.5, by0 + size * 1.5), station, size=size, record=False)
    clerk = _clerk(rng)
    sheet.text((bx0 + bw * 0.52, by0 + heights[3] * 0.66), "承办人签章：", size=size, record=False)
    sheet.record("承办人签章：")
    sheet.signature(
        (bx0 + bw * 0.52 + size * 6.2, by0 + heights[3] * 0.66 + size), clerk, size=size
    )
    day = cn_date(facts.issued)
    sheet.text((bx0 + bw * 0.4, by0 + heights[3] * 0.85), "签发日期：", size=size, record=False)
    sheet.text((bx0 + bw * 0.4 + size * 5.2, by0 + heights[3] * 0.85), day, size=size, record=False)
    sheet.record(f"签发日期：{day}")
    if facts.seal:
        cx = bx0 + bw * rng.uniform(0.22, 0.32)
        cy = by0 + heights[3] * rng.uniform(0.45, 0.6)
        sheet.seal((cx, cy), w * 0.17, arc_text=station, centre_text="户口专用章")
    sheet.fields.update(
        household_head=person.household_head,
        household_number=person.household_number,
        address=address,
        date=facts.issued.isoformat(),
    )
    return sheet.finish(
        kind=DocumentKind.HUKOU_FRONT, template="hukou_front_v2" if v2 else "hukou_front_v1"
    )


def _clerk(rng: random.Random) -> str:
    return rng.choice("王李张刘陈杨赵周吴徐") + rng.choice(
        ("明", "华", "静", "军", "红", "勇", "芳", "伟")
    )


def hukou_person(facts: Facts, rng: random.Random) -> RenderedDocument:
    """A household member's own page (常住人口登记卡), as printed or written by the station."""
    sheet = _hukou_sheet(rng)
    w, h = _HUKOU_SIZE
    hand = rng.random() < 0.35
    size = round(w * 0.03)
    p = facts.person
    sheet.text(
        (w / 2, h * 0.06),
        "常住人口登记卡",
        size=round(w * 0.058),
        family="serif_bold",
        anchor="mm",
        tracking=0.3,
    )
    birth = p.birth_date
    birth_text = f"{birth.year}年{birth.month:02d}月{birth.day:02d}日"
    born_in = f"{p.city.province}{p.city.name}" if not p.city.is_municipality else p.city.name
    education = rng.choice(_EDUCATION)
    rows: list[tuple[str, str, str, str]] = [
        ("姓名", facts.name, "户主或与户主关系", p.relation),
        ("曾用名", "", "性别", p.sex),
        ("出生地", born_in, "民族", p.ethnicity + ("族" if not p.ethnicity.endswith("族") else "")),
        ("籍贯", born_in.replace("省", "").replace("市", ""), "出生日期", birth_text),
        ("宗教信仰", "", "公民身份证件编号", facts.id_number),
        ("身高", f"{rng.randint(150, 185)}厘米", "血型", rng.choice(("A", "B", "O", "AB", "不明"))),
        ("文化程度", education, "婚姻状况", rng.choice(_MARRIAGE)),
        ("服务处所", p.employer.name, "职业", rng.choice(("职员", "工人", "退休", "教师", "个体"))),
        ("何时由何地迁来本址", "", "", ""),
    ]
    widths = [w * 0.15, w * 0.33, w * 0.16, w * 0.26]
    heights = [h * 0.062] * len(rows) + [h * 0.2]
    cells = sheet.grid((w * 0.05, h * 0.11), widths, heights)
    small = round(size * 0.85)
    for r, (la, va, lb, vb) in enumerate(rows):
        sheet.cell(cells[r][0], la, size=small if len(la) > 4 else size, record=False)
        value_size = size if len(va) < 12 else round(size * 0.7)
        sheet.cell(cells[r][1], va, size=value_size, hand=hand, record=False)
        sheet.cell(cells[r][2], lb, size=small if len(lb) > 4 else size, record=False)
        sheet.cell(
            cells[r][3],
            vb,
            size=size if len(vb) < 12 else round(size * 0.72),
            hand=hand and len(vb) < 12,
            record=False,
        )
        sheet.record(" ".join(x for x in (la, va, lb, vb) if x))
    moved = cells[len(rows) - 1]
    sheet.erase_rule(moved[1], side="right", paper=_HUKOU_PAPER)
    sheet.erase_rule(moved[2], side="right", paper=_HUKOU_PAPER)
    foot = cells[len(rows)][0]
    for c in range(3):
        sheet.erase_rule(cells[len(rows)][c], side="right", paper=_HUKOU_PAPER)
    bw = sum(widths)
    fy0, fh = foot[1], heights[-1]
    sheet.text((foot[0] + bw * 0.55, fy0 + fh * 0.35), "承办人签章：", size=size, record=False)
    sheet.record("承办人签章：")
    sheet.signature(
        (foot[0] + bw * 0.55 + size * 6, fy0 + fh * 0.35 + size * 0.9), _clerk(rng), size=size
    )
    day = cn_date(facts.issued)
    sheet.text((foot[0] + bw * 0.45, fy0 + fh * 0.72), f"登记日期：{day}", size=size)
    if facts.seal:
        station = _station(facts.city, facts.district)
        cx, cy = foot[0] + bw * rng.uniform(0.2, 0.3), fy0 + fh * rng.uniform(0.35, 0.55)
        sheet.seal((cx, cy), w * 0.16, arc_text=station, centre_text="户口专用章")
    sheet.fields.update(
        name=facts.name,
        relation=p.relation,
        sex=p.sex,
        ethnicity=p.ethnicity,
        birth_date=birth.isoformat(),
        id_number=facts.id_number,
        work_place=p.employer.name,
        date=facts.issued.isoformat(),
    )
    return sheet.finish(kind=DocumentKind.HUKOU_PERSON, template="hukou_person_v1")


def property_certificate(facts: Facts, rng: random.Random) -> RenderedDocument:
    """A property certificate: 不动产权证书 (since 2015) or the older 房屋所有权证."""
    sheet = Sheet(*_PROPERTY_SIZE, rng=rng, paper=(247, 245, 236))
    w, h = _PROPERTY_SIZE
    size = round(w * 0.026)
    city = facts.city
    old = rng.random() < 0.4
    area = f"{rng.uniform(55, 160):.2f}平方米"
    year = facts.issued.year
    if old:
        number = f"{city.name[:1]}房权证{facts.district.name[:2]}字第{rng.randint(10000, 999999)}号"
        sheet.text(
            (w / 2, h * 0.08),
            "房屋所有权证",
            size=round(w * 0.05),
            family="serif_bold",
            anchor="mm",
            tracking=0.3,
        )
        sheet.text((w / 2, h * 0.14), number, size=size, anchor="mm")
        rows = [
            ("房屋所有权人", facts.name),
            ("共有情况", rng.choice(("单独所有", "共同共有"))),
            ("房屋坐落", facts.local_address),
            ("登记时间", cn_date(facts.issued)),
            ("房屋性质", rng.choice(("商品房", "房改房", "经济适用房"))),
            ("规划用途", "住宅"),
            ("建筑面积", area),
        ]
        authority, seal_centre = f"{city.name}房产管理局", "房屋所有权登记专用章"
    else:
        number = (
            f"{city.abbreviation}（{year}）{city.name}不动产权第{rng.randint(1, 9999999):07d}号"
        )
        sheet.text(
            (w / 2, h * 0.08),
            "不动产权证书",
            size=round(w * 0.05),
            family="serif_bold",
            anchor="mm",
            tracking=0.3,
        )
        sheet.text((w * 0.07, h * 0.14), number, size=size, anchor="lm")
        parcel = f"{rng.randint(1, 999):03d}{rng.randint(1, 999):03d}GB{rng.randint(1, 99999):05d}"
        unit = f"{facts.district.code}{parcel}F{rng.randint(1, 99999999):08d}"
        rows = [
            ("权利人", facts.name),
            ("共有情况", rng.choice(("单独所有", "共同共有"))),
            ("坐落", facts.local_address),
            ("不动产单元号", unit),
            ("权利类型", "国有建设用地使用权/房屋所有权"),
            ("权利性质", "出让/商品房"),
            ("用途", "城镇住宅用地/住宅"),
            ("面积", f"房屋建筑面积{area}"),
            (
                "使用期限",
                f"{year - rng.randint(1, 10)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
                f"起{year + 60}年止",
            ),
        ]
        authority, seal_centre = f"{city.name}自然资源和规划局", "不动产登记专用章"
    widths = [w * 0.22, w * 0.64]
    heights = [h * 0.065] * len(rows)
    cells = sheet.grid((w * 0.07, h * 0.18), widths, heights)
    for r, (label, value) in enumerate(rows):
        sheet.cell(cells[r][0], label, size=size, record=False)
        lines = sheet.wrap(value, width=widths[1] - size, size=size)
        fitted = size if len(lines) == 1 else round(size * 0.8)
        sheet.cell(cells[r][1], value, size=fitted, align="left", record=False)
        sheet.record(f"{label} {value}")
    y = h * 0.18 + sum(heights) + h * 0.08
    sheet.text((w * 0.55, y), "登记机构（章）", size=size)
    day = cn_date(facts.issued)
    sheet.text((w * 0.55, y + size * 2.4), day, size=size)
    if facts.seal:
        sheet.seal(
            (w * 0.64, y + size * 0.8), w * 0.12, arc_text=authority, centre_text=seal_centre
        )
    sheet.fields.update(name=facts.name, address=facts.local_address, date=facts.issued.isoformat())
    template = "property_house_v1" if old else "property_estate_v1"
    return sheet.finish(kind=DocumentKind.PROPERTY_CERTIFICATE, template=template)
