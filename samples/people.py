"""Fake people and the places, employers and hospitals their documents name.

Everything is made up except the geography: cities, districts and their
GB/T 2260 codes are real so that ID numbers, addresses and issuing
authorities agree with each other the way they do on real documents. ID
numbers carry a valid ISO 7064 MOD 11-2 check character but belong to nobody.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from intake.identity import fake_id_number

__all__ = [
    "CITIES",
    "City",
    "District",
    "Employer",
    "Hospital",
    "Person",
    "city_by_code",
    "find_city",
    "make_name",
    "make_person",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class District:
    """A district (区/县) with its GB/T 2260 code and a few real street names."""

    code: str
    name: str
    streets: tuple[str, ...]
    station: str
    """A police station (派出所) name stem for household-register stamps."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Hospital:
    """A designated hospital and its grade (医院等级)."""

    name: str
    grade: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Employer:
    """A (made-up) employer based in a city."""

    name: str
    city_code: str
    representative: str


@dataclass(frozen=True, slots=True, kw_only=True)
class City:
    """A prefecture-level city (or a municipality) with its districts and hospitals."""

    code: str
    province: str
    name: str
    abbreviation: str
    """The one-character province abbreviation printed on property certificates (苏, 闽)."""
    districts: tuple[District, ...]
    hospitals: tuple[Hospital, ...]
    employers: tuple[str, ...]

    @property
    def is_municipality(self) -> bool:
        return self.province == self.name

    def full_name(self, district: District | None = None) -> str:
        """``江苏省扬州市广陵区``; municipalities are not repeated (``上海市黄浦区``)."""
        head = self.name if self.is_municipality else f"{self.province}{self.name}"
        return head + (district.name if district else "")

    def police_bureau(self, district: District | None = None) -> str:
        """``扬州市公安局广陵分局``, or ``扬州市公安局`` without a district."""
        if district is None:
            return f"{self.name}公安局"
        short = (
            district.name.removesuffix("新区") if district.name.endswith("新区") else district.name
        )
        short = short[:-1] if len(short) > 2 else short
        return f"{self.name}公安局{short}分局"


def _d(code: str, name: str, station: str, *streets: str) -> District:
    return District(code=code, name=name, streets=streets, station=station)


def _h(name: str, grade: str = "三级甲等") -> Hospital:
    return Hospital(name=name, grade=grade)


