from __future__ import annotations

import pytest

from ocr.domain import DocumentKind
from ocr.fields import (
    cells_to_read_again,
    extract_fields,
    find_id_numbers,
    normalise_date,
    repair_id_number,
)
from tests.unit.ocr.fake_engine import line

VALID_ID = "32100219650312102X"  # fake, valid check character


def _values(kind: DocumentKind, lines: list) -> dict[str, str]:  # type: ignore[type-arg]
    found = extract_fields(kind, lines, width=1000, height=1000)
    return {name: f.value for name, f in found.items()}


class TestNormaliseDate:
    @pytest.mark.parametrize(
        "text", ["2020年3月5日", "2020.03.05", "2020-03-05", "2020 年 3 月 5 日", "出生2020/3/5"]
    )
    def test_dates_come_out_iso(self, text: str) -> None:
        assert normalise_date(text) == "2020-03-05"

    def test_impossible_dates_are_rejected(self) -> None:
        assert normalise_date("2020年2月30日") is None


class TestRepairIdNumber:
    def test_valid_number_is_kept(self) -> None:
        assert repair_id_number(VALID_ID) == (VALID_ID, True)

    @pytest.mark.parametrize(
        "read",
        ["32100219650312I02X", "3210021965O31210ZX", "32100219650312102x", "3Z10021965031Z1O2X"],
    )
    def test_confusions_are_repaired_when_the_check_then_holds(self, read: str) -> None:
        assert repair_id_number(read) == (VALID_ID, True)

    def test_no_repair_when_the_check_still_fails(self) -> None:
        number, valid = repair_id_number("32100219650312I03X")

        assert not valid
        assert number == "32100219650312I03X"

    def test_candidates_found_inside_text(self) -> None:
        assert find_id_numbers(f"公民身份号码 {VALID_ID[:6]} {VALID_ID[6:]}") == [(VALID_ID, True)]


class TestIdCardFront:
    def test_labels_with_values_on_the_same_line(self) -> None:
        lines = [
            line("姓名王建国", 50, 50),
            line("性别男民族汉", 50, 120),
            line("出生1965年3月12日", 50, 190),
            line("住址江苏省扬州市广陵区", 50, 260),
            line("文昌路8号", 110, 300),
            line("公民身份号码 " + VALID_ID, 50, 420),
        ]

        values = _values(DocumentKind.ID_CARD_FRONT, lines)

        assert values == {
            "name": "王建国",
            "sex": "男",
            "ethnicity": "汉",
            "birth_date": "1965-03-12",
            "address": "江苏省扬州市广陵区文昌路8号",
            "id_number": VALID_ID,
        }

    def test_value_on_its_own_box_to_the_right_of_the_label(self) -> None:
        lines = [
            line("姓名", 50, 50),
            line("李小红", 200, 52),
            line("民族", 50, 120),
            line("回", 200, 121),
        ]

        values = _values(DocumentKind.ID_CARD_FRONT, lines)

        assert values["name"] == "李小红"
        assert values["ethnicity"] == "回"

    def test_a_short_value_is_not_passed_over_for_the_next_label_on_its_row(self) -> None:
        # 性别 | 女 | 年龄 | 33岁: the next label sits a little higher than the value.
        lines = [
            line("姓名", 50, 50),
            line("曾慧霞", 160, 50),
            line("性别", 400, 50),
            line("女", 500, 53),
            line("年龄", 540, 49),
            line("33岁", 620, 50),
        ]

        assert _values(DocumentKind.REFERRAL_FORM, lines)["sex"] == "女"

    def test_value_just_below_the_label(self) -> None:
        lines = [line("公民身份号码", 50, 400), line(VALID_ID, 50, 440)]

        assert _values(DocumentKind.ID_CARD_FRONT, lines)["id_number"] == VALID_ID

    def test_unrepairable_id_keeps_a_low_confidence(self) -> None:
        lines = [line("公民身份号码 32100219650312I03X", 50, 400)]

        found = extract_fields(DocumentKind.ID_CARD_FRONT, lines, width=1000, height=1000)

        assert found["id_number"].confidence < 0.5


