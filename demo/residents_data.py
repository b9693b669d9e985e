"""The tables the demo ledger is drawn from: which seed report each community follows, where
people come from (GB/T 2260 region codes for their ID numbers), and the names, languages
and work of each 民族. Read by ``demo.residents``."""

from __future__ import annotations

from bisect import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate
from random import Random

from faker.providers.person.zh_CN import Provider as FakerPerson
from faker.providers.phone_number.zh_CN import Provider as FakerPhone

from .org import BIANDIANSUO, DISTRICT_CODE

HAN = "汉族"


def _words(text: str) -> tuple[str, ...]:
    """A list of names written as one line, space-separated, to keep the tables short."""
    return tuple(text.split())


class Weighted:
    """Draws from ``items`` in proportion to ``weights`` (cumulative weights built once)."""

    def __init__(self, items: Iterable, weights: Iterable[float] | None = None):
        self.items = list(items)
        weights = list(weights) if weights is not None else [1] * len(self.items)
        self.cum = list(accumulate(weights))

    @classmethod
    def of(cls, pairs: Iterable[tuple]) -> Weighted:
        items, weights = zip(*pairs, strict=True)
        return cls(items, weights)

    def draw(self, rng: Random):
        return self.items[bisect(self.cum, rng.random() * self.cum[-1])]


# --- the communities: whose seed report each one follows --------------------------------------


@dataclass(frozen=True)
class Figures:
    households: int
    residents: int
    minority: int


@dataclass(frozen=True)
class Profile:
    """Who lives in a community: its 民族 and the share of minority residents, household
    sizes, and the share of households that rent or float."""

    report: str  # which seed report the mix follows, for the command's output
    minorities: tuple[tuple[str, float], ...]  # (民族, weight)
    minority_share: float  # of residents
    floating: tuple[tuple[str, float], ...]  # (民族, weight) of floating households
    sizes: tuple[float, ...] = (10, 30, 30, 18, 9, 3)  # weights of 1–6 people
    floating_share: float = 0.03  # of households in buildings
    rental_share: float = 0.06
    resident_share: float = 0.04  # 常住户: living here, registered elsewhere
    households: tuple[int, int] = (600, 1200)
    exact: Figures | None = None
    leavers: bool = True  # 迁出/死亡 residents on the ledger
    # Arrivals at least this many days back, so figures stay put for past periods' reports.
    settled_days: int = 0


# 变电所社区 (seed 000): "现有居民2142户,6476人,其中,常住少数民族人口1670人" — 汉、回、蒙、满、锡伯、朝鲜.
BIANDIANSUO_FIGURES = Figures(households=2142, residents=6476, minority=1670)