CITIES: Final[tuple[City, ...]] = (
    City(
        code="321000",
        province="江苏省",
        name="扬州市",
        abbreviation="苏",
        districts=(
            _d("321002", "广陵区", "文昌", "文昌中路", "汶河南路", "东关街", "运河南路"),
            _d("321003", "邗江区", "蒋王", "江阳中路", "扬子江北路", "邗江中路", "文汇西路"),
            _d("321012", "江都区", "仙女", "龙城路", "长江路", "文昌东路"),
        ),
        hospitals=(
            _h("扬州市第一人民医院"),
            _h("苏北人民医院"),
            _h("扬州大学附属医院"),
            _h("扬州市中医院"),
            _h("扬州市江都人民医院", "三级乙等"),
            _h("扬州市广陵区人民医院", "二级甲等"),
        ),
        employers=(
            "扬州华宇机械制造有限公司",
            "江苏恒通建设工程有限公司",
            "扬州润扬物流有限公司",
            "扬州市广陵区教育局",
            "扬州鑫源化工有限公司",
        ),
    ),
    City(
        code="320500",
        province="江苏省",
        name="苏州市",
        abbreviation="苏",
        districts=(
            _d("320508", "姑苏区", "平江", "干将东路", "人民路", "十全街"),
            _d("320509", "吴江区", "松陵", "中山南路", "松陵大道", "鲈乡南路", "仲英大道"),
            _d("320506", "吴中区", "长桥", "东吴北路", "宝带西路"),
        ),
        hospitals=(
            _h("苏州大学附属第一医院"),
            _h("苏州市立医院"),
            _h("苏州市吴江区第一人民医院", "三级乙等"),
            _h("苏州市吴江区中医医院", "二级甲等"),
        ),
        employers=(
            "苏州新锐电子科技有限公司",
            "吴江盛泽丝绸印染有限公司",
            "苏州工业园区恒达精密机械有限公司",
            "苏州吴江同里旅游发展有限公司",
        ),
    ),
    City(
        code="350200",
        province="福建省",
        name="厦门市",
        abbreviation="闽",
        districts=(
            _d("350203", "思明区", "中华", "湖滨南路", "厦禾路", "鹭江道", "思明南路"),
            _d("350206", "湖里区", "江头", "嘉禾路", "仙岳路", "湖里大道"),
        ),
        hospitals=(
            _h("厦门大学附属第一医院"),
            _h("厦门大学附属中山医院"),
            _h("厦门市中医院"),
        ),
        employers=("厦门海润贸易有限公司", "厦门鹭岛软件有限公司", "厦门金港船务有限公司"),
    ),
    City(
        code="130500",
        province="河北省",
        name="邢台市",
        abbreviation="冀",
        districts=(_d("130502", "襄都区", "南长街", "中兴东大街", "新华北路", "守敬北路"),),
        hospitals=(_h("邢台市人民医院"), _h("邢台市第三医院", "三级乙等")),
        employers=("邢台通达物流有限公司", "河北冀中钢铁有限公司", "邢台市襄都区供水公司"),
    ),
    City(
        code="310000",
        province="上海市",
        name="上海市",
        abbreviation="沪",
        districts=(
            _d("310101", "黄浦区", "南京东路", "南京东路", "淮海中路", "西藏中路"),
            _d("310104", "徐汇区", "徐家汇", "漕溪北路", "肇嘉浜路", "天钥桥路"),
            _d("310115", "浦东新区", "陆家嘴", "世纪大道", "张杨路", "浦东南路"),
            _d("310118", "青浦区", "夏阳", "公园路", "城中北路"),
        ),
        hospitals=(
            _h("复旦大学附属中山医院"),
            _h("上海交通大学医学院附属瑞金医院"),
            _h("复旦大学附属华山医院"),
            _h("复旦大学附属肿瘤医院"),
        ),
        employers=("上海申联信息技术有限公司", "上海浦江建设集团有限公司", "上海东方医药有限公司"),
    ),
    City(
        code="320100",
        province="江苏省",
        name="南京市",
        abbreviation="苏",
        districts=(
            _d("320102", "玄武区", "梅园新村", "中山路", "北京东路", "珠江路"),
            _d("320106", "鼓楼区", "宁海路", "中山北路", "湖南路"),
        ),
        hospitals=(_h("江苏省人民医院"), _h("南京鼓楼医院")),
        employers=("南京金陵软件有限公司", "江苏苏宁电器销售有限公司"),
    ),
    City(
        code="110000",
        province="北京市",
        name="北京市",
        abbreviation="京",
        districts=(
            _d("110101", "东城区", "东华门", "王府井大街", "东长安街", "朝阳门内大街"),
            _d("110105", "朝阳区", "三里屯", "工人体育场北路", "建国路"),
        ),
        hospitals=(_h("北京协和医院"), _h("北京大学第一医院"), _h("北京天坛医院")),
        employers=("北京中科信达科技有限公司", "北京华夏建工集团有限公司"),
    ),
    City(
        code="330100",
        province="浙江省",
        name="杭州市",
        abbreviation="浙",
        districts=(
            _d("330102", "上城区", "湖滨", "解放路", "延安路", "清泰街"),
            _d("330106", "西湖区", "北山", "文三路", "天目山路"),
        ),
        hospitals=(_h("浙江大学医学院附属第一医院"), _h("浙江省人民医院")),
        employers=("杭州西子电子商务有限公司", "浙江钱塘建设有限公司"),
    ),
    City(
        code="440300",
        province="广东省",
        name="深圳市",
        abbreviation="粤",
        districts=(
            _d("440304", "福田区", "福田", "深南大道", "福华路", "金田路"),
            _d("440305", "南山区", "粤海", "科技园路", "南海大道"),
        ),
        hospitals=(_h("深圳市人民医院"), _h("北京大学深圳医院")),
        employers=("深圳前海智联科技有限公司", "深圳南海电子有限公司"),
    ),
    City(
        code="440100",
        province="广东省",
        name="广州市",
        abbreviation="粤",
        districts=(
            _d("440104", "越秀区", "北京街", "中山五路", "北京路", "东风中路"),
            _d("440106", "天河区", "天河南", "天河路", "体育西路"),
        ),
        hospitals=(_h("中山大学附属第一医院"), _h("广东省人民医院")),
        employers=("广州羊城贸易有限公司", "广东珠江航运有限公司"),
    ),
    City(
        code="510100",
        province="四川省",
        name="成都市",
        abbreviation="川",
        districts=(
            _d("510104", "锦江区", "春熙路", "红星路", "东大街", "人民南路"),
            _d("510107", "武侯区", "浆洗街", "武侯祠大街", "一环路南一段"),
        ),
        hospitals=(_h("四川大学华西医院"), _h("四川省人民医院")),
        employers=("成都天府软件有限公司", "四川蜀道建设集团有限公司"),
    ),
    City(
        code="120000",
        province="天津市",
        name="天津市",
        abbreviation="津",
        districts=(_d("120101", "和平区", "劝业场", "南京路", "滨江道"),),
        hospitals=(_h("天津医科大学总医院"),),
        employers=("天津港航物流有限公司",),
    ),
    City(
        code="130100",
        province="河北省",
        name="石家庄市",
        abbreviation="冀",
        districts=(_d("130102", "长安区", "建北", "中山东路", "建设北大街"),),
        hospitals=(_h("河北医科大学第二医院"),),
        employers=("石家庄恒信药业有限公司",),
    ),
    City(
        code="320200",
        province="江苏省",
        name="无锡市",
        abbreviation="苏",
        districts=(_d("320213", "梁溪区", "崇安寺", "中山路", "人民中路"),),
        hospitals=(_h("无锡市人民医院"),),
        employers=("无锡太湖精工机械有限公司",),
    ),
    City(
        code="330400",
        province="浙江省",
        name="嘉兴市",
        abbreviation="浙",
        districts=(_d("330421", "嘉善县", "魏塘", "体育南路", "施家南路"),),
        hospitals=(_h("嘉兴市第一医院"), _h("嘉善县第一人民医院", "二级甲等")),
        employers=("嘉善华丰纺织有限公司",),
    ),
    City(
        code="350100",
        province="福建省",
        name="福州市",
        abbreviation="闽",
        districts=(_d("350102", "鼓楼区", "东街", "五四路", "八一七北路"),),
        hospitals=(_h("福建医科大学附属协和医院"),),
        employers=("福州闽江电子有限公司",),
    ),
    City(
        code="370200",
        province="山东省",
        name="青岛市",
        abbreviation="鲁",
        districts=(_d("370202", "市南区", "八大关", "香港中路", "中山路"),),
        hospitals=(_h("青岛大学附属医院"),),
        employers=("青岛海晟电器有限公司",),
    ),
)