class TestOtherKinds:
    def test_id_back_validity(self) -> None:
        lines = [
            line("签发机关 扬州市公安局广陵分局", 50, 300),
            line("有效期限 2015.03.05-2035.03.05", 50, 360),
        ]

        assert _values(DocumentKind.ID_CARD_BACK, lines) == {
            "issuer": "扬州市公安局广陵分局",
            "valid_from": "2015-03-05",
            "valid_until": "2035-03-05",
        }

    def test_id_back_long_term_validity(self) -> None:
        lines = [line("有效期限 2015.03.05-长期", 50, 360)]

        assert _values(DocumentKind.ID_CARD_BACK, lines)["valid_until"] == "长期"

    def test_dispatch_letter_free_text(self) -> None:
        lines = [
            line("派出证明", 400, 50),
            line(f"兹证明王建国同志（身份证号码：{VALID_ID}）系我单位在职职工，", 50, 150, w=900),
            line(
                "因工作需要，由我单位派往苏州市吴江区工作，派驻期限自2024年1月1日至2025年12月31日。",
                50,
                190,
                w=900,
            ),
            line("扬州明达科技有限公司", 600, 500, w=300),
            line("2024年1月2日", 640, 560, w=200),
        ]

        values = _values(DocumentKind.DISPATCH_LETTER, lines)

        assert values["name"] == "王建国"
        assert values["id_number"] == VALID_ID
        assert values["destination"] == "苏州市"
        assert values["employer"] == "扬州明达科技有限公司"
        assert values["date"] == "2024-01-02"
        assert values["valid_from"] == "2024-01-01"
        assert values["valid_until"] == "2025-12-31"

    def test_value_wrapped_in_a_tall_cell_beside_its_label(self) -> None:
        lines = [
            line("住址", 50, 100),
            line("江苏省苏州市吴中区东吴北路184号32幢601", 200, 80, w=600),
            line("室", 200, 116),
            line("户口登记机关 某派出所", 50, 200),
        ]

        values = _values(DocumentKind.HUKOU_FRONT, lines)

        assert values["address"] == "江苏省苏州市吴中区东吴北路184号32幢601室"

    def test_address_stops_before_a_date_row(self) -> None:
        lines = [
            line("坐落 江苏省苏州市姑苏区人民路153号13幢601室", 50, 100, w=700),
            line("2017年11月16日", 95, 140),
        ]

        assert _values(DocumentKind.PROPERTY_CERTIFICATE, lines)["address"] == (
            "江苏省苏州市姑苏区人民路153号13幢601室"
        )

    def test_unknown_documents_have_no_fields(self) -> None:
        assert _values(DocumentKind.UNKNOWN, [line("姓名 王建国", 0, 0)]) == {}


class TestEmptyValueCells:
    def _cells(self, kind: DocumentKind, lines: list) -> list:  # type: ignore[type-arg]
        fields = extract_fields(kind, lines, width=1000, height=1000)
        return cells_to_read_again(kind, lines, fields)

    def test_label_read_alone_before_the_next_label_gives_the_cell_between(self) -> None:
        # 姓名 | (name missed) | 户主或与户主关系 | 户主
        lines = [
            line("姓名", 50, 100),
            line("户主或与户主关系", 500, 100),
            line("户主", 800, 100),
        ]

        cells = self._cells(DocumentKind.HUKOU_PERSON, lines)

        assert len(cells) == 1
        x0, y0, x1, y1 = cells[0]
        assert 110 < x0 < 120
        assert 490 < x1 < 500
        assert y0 < 100
        assert y1 > 130

    def test_label_alone_at_the_row_end_gives_ten_label_heights(self) -> None:
        lines = [line("户主姓名", 50, 100), line("户号", 50, 200), line("123456789", 200, 200)]

        cells = self._cells(DocumentKind.HUKOU_FRONT, lines)

        assert len(cells) == 1
        assert cells[0][2] == pytest.approx(170 + 300 - 6)

    def test_no_cell_when_the_value_was_read(self) -> None:
        lines = [
            line("姓名", 50, 100),
            line("郭杰", 200, 100),
            line("户主或与户主关系", 500, 100),
            line("户主", 800, 100),
        ]

        assert self._cells(DocumentKind.HUKOU_PERSON, lines) == []

    def test_no_cell_for_a_label_with_its_value_on_the_same_line(self) -> None:
        assert self._cells(DocumentKind.ID_CARD_FRONT, [line("姓名 王建国", 50, 100)]) == []

    def test_no_cell_when_the_gap_is_too_narrow_for_a_value(self) -> None:
        lines = [line("姓名", 50, 100), line("户主或与户主关系", 130, 100), line("户主", 400, 100)]

        assert self._cells(DocumentKind.HUKOU_PERSON, lines) == []

    def test_a_value_failing_its_check_is_read_again_with_a_margin(self) -> None:
        lines = [
            line("公民身份证件编号", 50, 100),
            line("3502598096190539", 300, 100),
            line("血型", 900, 100),
        ]

        (cell,) = self._cells(DocumentKind.HUKOU_PERSON, lines)

        assert cell[0] < 300
        assert cell[2] == pytest.approx(300 + 30 * 16 + 2 * 30 - 6)  # its end, and a margin

    def test_a_one_character_name_is_read_again_with_its_pieces(self) -> None:
        lines = [line("姓名", 50, 100), line("王", 200, 100), line("静", 300, 100)]

        (cell,) = self._cells(DocumentKind.REFERRAL_FORM, lines)

        assert cell[2] > 330

    def test_a_relation_outside_the_code_table_is_read_again(self) -> None:
        lines = [line("户主或与户主关系", 50, 100), line("华", 400, 100)]

        (cell,) = self._cells(DocumentKind.HUKOU_PERSON, lines)

        assert cell[0] < 400 < cell[2]

    def test_kinds_without_cells_give_none(self) -> None:
        assert self._cells(DocumentKind.DISPATCH_LETTER, [line("姓名", 50, 100)]) == []


