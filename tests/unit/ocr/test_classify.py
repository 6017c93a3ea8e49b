from __future__ import annotations

import pytest

from ocr.classify import classify_text
from ocr.domain import DocumentKind


class TestClassifyText:
    @pytest.mark.parametrize(
        ("texts", "kind"),
        [
            (
                [
                    "姓名 王建国",
                    "性别 男 民族 汉",
                    "出生 1965年3月12日",
                    "住址 扬州市",
                    "公民身份号码 1",
                ],
                DocumentKind.ID_CARD_FRONT,
            ),
            (
                [
                    "中华人民共和国",
                    "居民身份证",
                    "签发机关 扬州市公安局",
                    "有效期限 2015.01.01-2035.01.01",
                ],
                DocumentKind.ID_CARD_BACK,
            ),
            (
                ["中华人民共和国社会保障卡", "姓名 李四", "社会保障号码 1"],
                DocumentKind.SOCIAL_SECURITY_CARD,
            ),
            (["江苏省居住证", "姓名 李四", "居住地址 苏州市"], DocumentKind.RESIDENCE_PERMIT),
            (
                ["常住人口登记卡", "姓名 李四", "户主或与户主关系 户主", "籍贯 江苏"],
                DocumentKind.HUKOU_PERSON,
            ),
            (
                ["常住人口登记簿", "户别 家庭户 户主姓名 李四", "户号 0012"],
                DocumentKind.HUKOU_FRONT,
            ),
            (
                ["不动产权证书", "权利人 李四", "坐落 苏州市吴江区"],
                DocumentKind.PROPERTY_CERTIFICATE,
            ),
            (
                ["派出证明", "兹证明李四同志系我单位在职职工，派往苏州市工作"],
                DocumentKind.DISPATCH_LETTER,
            ),
            (
                ["工作证明", "兹证明李四系我单位职工，现常驻厦门市工作", "特此证明。"],
                DocumentKind.DISPATCH_LETTER,
            ),
            (
                [
                    "在职证明",
                    "兹证明张三系我公司员工，自2020年起在我公司工作，现由公司安排在杭州从事销售工作。",
                    "特此证明。",
                ],
                DocumentKind.DISPATCH_LETTER,
            ),
            (
                [
                    "证  明",
                    "兹证明我公司员工张三经研究决定，派遣其到南京市负责项目管理工作。",
                    "特此证明，请予以办理相关手续。",
                ],
                DocumentKind.DISPATCH_LETTER,
            ),
            (
                ["劳动合同", "甲方（用人单位）：某公司", "乙方（劳动者）：李四"],
                DocumentKind.LABOR_CONTRACT,
            ),
            (["转诊转院申请表", "临床诊断 肺炎", "转往医院 某医院"], DocumentKind.REFERRAL_FORM),
            (
                ["异地转院审批表", "临床诊断 肺癌", "转入医院 某医院", "医保办意见"],
                DocumentKind.REFERRAL_FORM,
            ),
            (
                ["个人承诺书", "本人李四，身份证号码", "承诺人（签字）："],
                DocumentKind.COMMITMENT_LETTER,
            ),
        ],
    )
    def test_decides_kind_from_titles_and_labels(
        self, texts: list[str], kind: DocumentKind
    ) -> None:
        result = classify_text(texts)

        assert result.kind is kind
        assert result.confidence > 0.8
        assert result.cues

    @pytest.mark.parametrize(
        "texts",
        [
            [
                "中华人民共和国机动车驾驶证",
                "姓名 李四 性别 男 国籍 中国",
                "住址 扬州市",
                "出生日期 1980-01-01",
            ],
            ["中国工商银行", "银联 UnionPay", "储蓄卡 DEBIT"],
            ["毕业证书", "学生李四，性别男，准予毕业"],
            ["永辉超市", "商品 数量 金额", "合计：12.00元"],
            [],
            ["某某 一二三"],
        ],
    )
    def test_documents_of_no_known_kind_stay_unknown(self, texts: list[str]) -> None:
        result = classify_text(texts)

        assert result.kind is DocumentKind.UNKNOWN

    def test_confidences_are_probabilities_with_runners_up(self) -> None:
        result = classify_text(["居民身份证", "签发机关 某公安局"])

        total = result.confidence + sum(r.confidence for r in result.runners_up)
        assert 0 < total <= 1.0001
        assert len(result.runners_up) == 3
        assert all(r.confidence <= result.confidence for r in result.runners_up)

    def test_card_aspect_is_a_cue(self) -> None:
        result = classify_text(["居民身份证", "有效期限 2015.01.01-2035.01.01"], aspect=1.58)

        assert "layout:card aspect" in result.cues


class TestRealWorldWidth:
    """Real documents our generator does not draw: co-branded cards, forms sharing our labels."""

    def test_bank_co_branded_social_security_card(self) -> None:
        result = classify_text(
            [
                "东莞银行",
                "东莞市社会保障卡",
                "BANK OF DONGGUAN",
                "UnionPay",
                "银联",
                "姓名",
                "社会保障号码",
                "发卡日期",
            ]
        )

        assert result.kind is DocumentKind.SOCIAL_SECURITY_CARD
        assert result.confidence > 0.9
        assert "co-brand:银联" in result.cues

    def test_a_bank_card_naming_social_security_in_its_small_print_stays_unknown(self) -> None:
        result = classify_text(
            ["中国工商银行", "银联 UnionPay", "储蓄卡 DEBIT", "可绑定社会保障卡账户，详询网点"]
        )

        assert result.kind is DocumentKind.UNKNOWN

    def test_form_asking_about_a_residence_permit_is_not_one(self) -> None:
        result = classify_text(
            [
                "个人信息登记表",
                "申报学院（部门）：",
                "姓名",
                "性别 女",
                "出生日期 1997年12月17日",
                "民族 汉",
                "证件类型 证件号码",
                "有无上海市居住证",
                "居住证有效期",
            ]
        )

        assert result.kind is DocumentKind.UNKNOWN
        assert "foreign:title:个人信息登记表" in result.cues

    def test_a_title_inside_a_label_is_only_a_mention(self) -> None:
        heading = classify_text(["广东省居住证", "姓名 李四"])
        mention = classify_text(["姓名 李四", "性别 男", "籍贯 广东", "居住证有效期 2020"])

        assert heading.kind is DocumentKind.RESIDENCE_PERMIT
        assert mention.kind is not DocumentKind.RESIDENCE_PERMIT

    def test_exam_paper_heading_speaks_for_unknown(self) -> None:
        result = classify_text(
            ["绝密★启用前", "2021年普通高等学校招生全国统一考试", "数学", "姓名 准考证号"]
        )

        assert result.kind is DocumentKind.UNKNOWN
