"""Free-text documents on A4: dispatch letters, labor contracts, commitment letters."""

from __future__ import annotations

import random
from typing import Final

from ocr.domain import DocumentKind
from samples.canvas import PAPER_PX_PER_MM, RenderedDocument, Sheet
from samples.facts import Facts, cn_date

__all__ = ["commitment_letter", "dispatch_letter", "labor_contract", "write_blanks"]

A4: Final = (210 * PAPER_PX_PER_MM, 297 * PAPER_PX_PER_MM)
_JOBS: Final = ("技术支持", "项目管理", "销售", "工程施工", "设备维护", "财务管理", "质量检验")
_MARGIN: Final = 0.12


def _a4(rng: random.Random) -> Sheet:
    tint = rng.randint(244, 252)
    return Sheet(*A4, rng=rng, paper=(tint, tint, max(236, tint - 4)))


def _title(sheet: Sheet, text: str, *, y: float = 0.1) -> None:
    w, h = A4
    sheet.text(
        (w / 2, h * y), text, size=round(w * 0.042), family="serif_bold", anchor="mm", tracking=0.25
    )


def write_blanks(
    sheet: Sheet, xy: tuple[float, float], parts: list[tuple[str, bool]], *, size: int
) -> float:
    """One line of printed text with blanks filled in by hand (``(text, is_hand)`` parts).

    Returns:
        The x coordinate after the last part.
    """
    x, y = xy
    for text, is_hand in parts:
        if is_hand:
            box = sheet.hand(
                (x + size * 0.3, y + size * 0.88), text, size=round(size * 1.1), record=False
            )
            end = box[2] + size * 0.3
            sheet.draw.line((x, y + size * 1.12, end, y + size * 1.12), fill=(60, 60, 60), width=2)
            x = end
        else:
            box = sheet.text((x, y), text, size=size, record=False)
            x = box[2]
    sheet.record(" ".join(t for t, _ in parts))
    return x


def _sign_block(sheet: Sheet, facts: Facts, *, label: str, y: float, size: int) -> None:
    """Employer name, date, and the company seal over them."""
    w, _ = A4
    right = w * (1 - _MARGIN)
    employer = facts.employer.name
    sheet.text((right, y), f"{label}{employer}", size=size, anchor="ra")
    day = cn_date(facts.date)
    sheet.text((right - size * 2, y + size * 2), day, size=size, anchor="ra")
    if facts.seal:
        width = sheet.text_width(employer, size=size)
        cx = right - width * 0.45 + sheet.rng.uniform(-size, size)
        sheet.seal(
            (cx, y + size * 0.8 + sheet.rng.uniform(-size, size)), w * 0.1, arc_text=employer
        )