class TestSignature:
    def test_a_name_after_the_signature_label_is_the_signature(self) -> None:
        lines = [line("本人周明霞，身份证号码", 50, 50), line("承诺人（签字）：周明霞", 300, 400)]

        assert _values(DocumentKind.COMMITMENT_LETTER, lines)["signature"] == "周明霞"

    def test_a_signature_beside_the_label(self) -> None:
        lines = [line("承诺人（签字）：", 300, 400), line("胡洋", 560, 404)]

        assert _values(DocumentKind.COMMITMENT_LETTER, lines)["signature"] == "胡洋"

    def test_an_empty_signature_line_is_not_signed_by_the_line_below(self) -> None:
        lines = [
            line("承诺人（签字）：", 300, 400),
            line("联系电话：13459792122", 300, 440),
            line("日期：2025年12月10日", 300, 480),
        ]

        assert "signature" not in _values(DocumentKind.COMMITMENT_LETTER, lines)

    def test_only_a_short_run_of_chinese_characters_counts(self) -> None:
        lines = [line("承诺人（签字）：13459792122", 300, 400)]

        assert "signature" not in _values(DocumentKind.COMMITMENT_LETTER, lines)

    def test_worker_and_doctor_signatures(self) -> None:
        contract = [line("乙方（劳动者）：李强", 50, 50), line("乙方（签字）：李强", 500, 600)]
        referral = [line("患者姓名 王静", 50, 50), line("医师签字：赵敏", 100, 600)]

        assert _values(DocumentKind.LABOR_CONTRACT, contract)["signature"] == "李强"
        assert _values(DocumentKind.REFERRAL_FORM, referral)["signature"] == "赵敏"

    def test_an_unsigned_letter_offers_the_signature_cell_for_a_second_look(self) -> None:
        lines = [line("承诺人（签字）：", 300, 400), line("联系电话：13459792122", 300, 440)]
        fields = extract_fields(DocumentKind.COMMITMENT_LETTER, lines, width=1000, height=1000)

        (cell,) = cells_to_read_again(DocumentKind.COMMITMENT_LETTER, lines, fields)

        assert cell[0] > 300 + 30 * 8


