"""The ledger's columns: one row per resident, with its household's columns beside it.

``COLUMNS`` is the template (in order) and the header vocabulary: each column lists the
header variants found in real community ledgers. Headers are compared after NFKC
normalisation with spaces, asterisks and bracketed notes removed, so "身份证号码（必填）*"
and "身份证号" are the same column.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    variants: tuple[str, ...] = ()
    required: bool = False
    note: str = ""
    example: str = ""


COLUMNS: tuple[Column, ...] = (
    Column(
        "grid", "网格", ("所属网格", "网格名称", "网格编号"), True, "本社区已有网格的名称或编码", "一网格"
    ),
    Column("building", "楼栋", ("楼号", "楼栋号", "楼宇", "幢"), False, "没有的楼栋会自动新建", "3号楼"),
    Column("unit", "单元", ("单元号",), False, "没有的单元会自动新建", "2单元"),
    Column("room", "门牌号", ("室号", "房号", "门牌", "房间号"), False, "", "301"),
    Column(
        "address",
        "住址",
        ("地址", "家庭住址", "现住址", "居住地址"),
        False,
        "",
        "清河街道变电所小区3号楼2单元301",
    ),
    Column(
        "household_number",
        "户号",
        ("户编号", "户口号", "户籍号"),
        True,
        "社区内唯一，同户成员填相同户号",
        "BDS-0001",
    ),
    Column(
        "household_kind",
        "户别",
        ("户类型", "户类别", "户籍类别"),
        False,
        "户籍户 / 常住户 / 出租户 / 流动户",
        "户籍户",
    ),
    Column("household_phone", "户联系电话", ("家庭电话", "户主电话"), False, "", "0418-2812345"),
    Column(
        "household_flags",
        "家庭标签",
        ("户标签", "家庭类型", "困难类型"),
        False,
        "低保户、困难户、空巢户、独居老人户，可填多个",
        "低保户",
    ),
    Column("landlord_name", "房东姓名", ("房东", "出租人"), False, "出租户、流动人口填写", ""),
    Column("landlord_phone", "房东电话", ("房东联系电话", "出租人电话"), False, "", ""),
    Column("name", "姓名", ("居民姓名", "人员姓名"), True, "", "张秀兰"),
    Column(
        "id_number",
        "身份证号",
        ("身份证号码", "公民身份号码", "公民身份证号", "证件号码", "身份证"),
        True,
        "18位或15位，请设置为文本格式以免末位丢失",
        "11010519491231002X",
    ),
    Column(
        "relation",
        "与户主关系",
        ("关系", "与户主关系（户主填本人）"),
        False,
        "户主 / 配偶 / 子女 / 父母 …",
        "户主",
    ),
    Column("gender", "性别", (), False, "可不填，按身份证号自动识别", "女"),
    Column(
        "birth_date",
        "出生日期",
        ("出生年月", "出生年月日", "生日"),
        False,
        "可不填，按身份证号自动识别",
        "1949-12-31",
    ),
    Column("ethnicity", "民族", ("族别",), True, "如 汉族、回族、蒙古族，可写简称（回、蒙）", "回族"),
    Column(
        "phone",
        "联系电话",
        ("手机号", "手机号码", "手机", "电话", "联系方式", "本人电话"),
        False,
        "",
        "13812345678",
    ),
    Column(
        "residence_status",
        "居住状态",
        ("人口类型", "人员类别", "居住类型"),
        False,
        "户籍在住 / 户籍外出 / 外来常住 / 流动",
        "户籍在住",
    ),
    Column("moved_in_on", "迁入日期", ("入住日期", "迁入时间"), False, "", "2010-05-01"),
    Column("origin", "迁入地/籍贯", ("籍贯", "迁入地", "来源地", "原籍"), False, "", "辽宁阜新"),
    Column("political_status", "政治面貌", (), False, "中共党员 / 共青团员 / 群众 …", "群众"),
    Column("education", "文化程度", ("学历",), False, "", "高中/中专"),
    Column(
        "employment",
        "就业状况",
        ("就业情况", "就业状态"),
        False,
        "在业 / 灵活就业 / 失业 / 退休 / 学生 …",
        "退休",
    ),
    Column(
        "special_groups",
        "特殊群体",
        ("特殊人群", "重点人群"),
        False,
        "低保、残疾、独居老人、空巢老人、留守儿童、优抚对象",
        "",
    ),
    Column("languages", "使用语言", ("语言", "通用语言"), False, "", "汉语"),
    Column("arrived_on", "来本地日期", ("到达日期", "来本地时间", "抵达日期"), False, "流动人口填写", ""),
    Column("floating_origin", "户籍地", ("户籍所在地", "户口所在地"), False, "流动人口填写", ""),
    Column("expected_stay", "预计居住期限", ("拟居住期限", "居住期限"), False, "流动人口填写", ""),
    Column("occupation", "从业类型", ("职业", "从业情况"), False, "经商 / 务工 / 求学 / 其他", ""),
    Column("workplace", "工作单位", ("工作单位/经营场所", "经营场所", "服务处所"), False, "", ""),
)

BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED_KEYS = frozenset(c.key for c in COLUMNS if c.required)

_BRACKETED = re.compile(r"[（(\[【].*?[）)\]】]")


def clean_header(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value or ""))
    text = _BRACKETED.sub("", text)
    return "".join(ch for ch in text if not ch.isspace() and ch not in "*＊:：")


_VOCABULARY: dict[str, str] = {}
for _col in COLUMNS:
    for _name in (_col.header, *_col.variants):
        _VOCABULARY[clean_header(_name)] = _col.key


def match_header(row: list[object]) -> dict[str, int]:
    """Column key → index for the cells of ``row`` that name a known column (first wins)."""
    found: dict[str, int] = {}
    for index, cell in enumerate(row):
        key = _VOCABULARY.get(clean_header(cell))
        if key and key not in found:
            found[key] = index
    return found


def is_header_row(mapping: dict[str, int]) -> bool:
    """A header row names the person: at least 姓名 and 身份证号, and one household column."""
    return {"name", "id_number"} <= mapping.keys() and bool({"household_number", "grid"} & mapping.keys())