def dispatch_letter(facts: Facts, rng: random.Random) -> RenderedDocument:
    """An employer's letter sending the person to work in another city (派出/外派/工作证明)."""
    sheet = _a4(rng)
    w, h = A4
    size = round(w * 0.026)
    p = facts.person
    city = facts.city.name
    start, end = cn_date(facts.issued), cn_date(facts.valid_until) if facts.valid_until else "长期"
    job = rng.choice(_JOBS)
    variant = rng.randrange(5)
    fields = {
        "name": facts.name,
        "id_number": facts.id_number,
        "employer": facts.employer.name,
        "destination": city,
        "date": facts.date.isoformat(),
    }
    if variant == 0:
        _title(sheet, "派出证明")
        body = [
            f"兹证明{facts.name}同志（身份证号码：{facts.id_number}）系我单位在职职工，"
            f"因工作需要，由我单位派往{city}{facts.district.name}工作，派驻期限自{start}至{end}。",
            f"派驻期间，其基本医疗保险关系仍在{p.city.name}参保缴费。",
            "特此证明。",
        ]
        fields |= _period(facts)
    elif variant == 1:
        _title(sheet, "外派证明")
        body = [
            f"兹有我单位职工{facts.name}，性别{p.sex}，身份证号{facts.id_number}，"
            f"自{start}起外派至{city}从事{job}工作，外派期限至{end}。",
            "单位承诺以上情况属实，如有虚假愿承担相应责任。",
            "特此证明。",
        ]
        fields |= _period(facts)
    elif variant == 2:
        _title(sheet, "工作证明")
        body = [
            f"兹证明{facts.name}（身份证号：{facts.id_number}）系我单位职工，现常驻{city}工作，"
            f"工作地址：{facts.local_address}。",
            "该同志在异地工作期间需在当地就医，请予办理异地就医备案手续。",
            "特此证明。",
        ]
        fields["work_place"] = facts.local_address
    elif variant == 3:
        _title(sheet, "在职证明")
        body = [
            f"兹证明{facts.name}，{p.sex}，身份证号码{facts.id_number}，自{start}起在我单位工作，"
            f"现由单位安排在{city}{facts.district.name}长期从事{job}工作，预计至{end}。",
            "本证明仅用于办理异地就医备案，不作其他用途。",
        ]
        fields |= _period(facts)
    else:
        # An untitled letter: only 兹证明... and the seal say what it is.
        _title(sheet, "证  明")
        body = [
            f"兹证明我公司员工{facts.name}（{facts.id_number}）经公司研究决定，"
            f"派遣其到{city}{facts.district.name}负责{job}工作，时间为{start}至{end}。",
            "特此证明，请予以办理相关手续。",
        ]
        fields |= _period(facts)
    if variant == 2:
        sheet.text((w * _MARGIN, h * 0.18), f"{p.city.name}医疗保障局：", size=size)
    y = h * 0.23
    for paragraph in body:
        y = (
            sheet.paragraph((w * _MARGIN, y), paragraph, width=w * (1 - 2 * _MARGIN), size=size)
            + size * 0.6
        )
    if variant == 1:
        phone = f"{p.phone[:3]}{rng.randint(10000000, 99999999)}"
        contact = f"单位联系人：{facts.employer.representative}    联系电话：{phone}"
        sheet.text((w * _MARGIN, y + size), contact, size=size)
    _sign_block(sheet, facts, label="", y=y + size * 5, size=size)
    sheet.fields.update(fields)
    return sheet.finish(kind=DocumentKind.DISPATCH_LETTER, template=f"dispatch_v{variant + 1}")


def _period(facts: Facts) -> dict[str, str]:
    out = {"valid_from": facts.issued.isoformat()}
    out["valid_until"] = facts.valid_until.isoformat() if facts.valid_until else "长期"
    return out


def labor_contract(facts: Facts, rng: random.Random) -> RenderedDocument:
    """A labor contract for work in the treatment city: one-page contract or 劳动合同书 cover."""
    sheet = _a4(rng)
    w, h = A4
    size = round(w * 0.025)
    p = facts.person
    employer = facts.employer
    job = rng.choice(_JOBS)
    start = cn_date(facts.issued)
    end = cn_date(facts.valid_until) if facts.valid_until else "无固定期限"
    work_place = f"{facts.city.name}{facts.district.name}"
    left = w * _MARGIN
    fields = {
        "name": facts.name,
        "id_number": facts.id_number,
        "employer": employer.name,
        "work_place": work_place,
        "date": facts.date.isoformat(),
    } | _period(facts)
    if rng.random() < 0.5:
        _title(sheet, "劳动合同", y=0.08)
        y = h * 0.14
        for line in (
            f"甲方（用人单位）：{employer.name}",
            f"法定代表人：{employer.representative}",
            f"乙方（劳动者）：{facts.name}",
            f"身份证号码：{facts.id_number}",
            f"户籍地址：{p.address}",
        ):
            sheet.text((left, y), line, size=size)
            y += size * 1.9
        clauses = (
            "根据《中华人民共和国劳动合同法》及有关法律法规，甲乙双方经平等自愿、协商一致，签订本合同。",
            f"一、合同期限：本合同为固定期限劳动合同，自{start}起至{end}止。",
            f"二、工作内容和工作地点：乙方同意根据甲方工作需要，在{work_place}从事{job}工作。",
            "三、劳动报酬：甲方按月以货币形式支付乙方工资，不低于当地最低工资标准。",
            "四、社会保险：甲方依法为乙方缴纳基本养老、基本医疗、失业、工伤和生育保险。",
        )
        y += size
        for clause in clauses:
            y = (
                sheet.paragraph((left, y), clause, width=w * (1 - 2 * _MARGIN), size=size)
                + size * 0.4
            )
        y += size * 2
        sheet.text((left, y), "甲方（盖章）：", size=size)
        sheet.text((w * 0.55, y), "乙方（签字）：", size=size)
        if facts.signed:
            sheet.signature((w * 0.55 + size * 7, y + size * 1.1), facts.name, size=size)
            fields["signature"] = facts.name
        day = cn_date(facts.date)
        sheet.text((left, y + size * 2.5), f"日期：{day}", size=size)
        sheet.text((w * 0.55, y + size * 2.5), f"日期：{day}", size=size)
        if facts.seal:
            sheet.seal((left + size * 8, y + size * 0.5), w * 0.1, arc_text=employer.name)
        template = "labor_contract_v1"
    else:
        sheet.text(
            (w / 2, h * 0.22),
            "劳动合同书",
            size=round(w * 0.07),
            family="serif_bold",
            anchor="mm",
            tracking=0.3,
        )
        y = h * 0.42
        for label, value in (
            ("甲方（用人单位）：", employer.name),
            ("乙方（劳动者）：", facts.name),
            ("身份证号码：", facts.id_number),
            ("工作地点：", work_place),
            ("合同期限：", f"{start}至{end}"),
            ("签订日期：", cn_date(facts.date)),
        ):
            write_blanks(sheet, (w * 0.18, y), [(label, False), (value, True)], size=size)
            y += size * 2.8
        province = facts.city.province
        sheet.text(
            (w / 2, h * 0.9),
            f"{province}人力资源和社会保障厅监制",
            size=round(size * 0.9),
            anchor="mm",
        )
        if facts.seal:
            sheet.seal((w * 0.62, h * 0.45), w * 0.1, arc_text=employer.name)
        template = "labor_contract_book_v1"
    sheet.fields.update(fields)
    return sheet.finish(kind=DocumentKind.LABOR_CONTRACT, template=template)