PROFILES = {
    BIANDIANSUO: Profile(
        report="阜新市清河街道变电所社区",
        minorities=(("回族", 36), ("蒙古族", 28), ("满族", 26), ("锡伯族", 6), ("朝鲜族", 4)),
        minority_share=BIANDIANSUO_FIGURES.minority / BIANDIANSUO_FIGURES.residents,
        # 外来经商少数民族同胞: the 化隆/临夏 拉面 families, and workers from nearby.
        floating=(("回族", 55), ("蒙古族", 10), (HAN, 35)),
        exact=BIANDIANSUO_FIGURES,
        leavers=False,
        settled_days=2 * 366,
    ),
    # 建林社区: 9,475 people in 3,986 households (2.4 a household), 282 of 8 minorities.
    "矿建社区": Profile(
        report="嘉峪关市钢城街道建林社区",
        minorities=(
            ("回族", 30),
            ("满族", 18),
            ("蒙古族", 14),
            ("东乡族", 12),
            ("藏族", 10),
            ("土族", 8),
            ("保安族", 4),
            ("裕固族", 4),
        ),
        minority_share=282 / 9475,
        floating=((HAN, 70), ("东乡族", 10), ("回族", 10), ("保安族", 4), ("土族", 3), ("藏族", 3)),
        sizes=(20, 38, 27, 10, 4, 1),
    ),
    # 佐斯腾社区: 1,057 households, 3,753 people (3.55 a household), 1,007 minority, 13 民族.
    "河东社区": Profile(
        report="和什托洛盖镇佐斯腾社区",
        minorities=(
            ("蒙古族", 30),
            ("哈萨克族", 25),
            ("回族", 15),
            ("维吾尔族", 12),
            ("满族", 5),
            ("锡伯族", 4),
            ("达斡尔族", 3),
            ("柯尔克孜族", 2),
            ("东乡族", 1),
            ("乌孜别克族", 1),
            ("塔塔尔族", 1),
            ("俄罗斯族", 1),
        ),
        minority_share=1007 / 3753,
        floating=((HAN, 50), ("哈萨克族", 20), ("维吾尔族", 20), ("回族", 10)),
        sizes=(5, 15, 28, 30, 15, 7),
        floating_share=0.06,
    ),
    # 团结西路社区: 4,576 people, 1,342 minority (29.3%), 517 floating, 165 rented homes.
    "北园子社区": Profile(
        report="新华南路街道团结西路社区",
        minorities=(
            ("维吾尔族", 55),
            ("回族", 25),
            ("哈萨克族", 8),
            ("蒙古族", 4),
            ("满族", 3),
            ("东乡族", 2),
            ("撒拉族", 2),
            ("乌孜别克族", 1),
        ),
        minority_share=1342 / 4576,
        floating=(("维吾尔族", 40), ("回族", 20), (HAN, 40)),
        floating_share=0.10,
        rental_share=0.10,
    ),
    # 碧海社区: 13,017 households, 49,613 people (3.8 a household), 19 minorities, 2.73%.
    "康宁社区": Profile(
        report="金阳新区碧海社区",
        minorities=(
            ("土家族", 18),
            ("苗族", 17),
            ("布依族", 15),
            ("侗族", 10),
            ("满族", 6),
            ("彝族", 5),
            ("壮族", 5),
            ("回族", 5),
            ("水族", 4),
            ("仡佬族", 3),
            ("白族", 3),
            ("蒙古族", 2),
            ("瑶族", 2),
            ("朝鲜族", 1),
            ("黎族", 1),
            ("畲族", 1),
            ("纳西族", 1),
            ("土族", 0.5),
            ("藏族", 0.5),
        ),
        minority_share=0.0273,
        floating=((HAN, 85), ("苗族", 5), ("布依族", 4), ("土家族", 3), ("侗族", 3)),
        sizes=(4, 12, 25, 32, 17, 10),
    ),
}
# A community the layout gains later: a 阜新 community like most, mostly 汉 with 蒙古, 满 and 回.
DEFAULT_PROFILE = Profile(
    report="阜新市一般社区",
    minorities=(("蒙古族", 40), ("满族", 35), ("回族", 25)),
    minority_share=0.08,
    floating=((HAN, 80), ("回族", 20)),
)


# --- places people come from ------------------------------------------------------------------