class TestPlacesInRunningText:
    @pytest.mark.parametrize(
        ("sentence", "place"),
        [
            ("因工作需要，派往上海工作，期限一年。", "上海"),
            ("现外派至苏州市吴江区从事技术支持。", "苏州市"),
            ("该同志自2024年起常驻厦门，负责华东区业务。", "厦门"),
            (
                "自2024年1月1日起在我单位工作，现由单位安排在上海市浦东新区长期从事销售工作。",
                "上海市",
            ),
            ("经公司研究决定，派遣其到杭州市上城区负责设备维护工作。", "杭州市"),
            ("自2024年1月1日起在我单位工作，后前往邢台开展项目。", "邢台"),
        ],
    )
    def test_a_dispatch_letter_names_where_it_sends_the_person(
        self, sentence: str, place: str
    ) -> None:
        lines = [
            line("外派证明", 400, 50),
            line("兹证明王建国系我公司员工。", 50, 150, w=900),
            line(sentence, 50, 190, w=900),
        ]

        assert _values(DocumentKind.DISPATCH_LETTER, lines)["destination"] == place

    @pytest.mark.parametrize(
        ("sentence", "place"),
        [
            ("乙方工作地点为上海市浦东新区张江路，甲方可调整。", "上海市浦东新区张江路"),
            ("甲方安排乙方在苏州从事销售工作。", "苏州"),
            ("工作地点：杭州市上城区", "杭州市上城区"),
        ],
    )
    def test_a_labour_contract_names_the_place_of_work(self, sentence: str, place: str) -> None:
        lines = [line("劳动合同书", 400, 50), line(sentence, 50, 190, w=900)]

        assert _values(DocumentKind.LABOR_CONTRACT, lines)["work_place"] == place

    def test_a_clause_after_the_label_is_not_the_place(self) -> None:
        clause = "二、工作内容和工作地点：乙方同意根据甲方工作需要，在北京市朝阳区从事销售工作。"
        lines = [line("劳动合同", 400, 50), line(clause, 50, 190, w=900)]

        assert _values(DocumentKind.LABOR_CONTRACT, lines)["work_place"] == "北京市朝阳区"

    def test_the_next_label_is_not_the_place(self) -> None:
        lines = [
            line("劳动合同书", 400, 50),
            line("工作地点：", 50, 190),
            line("合同期限：", 50, 260),
        ]

        assert "work_place" not in _values(DocumentKind.LABOR_CONTRACT, lines)

    def test_the_employer_itself_is_not_a_place_of_work(self) -> None:
        lines = [line("劳动合同书", 400, 50), line("乙方在本公司从事管理工作。", 50, 190, w=900)]

        assert "work_place" not in _values(DocumentKind.LABOR_CONTRACT, lines)


class TestIssuersWithoutTheirLabel:
    def test_a_referral_form_titled_with_its_hospital(self) -> None:
        lines = [
            line("扬州市第一人民医院", 300, 30),
            line("转诊转院申请表", 320, 80),
            line("转往医院：复旦大学附属肿瘤医院", 50, 300, w=700),
        ]

        assert _values(DocumentKind.REFERRAL_FORM, lines)["hospital"] == "扬州市第一人民医院"

    def test_a_referral_form_naming_the_referring_institution(self) -> None:
        lines = [line("转出医疗机构：邢台市人民医院", 50, 200, w=700)]

        assert _values(DocumentKind.REFERRAL_FORM, lines)["hospital"] == "邢台市人民医院"

    def test_a_property_certificate_names_its_registry(self) -> None:
        lines = [
            line("不动产权证书", 300, 30),
            line("登记机构（章）", 50, 600),
            line("上海市不动产登记局", 50, 650, w=400),
        ]

        assert _values(DocumentKind.PROPERTY_CERTIFICATE, lines)["issuer"] == "上海市不动产登记局"


class TestLabelsAreNotValues:
    def test_a_signature_label_is_not_the_signers_name(self) -> None:
        lines = [line("承诺人", 50, 500), line("签字", 200, 500), line("2025年6月1日", 50, 560)]

        values = _values(DocumentKind.COMMITMENT_LETTER, lines)

        assert values.get("name") != "签字"
        assert "signature" not in values

    def test_the_next_rows_label_is_not_a_place_of_work(self) -> None:
        lines = [line("服务处所", 50, 300), line("何时由何地迁来本市(县)", 50, 340, w=400)]

        assert "work_place" not in _values(DocumentKind.HUKOU_PERSON, lines)


class TestAddress:
    def test_a_birth_date_run_into_the_address_is_not_part_of_it(self) -> None:
        lines = [line("住址 1986年7月23日江苏省苏州市姑苏区干将东路236号", 50, 250, w=900)]

        assert (
            _values(DocumentKind.ID_CARD_FRONT, lines)["address"]
            == "江苏省苏州市姑苏区干将东路236号"
        )

    def test_a_date_alone_is_no_address(self) -> None:
        lines = [line("住址 1991年4月22日", 50, 250, w=600)]

        assert "address" not in _values(DocumentKind.ID_CARD_FRONT, lines)