_MUNICIPAL: Final = frozenset({"11", "12", "31", "50"})

# The cities insured people mostly come from (the service's own regions) and go to.
_HOME_WEIGHTS: Final[dict[str, int]] = {
    "321000": 5,
    "320500": 4,
    "350200": 3,
    "130500": 3,
    "310000": 1,
    "320100": 1,
}

_SURNAMES: Final = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔"
)
_COMPOUND_SURNAMES: Final = ("欧阳", "司马", "诸葛", "上官")
_MALE_GIVEN: Final = (
    "建国伟强军磊明勇杰涛斌超刚平辉鹏华飞鑫波宇浩凯健俊帆文志国庆海东林峰永成荣新春德"
)
_FEMALE_GIVEN: Final = "秀英芳娟敏静丽艳娜霞玲梅红燕琳雪婷慧兰琴云莉萍洁佳颖月凤桂珍晓玉倩欣怡"
_ETHNICITIES: Final = ("汉",) * 40 + ("回", "满", "蒙古", "壮", "苗", "土家", "彝", "朝鲜", "畲")
_RELATIONS: Final[dict[str, tuple[str, ...]]] = {
    "男": ("户主", "夫", "子", "父", "孙子", "之子"),
    "女": ("户主", "妻", "女", "母", "孙女", "之女"),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Person:
    """A made-up insured person and the facts their documents repeat."""

    name: str
    sex: str
    birth_date: date
    ethnicity: str
    id_number: str
    city: City
    """Where the household is registered (the ID number's region)."""
    district: District
    address: str
    """The household-register address, as printed on the ID card."""
    employer: Employer
    household_head: str
    relation: str
    household_number: str
    phone: str

    @property
    def region_code(self) -> str:
        return self.district.code


def city_by_code(code: str) -> City:
    """The city whose own code or one of whose district codes is ``code``.

    Other district codes of a known city give that city; a province code
    gives one of its cities.

    Raises:
        KeyError: No city in :data:`CITIES` has that code.
    """
    for city in CITIES:
        if city.code == code or any(d.code == code for d in city.districts):
            return city
    # Another district of a known city, or a province: the nearest city we know.
    for prefix in (code[:4], code[:2] if code.endswith("0000") or code[:2] in _MUNICIPAL else ""):
        for city in CITIES:
            if prefix and city.code.startswith(prefix):
                return city
    raise KeyError(code)


def find_city(value: str) -> City:
    """Look a city up by GB/T 2260 code (city or district) or by name (``厦门`` / ``厦门市``).

    Raises:
        KeyError: No city matches.
    """
    if value.isdigit():
        return city_by_code(value)
    for city in CITIES:
        if value in {city.name, city.name.removesuffix("市")}:
            return city
        if any(value == d.name for d in city.districts):
            return city
    raise KeyError(value)


def make_name(rng: random.Random, *, sex: str | None = None) -> str:
    """A plausible Chinese name: a common surname and a one- or two-character given name."""
    sex = sex or rng.choice(("男", "女"))
    surname = rng.choice(_COMPOUND_SURNAMES) if rng.random() < 0.02 else rng.choice(_SURNAMES)
    pool = _MALE_GIVEN if sex == "男" else _FEMALE_GIVEN
    length = 1 if rng.random() < 0.3 else 2
    return surname + "".join(rng.choice(pool) for _ in range(length))


def make_address(rng: random.Random, city: City, district: District) -> str:
    """A street address in the district: ``江苏省扬州市广陵区文昌中路100号3幢201室``."""
    street = rng.choice(district.streets)
    number = rng.randint(1, 399)
    tail = ""
    if rng.random() < 0.6:
        tail = f"{rng.randint(1, 32)}幢{rng.randint(1, 6)}{rng.randint(1, 2):02d}室"
    return f"{city.full_name(district)}{street}{number}号{tail}"


def make_employer(rng: random.Random, city: City) -> Employer:
    """One of the city's made-up employers with a legal representative."""
    return Employer(
        name=rng.choice(city.employers), city_code=city.code, representative=make_name(rng)
    )


def make_person(
    rng: random.Random,
    *,
    city: City | str | None = None,
    sex: str | None = None,
    birth_date: date | None = None,
    today: date = date(2025, 6, 1),
) -> Person:
    """Make up a person registered in ``city`` (a code or name; weighted random when omitted).

    Args:
        rng: The random source; the same seed gives the same person.
        city: Where the household is registered, as a :class:`City`, code or name.
        sex: ``男`` or ``女``; random when omitted.
        birth_date: Random between 18 and 85 years before ``today`` when omitted.
        today: The reference day for ages.

    Returns:
        A person whose ID number agrees with their district, birth date and sex.
    """
    if city is None:
        codes = list(_HOME_WEIGHTS)
        home = city_by_code(rng.choices(codes, weights=[_HOME_WEIGHTS[c] for c in codes])[0])
    else:
        home = city if isinstance(city, City) else find_city(city)
    district = rng.choice(home.districts)
    sex = sex or rng.choice(("男", "女"))
    if birth_date is None:
        birth_date = today - timedelta(days=rng.randint(18 * 365, 85 * 365))
    name = make_name(rng, sex=sex)
    relation = rng.choice(_RELATIONS[sex]) if rng.random() < 0.5 else "户主"
    head = name if relation == "户主" else name[0] + make_name(rng, sex="男")[1:]
    return Person(
        name=name,
        sex=sex,
        birth_date=birth_date,
        ethnicity=rng.choice(_ETHNICITIES),
        id_number=fake_id_number(rng, region=district.code, birth=birth_date, sex=sex),
        city=home,
        district=district,
        address=make_address(rng, home, district),
        employer=make_employer(rng, home),
        household_head=head,
        relation=relation,
        household_number=f"{rng.randint(1, 9)}{rng.randint(0, 99999999):08d}",
        phone=f"1{rng.choice('35789')}{rng.randint(0, 999999999):09d}",
    )
