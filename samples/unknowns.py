"""Negatives: things applicants photograph that are none of the expected kinds.

Receipts, driving licences, bank cards, menus, blank pages, textured
close-ups, diplomas and train tickets. Their kind is ``unknown``; their
fields are the ones they print that overlap ours (a driving licence prints a
name and an ID number), usually none.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Final

import numpy as np
from PIL import Image

from ocr.domain import DocumentKind
from samples.canvas import PAPER_PX_PER_MM, RenderedDocument, Sheet, guilloche
from samples.cards import CARD_SIZE
from samples.facts import Facts, cn_date, dot_date

__all__ = ["UNKNOWN_TEMPLATES"]

_UNKNOWN: Final = DocumentKind.UNKNOWN
_DISHES: Final = (
    ("宫保鸡丁", 38),
    ("鱼香肉丝", 32),
    ("麻婆豆腐", 22),
    ("清炒时蔬", 18),
    ("红烧狮子头", 48),
    ("扬州炒饭", 25),
    ("酸辣汤", 16),
    ("糖醋排骨", 46),
    ("蒜蓉西兰花", 20),
    ("水煮牛肉", 58),
)
_SHOP_ITEMS: Final = (
    ("矿泉水", 2.0),
    ("面包", 6.5),
    ("牛奶", 4.8),
    ("纸巾", 9.9),
    ("苹果", 12.3),
    ("洗衣液", 29.9),
    ("鸡蛋", 15.6),
)


def receipt(facts: Facts, rng: random.Random) -> RenderedDocument:
    """A narrow thermal-paper shop receipt."""
    w, h = 80 * PAPER_PX_PER_MM, rng.randint(150, 220) * PAPER_PX_PER_MM
    sheet = Sheet(w, h, rng=rng, paper=(246, 246, 243))
    size = round(w * 0.045)
    y = size * 2.0
    shop = rng.choice(("苏果超市", "华润万家", "好又多便利店", "永辉超市"))
    sheet.text(
        (w / 2, y),
        f"{shop}（{facts.city.name}店）",
        size=round(size * 1.2),
        family="sans_bold",
        anchor="mm",
    )
    y += size * 2.5
    sheet.text(
        (size, y),
        f"日期：{facts.date:%Y-%m-%d} {rng.randint(8, 21):02d}:{rng.randint(0, 59):02d}",
        size=size,
        family="mono",
    )
    y += size * 1.8
    sheet.text((size, y), "商品        数量    金额", size=size, family="mono")
    y += size * 1.6
    total = 0.0
    for name, price in rng.sample(_SHOP_ITEMS, rng.randint(3, 6)):
        qty = rng.randint(1, 3)
        total += qty * price
        sheet.text((size, y), f"{name:<6}  {qty:>3}  {qty * price:>8.2f}", size=size, family="mono")
        y += size * 1.5
    sheet.text((size, y + size), f"合计：{total:.2f}元", size=round(size * 1.1), family="sans_bold")
    sheet.text((size, y + size * 3), "谢谢惠顾，欢迎再次光临！", size=size)
    return sheet.finish(kind=_UNKNOWN, template="receipt_v1")


def menu(facts: Facts, rng: random.Random) -> RenderedDocument:
    """A restaurant menu page."""
    w, h = 150 * PAPER_PX_PER_MM, 210 * PAPER_PX_PER_MM
    sheet = Sheet(w, h, rng=rng, paper=(245, 232, 205))
    size = round(w * 0.045)
    sheet.text(
        (w / 2, h * 0.08),
        rng.choice(("淮扬人家", "老街菜馆", "鹭岛海鲜楼")) + " 菜单",
        size=round(size * 1.5),
        family="kai",
        anchor="mm",
    )
    y = h * 0.16
    for dish, price in rng.sample(_DISHES, 8):
        sheet.text((w * 0.12, y), dish, size=size, family="kai", record=False)
        sheet.text((w * 0.88, y), f"¥{price}", size=size, family="sans", anchor="ra", record=False)
        sheet.record(f"{dish} ¥{price}")
        y += size * 2.2
    return sheet.finish(kind=_UNKNOWN, template="menu_v1")


def driving_licence(facts: Facts, rng: random.Random) -> RenderedDocument:
    """A motor vehicle driving licence (机动车驾驶证) main page."""
    sheet = Sheet(*CARD_SIZE, rng=rng)
    sheet.image = guilloche(CARD_SIZE, rng=rng, base=(232, 236, 240), line=(205, 212, 228))
    sheet.refresh()
    w, h = CARD_SIZE
    p = facts.person
    size = round(h * 0.05)
    sheet.text(
        (w / 2, h * 0.08),
        "中华人民共和国机动车驾驶证",
        size=round(h * 0.065),
        family="serif_bold",
        anchor="mm",
    )
    first = facts.issued
    rows = (
        f"证号 {facts.id_number}",
        f"姓名 {facts.name}    性别 {p.sex}    国籍 中国",
        f"住址 {p.address[:18]}",
        f"出生日期 {p.birth_date:%Y-%m-%d}",
        f"初次领证日期 {first:%Y-%m-%d}",
        f"准驾车型 {rng.choice(('C1', 'C2', 'B2', 'A2'))}",
        f"有效期限 {dot_date(first)} 至 {first.year + 10}{first:.%m.%d}",
    )
    y = h * 0.18
    for row in rows:
        sheet.text((w * 0.05, y), row, size=size, family="hei")
        y += h * 0.1
    sheet.portrait((round(w * 0.72), round(h * 0.2), round(w * 0.94), round(h * 0.62)))
    if facts.seal:
        sheet.seal(
            (w * 0.83, h * 0.78), h * 0.15, arc_text=f"{p.city.name}公安局交通警察支队", star=True
        )
    sheet.fields.update(
        name=facts.name, id_number=facts.id_number, sex=p.sex, birth_date=p.birth_date.isoformat()
    )
    return sheet.finish(
        kind=_UNKNOWN, template="driving_licence_v1", material="card", corner_radius=round(h * 0.05)
    )


def bank_card(facts: Facts, rng: random.Random) -> RenderedDocument:
    """A debit card front: bank name, card number and 银联."""
    sheet = Sheet(*CARD_SIZE, rng=rng)
    w, h = CARD_SIZE
    colour = rng.choice(((30, 70, 150), (160, 25, 40), (20, 110, 90), (190, 150, 60)))
    grad = np.linspace(1.0, 0.7, w, dtype=np.float32)[None, :, None] * np.array(
        colour, dtype=np.float32
    )
    sheet.image = Image.fromarray(np.broadcast_to(grad, (h, w, 3)).astype(np.uint8))
    sheet.refresh()
    bank = rng.choice(("中国工商银行", "中国建设银行", "招商银行", "中国农业银行"))
    white = (250, 250, 250)
    sheet.text((w * 0.06, h * 0.1), bank, size=round(h * 0.08), family="sans_bold", fill=white)
    sheet.draw.rounded_rectangle(
        (w * 0.1, h * 0.35, w * 0.22, h * 0.5), radius=8, fill=(212, 180, 90)
    )
    number = (
        "6217 "
        + " ".join(f"{rng.randint(0, 9999):04d}" for _ in range(3))
        + f" {rng.randint(0, 999):03d}"
    )
    sheet.text((w * 0.08, h * 0.62), number, size=round(h * 0.075), family="mono", fill=white)
    sheet.text(
        (w * 0.08, h * 0.78), "储蓄卡 DEBIT", size=round(h * 0.05), family="sans", fill=white
    )
    sheet.text(
        (w * 0.93, h * 0.9),
        "银联 UnionPay",
        size=round(h * 0.05),
        family="sans_bold",
        fill=white,
        anchor="rs",
    )
    return sheet.finish(
        kind=_UNKNOWN, template="bank_card_v1", material="card", corner_radius=round(h * 0.06)
    )


def blank_page(facts: Facts, rng: random.Random) -> RenderedDocument:
    """An empty sheet of paper, sometimes with faint ruled lines."""
    w, h = 210 * PAPER_PX_PER_MM, 297 * PAPER_PX_PER_MM
    sheet = Sheet(w, h, rng=rng, paper=(248, 248, 244))
    if rng.random() < 0.5:
        for y in range(int(h * 0.08), int(h * 0.95), int(h * 0.035)):
            sheet.draw.line((w * 0.06, y, w * 0.94, y), fill=(200, 215, 230), width=2)
    return sheet.finish(kind=_UNKNOWN, template="blank_v1")


def texture(facts: Facts, rng: random.Random) -> RenderedDocument:
    """A close-up of something that is not a document: fabric, a floor, a wall."""
    w, h = 1200, 900
    gen = np.random.default_rng(rng.getrandbits(64))
    base = np.array([rng.randint(40, 220) for _ in range(3)], dtype=np.float32)
    noise = gen.normal(0, 1, (h // 8, w // 8, 1)).astype(np.float32)
    big = np.asarray(
        Image.fromarray(((noise[..., 0] + 3) * 40).clip(0, 255).astype(np.uint8)).resize(
            (w, h), Image.Resampling.BICUBIC
        ),
        dtype=np.float32,
    )
    img = base * (0.75 + big[..., None] / 255 * 0.5)
    sheet = Sheet(w, h, rng=rng)
    sheet.image = Image.fromarray(img.clip(0, 255).astype(np.uint8))
    return sheet.finish(kind=_UNKNOWN, template="texture_v1")


def diploma(facts: Facts, rng: random.Random) -> RenderedDocument:
    """A graduation certificate (毕业证书) with the school seal."""
    w, h = 260 * PAPER_PX_PER_MM, 185 * PAPER_PX_PER_MM
    sheet = Sheet(w, h, rng=rng, paper=(250, 246, 235))
    sheet.draw.rectangle((w * 0.03, h * 0.04, w * 0.97, h * 0.96), outline=(170, 40, 40), width=8)
    size = round(h * 0.035)
    sheet.text(
        (w / 2, h * 0.14),
        "毕业证书",
        size=round(h * 0.08),
        family="serif_bold",
        anchor="mm",
        tracking=0.4,
    )
    school = rng.choice(("扬州大学", "厦门大学", "苏州大学", "河北师范大学"))
    birth = facts.person.birth_date
    body = (
        f"学生{facts.name}，性别{facts.person.sex}，{birth.year}年{birth.month}月{birth.day}日生，"
        f"于{birth.year + 18}年9月至{birth.year + 22}年6月在本校学习，"
        "修完规定课程，成绩合格，准予毕业。"
    )
    y = sheet.paragraph(
        (w * 0.3, h * 0.3), body, width=w * 0.6, size=size, family="serif", leading=2.0
    )
    sheet.portrait((round(w * 0.08), round(h * 0.28), round(w * 0.24), round(h * 0.62)))
    sheet.text(
        (w * 0.62, y + size * 2),
        f"校长：{rng.choice('王李张刘陈')}{rng.choice(('为民', '志强', '建设'))}",
        size=size,
    )
    sheet.text(
        (w * 0.62, y + size * 4),
        cn_date(birth.replace(year=birth.year + 22, month=6, day=30)),
        size=size,
    )
    if facts.seal:
        sheet.seal((w * 0.72, y + size * 2.5), h * 0.12, arc_text=school)
    return sheet.finish(kind=_UNKNOWN, template="diploma_v1")


def train_ticket(facts: Facts, rng: random.Random) -> RenderedDocument:
    """A pink or blue paper railway ticket."""
    w, h = 86 * PAPER_PX_PER_MM * 2, 54 * PAPER_PX_PER_MM * 2
    pink = rng.random() < 0.5
    sheet = Sheet(w, h, rng=rng)
    sheet.image = guilloche(
        (w, h),
        rng=rng,
        base=(240, 205, 210) if pink else (190, 215, 235),
        line=(225, 180, 190) if pink else (170, 200, 225),
    )
    sheet.refresh()
    size = round(h * 0.07)
    stations = rng.sample(("扬州", "苏州", "厦门北", "邢台东", "上海虹桥", "南京南", "杭州东"), 2)
    sheet.text(
        (w * 0.05, h * 0.08),
        f"G{rng.randint(10, 7999)}",
        size=round(size * 1.4),
        family="sans_bold",
    )
    sheet.text((w * 0.1, h * 0.28), f"{stations[0]}站", size=round(size * 1.3), family="hei")
    sheet.text((w * 0.45, h * 0.28), "→", size=round(size * 1.3), family="hei")
    sheet.text((w * 0.6, h * 0.28), f"{stations[1]}站", size=round(size * 1.3), family="hei")
    sheet.text(
        (w * 0.05, h * 0.5),
        f"{facts.date.year}年{facts.date.month:02d}月{facts.date.day:02d}日 "
        f"{rng.randint(6, 21):02d}:{rng.randint(0, 59):02d}开",
        size=size,
    )
    sheet.text(
        (w * 0.05, h * 0.64), f"¥{rng.randint(80, 700)}.{rng.choice((0, 5))}元    二等座", size=size
    )
    masked = facts.id_number[:10] + "****" + facts.id_number[14:]
    sheet.text((w * 0.05, h * 0.78), f"{masked} {facts.name}", size=size, family="mono")
    return sheet.finish(kind=_UNKNOWN, template="train_ticket_v1")


UNKNOWN_TEMPLATES: Final[dict[str, Callable[[Facts, random.Random], RenderedDocument]]] = {
    "receipt": receipt,
    "menu": menu,
    "driving_licence": driving_licence,
    "bank_card": bank_card,
    "blank": blank_page,
    "texture": texture,
    "diploma": diploma,
    "train_ticket": train_ticket,
}