PLACE_NAMES = {
    "210902": "辽宁省阜新市海州区",
    "210903": "辽宁省阜新市新邱区",
    "210904": "辽宁省阜新市太平区",
    "210905": "辽宁省阜新市清河门区",
    "210911": "辽宁省阜新市细河区",
    "210921": "辽宁省阜新市阜新蒙古族自治县",
    "210922": "辽宁省阜新市彰武县",
    "210102": "辽宁省沈阳市和平区",
    "210106": "辽宁省沈阳市铁西区",
    "210702": "辽宁省锦州市古塔区",
    "210727": "辽宁省锦州市义县",
    "211302": "辽宁省朝阳市双塔区",
    "211381": "辽宁省北票市",
    "211402": "辽宁省葫芦岛市连山区",
    "210423": "辽宁省抚顺市清原满族自治县",
    "210521": "辽宁省本溪市本溪满族自治县",
    "150502": "内蒙古自治区通辽市科尔沁区",
    "150404": "内蒙古自治区赤峰市松山区",
    "152502": "内蒙古自治区锡林郭勒盟锡林浩特市",
    "150722": "内蒙古自治区呼伦贝尔市莫力达瓦达斡尔族自治旗",
    "220802": "吉林省白城市洮北区",
    "222401": "吉林省延边朝鲜族自治州延吉市",
    "230202": "黑龙江省齐齐哈尔市龙沙区",
    "130802": "河北省承德市双桥区",
    "130826": "河北省承德市丰宁满族自治县",
    "630224": "青海省海东市化隆回族自治县",
    "630225": "青海省海东市循化撒拉族自治县",
    "630223": "青海省海东市互助土族自治县",
    "632521": "青海省海南藏族自治州共和县",
    "622901": "甘肃省临夏回族自治州临夏市",
    "622924": "甘肃省临夏回族自治州广河县",
    "622926": "甘肃省临夏回族自治州东乡族自治县",
    "622927": "甘肃省临夏回族自治州积石山保安族东乡族撒拉族自治县",
    "623001": "甘肃省甘南藏族自治州合作市",
    "620721": "甘肃省张掖市肃南裕固族自治县",
    "640302": "宁夏回族自治区吴忠市利通区",
    "650102": "新疆维吾尔自治区乌鲁木齐市天山区",
    "653101": "新疆维吾尔自治区喀什地区喀什市",
    "653201": "新疆维吾尔自治区和田地区和田市",
    "652901": "新疆维吾尔自治区阿克苏地区阿克苏市",
    "653001": "新疆维吾尔自治区克孜勒苏柯尔克孜自治州阿图什市",
    "654002": "新疆维吾尔自治区伊犁哈萨克自治州伊宁市",
    "654022": "新疆维吾尔自治区伊犁哈萨克自治州察布查尔锡伯自治县",
    "654201": "新疆维吾尔自治区塔城地区塔城市",
    "654301": "新疆维吾尔自治区阿勒泰地区阿勒泰市",
    "540102": "西藏自治区拉萨市城关区",
    "422801": "湖北省恩施土家族苗族自治州恩施市",
    "433101": "湖南省湘西土家族苗族自治州吉首市",
    "522601": "贵州省黔东南苗族侗族自治州凯里市",
    "522631": "贵州省黔东南苗族侗族自治州黎平县",
    "522301": "贵州省黔西南布依族苗族自治州兴义市",
    "522701": "贵州省黔南布依族苗族自治州都匀市",
    "522732": "贵州省黔南布依族苗族自治州三都水族自治县",
    "520326": "贵州省遵义市务川仡佬族苗族自治县",
    "513401": "四川省凉山彝族自治州西昌市",
    "532301": "云南省楚雄彝族自治州楚雄市",
    "532901": "云南省大理白族自治州大理市",
    "530702": "云南省丽江市古城区",
    "450102": "广西壮族自治区南宁市兴宁区",
    "450332": "广西壮族自治区桂林市恭城瑶族自治县",
    "469001": "海南省五指山市",
    "331127": "浙江省丽水市景宁畲族自治县",
}
# 阜新 itself: most locals were born in 清河门区, the district the demo is.
LOCAL = Weighted.of(
    (
        (DISTRICT_CODE, 60),
        ("210902", 8),
        ("210903", 5),
        ("210904", 6),
        ("210911", 6),
        ("210921", 10),
        ("210922", 5),
    )
)
# Where 汉 people who moved here came from: the rest of 辽宁 and the neighbouring provinces.
NEARBY = Weighted.of(
    (
        ("211302", 6),
        ("211381", 4),
        ("210702", 4),
        ("210727", 3),
        ("210102", 3),
        ("210106", 3),
        ("211402", 3),
        ("150502", 4),
        ("150404", 2),
        ("220802", 2),
        ("230202", 2),
        ("130802", 2),
    )
)
HOMES = {
    "回族": Weighted.of((("630224", 5), ("622901", 3), ("622924", 1), ("640302", 2))),
    "蒙古族": Weighted(("210921", "150502", "150404", "152502")),
    "满族": Weighted(("210921", "210423", "210521", "130826")),
    "锡伯族": Weighted(("654022", "210106")),
    "朝鲜族": Weighted(("222401", "210102")),
    "藏族": Weighted(("623001", "632521", "540102")),
    "土族": Weighted(("630223",)),
    "东乡族": Weighted(("622926", "622927")),
    "保安族": Weighted(("622927",)),
    "撒拉族": Weighted(("630225",)),
    "裕固族": Weighted(("620721",)),
    "维吾尔族": Weighted(("653101", "653201", "652901", "650102")),
    "哈萨克族": Weighted(("654002", "654301", "654201")),
    "柯尔克孜族": Weighted(("653001",)),
    "乌孜别克族": Weighted(("650102",)),
    "塔塔尔族": Weighted(("654201",)),
    "俄罗斯族": Weighted(("654201",)),
    "达斡尔族": Weighted(("150722",)),
    "土家族": Weighted(("422801", "433101")),
    "苗族": Weighted(("522601", "433101")),
    "布依族": Weighted(("522301", "522701")),
    "侗族": Weighted(("522631",)),
    "彝族": Weighted(("513401", "532301")),
    "壮族": Weighted(("450102",)),
    "水族": Weighted(("522732",)),
    "仡佬族": Weighted(("520326",)),
    "白族": Weighted(("532901",)),
    "瑶族": Weighted(("450332",)),
    "黎族": Weighted(("469001",)),
    "畲族": Weighted(("331127",)),
    "纳西族": Weighted(("530702",)),
}
# 民族 whose families have lived in 阜新 for generations; the others all moved here.
NATIVE = frozenset((HAN, "回族", "蒙古族", "满族", "锡伯族", "朝鲜族"))

