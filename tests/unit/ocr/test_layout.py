from __future__ import annotations

from ocr.layout import PageLine, Region, bounds_of, split_columns, split_regions, upright_lines
from tests.unit.ocr.fake_engine import line


class TestSplitRegions:
    def test_blocks_separated_by_a_wide_gap_are_cut(self) -> None:
        top = [line("中华人民共和国", 100, 100), line("居民身份证", 100, 140)]
        bottom = [line("姓名 王建国", 100, 600), line("性别 男", 100, 640)]

        regions = split_regions([*bottom, *top])

        assert [len(r.lines) for r in regions] == [2, 2]
        assert regions[0].box == bounds_of(top)

    def test_close_lines_stay_together(self) -> None:
        lines = [line("姓名 王建国", 100, 100 + 45 * i) for i in range(5)]

        assert len(split_regions(lines)) == 1

    def test_columns_split_only_side_by_side(self) -> None:
        left = [line("常住人口登记簿", 50, 100 + 45 * i, w=300) for i in range(4)]
        right = [line("常住人口登记卡", 400, 100 + 45 * i, w=300) for i in range(4)]

        columns = split_columns([*left, *right], gap_lines=0.8)

        assert [r.box[0] for r in columns] == [50, 400]


class TestUprightLines:
    def test_mostly_flipped_region_is_mirrored_through_its_centre(self) -> None:
        # Read upside down: the number line (printed last) sits at the top of the image.
        lines = (
            PageLine(text="公民身份号码", box=(100, 100, 280, 130), confidence=0.9, flipped=True),
            PageLine(text="姓名 王建国", box=(150, 500, 330, 530), confidence=0.9, flipped=True),
        )
        region = Region(lines=lines, box=bounds_of(lines))

        turned, was_turned = upright_lines(region)

        assert was_turned
        assert turned[0].box[1] > turned[1].box[1]  # the number line is now below the name
        assert not any(item.flipped for item in turned)

    def test_upright_region_is_left_alone(self) -> None:
        lines = (line("姓名 王建国", 100, 100), line("性别 男", 100, 140))
        region = Region(lines=lines, box=bounds_of(lines))

        assert upright_lines(region) == (lines, False)