def commitment_letter(facts: Facts, rng: random.Random) -> RenderedDocument:
    """A personal commitment letter (个人承诺书) signed instead of a residence proof."""
    sheet = _a4(rng)
    w, h = A4
    size = round(w * 0.026)
    p = facts.person
    variant = rng.randrange(3)
    titles = ("长期异地居住人员个人承诺书", "个人承诺书", "异地就医备案个人承诺书")
    _title(sheet, titles[variant])
    left = w * _MARGIN
    fields = {
        "name": facts.name,
        "id_number": facts.id_number,
        "address": facts.local_address,
        "date": facts.date.isoformat(),
    }
    y = h * 0.17
    if variant == 1:
        write_blanks(
            sheet,
            (left, y),
            [("本人", False), (facts.name, True), ("，身份证号码", False), (facts.id_number, True)],
            size=size,
        )
        y += size * 2.4
        write_blanks(
            sheet, (left, y), [("现居住地址：", False), (facts.local_address, True)], size=size
        )
        y += size * 2.6
        intro = f"因长期在{facts.city.name}居住，申请办理异地就医备案，现郑重承诺如下："
    else:
        intro = (
            f"本人{facts.name}，身份证号码{facts.id_number}，参保地{p.city.name}，"
            f"现长期居住在{facts.city.name}，居住地址：{facts.local_address}。本人郑重承诺如下："
        )
    y = sheet.paragraph((left, y), intro, width=w * (1 - 2 * _MARGIN), size=size) + size * 0.5
    promises = (
        "一、本人在异地长期居住已满6个月，所提供的备案信息真实、准确、完整。",
        "二、本人将在备案之日起15日内补充提交居住证明材料，逾期未补充的，备案自动失效。",
        "三、如有隐瞒、虚报，本人自愿承担由此产生的全部责任，并退还已结算的医疗费用。",
        "四、本人承诺备案后6个月内不变更就医地。",
    )
    for promise in promises:
        y = sheet.paragraph((left, y), promise, width=w * (1 - 2 * _MARGIN), size=size) + size * 0.3
    y += size * 3
    sheet.text((w * 0.5, y), "承诺人（签字）：", size=size)
    if facts.signed:
        sheet.signature((w * 0.5 + size * 8, y + size * 1.1), facts.name, size=size)
        fields["signature"] = facts.name
    y += size * 2.5
    sheet.text((w * 0.5, y), f"联系电话：{p.phone}", size=size)
    y += size * 2.5
    if variant == 1:
        write_blanks(
            sheet, (w * 0.5, y), [("日期：", False), (cn_date(facts.date), True)], size=size
        )
    else:
        sheet.text((w * 0.5, y), f"日期：{cn_date(facts.date)}", size=size)
    sheet.fields.update(fields)
    return sheet.finish(kind=DocumentKind.COMMITMENT_LETTER, template=f"commitment_v{variant + 1}")