# What floating residents do, by where they come from.
HALAL_WORK = _words("兰州牛肉拉面馆 化隆牛肉拉面馆 清真餐馆 清真牛羊肉店 清真烧烤店")
XINJIANG_WORK = _words("新疆特色餐馆 新疆干果店 新疆烤肉店 馕坑")
BUSINESS_WORK = _words("水果店 服装店 小吃店 五金店 早餐铺")
LABOUR_WORK = _words("建筑工地 物流公司 家政服务公司 快递站 超市 汽车修理厂 饭店 装修队")
HALAL_PEOPLE = frozenset(("回族", "东乡族", "保安族", "撒拉族"))
XINJIANG_PEOPLE = frozenset(("维吾尔族", "哈萨克族", "柯尔克孜族", "乌孜别克族", "塔塔尔族"))
EXPECTED_STAY = Weighted.of((("半年", 2), ("一年", 3), ("一年以上", 4), ("三年以上", 2), ("长期", 1)))

# Second languages (with 汉语), and how many of the 民族 speak them.
LANGUAGES = {
    "蒙古族": ("蒙古语", 0.3),
    "朝鲜族": ("朝鲜语", 0.7),
    "锡伯族": ("锡伯语", 0.15),
    "维吾尔族": ("维吾尔语", 0.95),
    "哈萨克族": ("哈萨克语", 0.95),
    "柯尔克孜族": ("柯尔克孜语", 0.9),
    "乌孜别克族": ("维吾尔语", 0.8),
    "塔塔尔族": ("哈萨克语", 0.6),
    "藏族": ("藏语", 0.9),
    "东乡族": ("东乡语", 0.6),
    "土族": ("土族语", 0.5),
    "彝族": ("彝语", 0.5),
    "苗族": ("苗语", 0.4),
    "壮族": ("壮语", 0.4),
    "布依族": ("布依语", 0.3),
    "侗族": ("侗语", 0.3),
}


# --- names ------------------------------------------------------------------------------------

HAN_SURNAMES = Weighted(FakerPerson.last_names.keys(), FakerPerson.last_names.values())
# (common surnames, weighted by repetition; how often a family of that 民族 has one of them)
ETHNIC_SURNAMES = {
    "回族": ("马马马马白白丁丁哈穆沙纳海米杨李王张刘金", 0.75),
    "满族": ("关关佟佟那富金赵傅肖钮郎索罗王刘", 0.6),
    "蒙古族": ("包包包白白韩吴宝鲍乌金陈", 0.6),
    "锡伯族": ("关吴韩何佟安赵郭", 0.8),
    "朝鲜族": ("金金金李李朴朴崔郑姜尹张林韩申权", 0.95),
    "东乡族": ("马马马妥汪何赵", 0.9),
    "保安族": ("马马韩何妥", 0.9),
    "撒拉族": ("韩韩马马", 0.9),
    "土族": ("李祁鲁吕星董秦", 0.8),
    "裕固族": ("安杨钟贺兰郎", 0.8),
    "达斡尔族": ("敖郭何苏孟", 0.8),
    "土家族": ("向田彭覃冉龙", 0.7),
    "苗族": ("龙吴杨石麻王", 0.7),
    "布依族": ("韦王罗陆岑", 0.7),
    "侗族": ("吴杨石龙潘", 0.7),
    "壮族": ("韦覃黄农莫陆", 0.7),
    "彝族": ("李罗沙马", 0.6),
    "水族": ("韦潘蒙", 0.7),
    "仡佬族": ("王邹罗", 0.6),
    "白族": ("段杨赵李张", 0.7),
    "瑶族": ("盘赵邓李", 0.7),
    "黎族": ("符王吉陈", 0.7),
    "畲族": ("蓝雷钟", 0.9),
    "纳西族": ("和木杨", 0.8),
}
# Faker's given names, less its quirks (红霞 among the men's, a few characters that read oddly).
MALE_GIVEN = tuple(n for n in FakerPerson.first_names_male if n not in {"红霞", "想", "杨", "楠", "帆"})
FEMALE_GIVEN = tuple(n for n in FakerPerson.first_names_female if n not in {"畅", "柳", "瑜", "荣"})
SINGLE_MALE = tuple(n for n in MALE_GIVEN if len(n) == 1)
SINGLE_FEMALE = tuple(n for n in FEMALE_GIVEN if len(n) == 1)
# First characters of two-character given names (志强, 晓燕); the second is one of Faker's.
MALE_FIRST = _words("建 国 志 文 德 永 立 春 海 成 家 振 明 宝 金 俊 子 宇 晓 新 长 树 庆 光")
FEMALE_FIRST = _words("淑 秀 丽 春 玉 美 雅 晓 海 红 桂 凤 艳 思 欣 雨 佳 文 金 素 秋 冬")
# Names that date a person: 建国 and 淑芬 were born before the 1960s, 子轩 and 欣怡 after 2005.
OLD_MALE = _words("建国 国庆 建华 振华 德明 长海 玉林 福山 宝山 永胜 志刚 国强")
OLD_FEMALE = _words("淑芬 淑兰 桂芝 秀云 凤兰 玉珍 淑珍 桂荣 秀芝 素梅 淑华 凤琴")
YOUNG_MALE = _words("子轩 浩然 梓睿 宇航 一鸣 博文 思远 俊熙 子墨 皓轩 泽宇 铭哲")
YOUNG_FEMALE = _words("欣怡 梓涵 雨桐 诗涵 可馨 一诺 子萱 思彤 语桐 若曦 佳怡 梦琪")
MONGOL_MALE = _words("巴特尔 额尔敦 那仁 宝音 朝鲁 苏和 巴根 孟和 乌力吉 格日勒图")
MONGOL_FEMALE = _words("其其格 乌云 斯琴 图雅 萨仁 苏日娜 娜仁 高娃 塔娜 乌兰")
TIBETAN_MALE = _words("扎西 次仁 多吉 才让 旦增 尼玛 格桑 索朗 顿珠 平措 洛桑 桑吉")
TIBETAN_FEMALE = _words("卓玛 拉姆 央金 德吉 曲珍 央宗 白玛 措姆")
UYGHUR_MALE = _words("艾尔肯 买买提 阿不都 艾力 吐尔逊 热合曼 亚森 阿迪力 依明 玉素甫 艾山")
UYGHUR_FEMALE = _words("古丽 阿依古丽 热依拉 帕提古丽 米日古丽 阿依努尔 祖丽菲亚 热娜 迪丽努尔")
KAZAKH_MALE = _words("努尔兰 叶尔兰 阿斯哈尔 别克 哈那提 叶尔江 巴合提 加尔肯 达吾列提")
KAZAKH_FEMALE = _words("古丽娜尔 阿依达娜 加娜尔 玛依拉 阿娜尔 哈力旦 阿依古丽")
# Given name · father's name, as the ID card writes it.
PATRONYMIC = {
    "维吾尔族": (UYGHUR_MALE, UYGHUR_FEMALE),
    "乌孜别克族": (UYGHUR_MALE, UYGHUR_FEMALE),
    "塔塔尔族": (UYGHUR_MALE, UYGHUR_FEMALE),
    "哈萨克族": (KAZAKH_MALE, KAZAKH_FEMALE),
    "柯尔克孜族": (KAZAKH_MALE, KAZAKH_FEMALE),
}
PHONE_PREFIXES = tuple(str(p) for p in FakerPhone.phonenumber_prefixes)


# 去向 of the demo's 迁出, with where to (清河门区 and what lies around 阜新), by weight.
DEPARTURES = Weighted.of(
    (
        (("within_district", "清河门区河西街道"), 14),
        (("within_district", "清河门区六台街道"), 10),
        (("within_district", "清河门区清河街道北园子社区"), 8),
        (("other_district", "阜新市海州区"), 16),
        (("other_district", "阜新市细河区"), 12),
        (("other_district", "阜新市太平区"), 6),
        (("other_city", "沈阳市"), 14),
        (("other_city", "大连市"), 7),
        (("other_city", "锦州市"), 5),
        (("other_city", "北京市"), 4),
        (("abroad", "韩国"), 1),
    )
)
MOVE_OUT_REASONS = ("工作调动", "外出务工", "求学", "婚嫁", "购房搬迁", "投靠子女", "参军")
DEATH_REASONS = ("病故", "病故", "病故", "因病去世", "年老去世", "意外")
