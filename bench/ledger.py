"""A generated community ledger: the kind of .xlsx a 社区 keeps, large, valid and deterministic.

One row per resident, members of a household on consecutive rows with the household's
columns repeated, as real ledgers are laid out. The cells are written the way people
write them: dates as date cells or as text in several formats, 民族 by name or by its
short form, relations and statuses by label or by alias, phones sometimes with spaces.
Every row is valid, so an import that reports errors has broken, not the file.

The same parameters give the same bytes' worth of content (``random.Random(seed)``), and
the file is cached under ``bench-out/`` so a rerun does not write it again.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from residents.idnumber import check_char

# Part of the cache key: bump it when the generator's output changes.
GENERATOR_VERSION = 2

# Births are placed before this day, not before "today", so the file does not depend on
# the day it was generated and never holds a birth date in the future.
REFERENCE_DAY = dt.date(2025, 1, 1)

GRID_NAMES = ("第一网格", "第二网格", "第三网格", "第四网格", "第五网格")
GRID_NAMES += ("第六网格", "第七网格", "第八网格", "第九网格", "第十网格")
COMMUNITY_NAME = "基准测试社区"
COMMUNITY_CODE = "BENCH-C"
ESTATE = "幸福里小区"

HEADERS = (
    "网格",
    "楼栋",
    "单元",
    "门牌号",
    "住址",
    "户号",
    "户别",
    "家庭标签",
    "姓名",
    "身份证号",
    "与户主关系",
    "性别",
    "出生日期",
    "民族",
    "联系电话",
    "居住状态",
    "迁入日期",
    "籍贯",
    "政治面貌",
    "文化程度",
    "就业状况",
    "特殊群体",
    "来本地日期",
    "户籍地",
    "从业类型",
)

# Regions (县级行政区划代码) of a few provinces; the importer checks the province digits.
# The ID numbers' sequence codes this generator uses (GB 11643 digits 15–17).
BENCH_SEQUENCES = range(500, 1000)
REGIONS = ("210902", "210903", "210904", "210911", "211002", "150102", "150402", "152502", "640104", "110105")
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "秀英桂芳玉兰凤华建国军伟强磊敏静丽娟艳杰涛明超勇娜霞平刚红梅春林海波志成文斌宇浩然子轩欣怡梓涵雨桐"
    "佳琪思远晨阳婷慧淑珍德福宝山金荣广才永胜俊峰鹏飞雪莹丹阿古拉巴特尔其木格乌兰图雅哈斯布和额尔敦"
)
# (how the ledger writes it, weight): names and the short forms people use.
ETHNICITIES = (
    ("汉族", 560),
    ("汉", 90),
    ("蒙古族", 80),
    ("蒙", 15),
    ("蒙族", 5),
    ("回族", 60),
    ("回", 10),
    ("满族", 55),
    ("满", 10),
    ("朝鲜族", 20),
    ("锡伯族", 15),
    ("达斡尔族", 10),
    ("鄂温克族", 5),
    ("维吾尔族", 8),
    ("维族", 2),
    ("藏族", 5),
    ("壮族", 5),
    ("土家族", 5),
)
ORIGINS = ("辽宁阜新", "辽宁沈阳", "内蒙古通辽", "内蒙古赤峰", "吉林长春", "河北唐山", "山东临沂", "河南周口")
EDUCATION_ADULT = ("大学本科", "本科", "大专", "专科", "高中/中专", "高中", "初中", "初中", "小学", "研究生")


@dataclass(frozen=True)
class LedgerSpec:
    rows: int
    households: int
    seed: int = 20261122

    @property
    def file_name(self) -> str:
        return f"ledger-{self.rows}r-{self.households}h-s{self.seed}-v{GENERATOR_VERSION}.xlsx"


def ensure_ledger(spec: LedgerSpec, out_dir: Path) -> tuple[Path, bool]:
    """The ledger file for ``spec``, written unless already cached. Returns (path, written)."""
    path = out_dir / spec.file_name
    if path.exists():
        return path, False
    out_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    write_ledger(spec, partial)
    partial.rename(path)
    return path, True


def write_ledger(spec: LedgerSpec, path: Path) -> None:
    from openpyxl import Workbook  # here, so the phases that only need the constants don't load it

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("居民台账")
    sheet.append(list(HEADERS))
    for row in ledger_rows(spec):
        sheet.append(row)
    workbook.save(path)


def household_sizes(rng: random.Random, rows: int, households: int) -> list[int]:
    """``households`` sizes summing to ``rows``: everyone at 1, the rest spread at random (at most 8)."""
    if not 0 < households <= rows:
        raise ValueError("need 0 < households <= rows")
    sizes = [1] * households
    extra = rows - households
    if extra > households * 7:
        raise ValueError("too many residents per household (at most 8)")
    while extra:
        i = rng.randrange(households)
        if sizes[i] < 8:
            sizes[i] += 1
            extra -= 1
    return sizes


class _People:
    """Names, unique ID numbers and the cells that depend on a person's age."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()
        self.eth_names = [e for e, _ in ETHNICITIES]
        self.eth_weights = [w for _, w in ETHNICITIES]

    def name(self) -> str:
        rng = self.rng
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))

    def birth(self, age: int) -> dt.date:
        return REFERENCE_DAY - dt.timedelta(days=age * 365 + self.rng.randrange(365))

    def id_number(self, birth: dt.date, male: bool) -> str:
        rng = self.rng
        while True:
            # Sequences 500–999: the demo's are 001–499, so a bench file imports into a seeded demo.
            seq = BENCH_SEQUENCES.start + rng.randrange(250) * 2 + (1 if male else 0)
            body = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{seq:03d}"
            if body not in self.used:
                self.used.add(body)
                return body + check_char(body)

    def ethnicity(self) -> str:
        return self.rng.choices(self.eth_names, self.eth_weights)[0]

    def phone(self, share: float) -> str:
        rng = self.rng
        if rng.random() >= share:
            return ""
        number = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        if rng.random() < 0.05:  # typed with spaces, as people do
            return f"{number[:3]} {number[3:7]} {number[7:]}"
        return number

    def date_cell(self, day: dt.date) -> object:
        """A date the way ledgers hold them: a date cell, or text in one of the usual formats."""
        pick = self.rng.random()
        if pick < 0.6:
            return day
        if pick < 0.8:
            return day.isoformat()
        if pick < 0.9:
            return f"{day.year}.{day.month}.{day.day}"
        return f"{day.year}年{day.month}月{day.day}日"

    def education(self, age: int) -> str:
        if age < 6:
            return "学龄前"
        if age < 12:
            return "小学"
        if age < 15:
            return "初中"
        return self.rng.choice(EDUCATION_ADULT)

    def employment(self, age: int) -> str:
        rng = self.rng
        if age < 6:
            return "学龄前"
        if age < 22:
            return rng.choice(("学生", "学生", "在校"))
        if age < 60:
            return rng.choice(("在业", "在业", "在业", "在职", "灵活就业", "失业", ""))
        return rng.choice(("退休", "退休", "离退休", "其他"))

    def political(self, age: int) -> str:
        pick = self.rng.random()
        if 14 <= age <= 28 and pick < 0.3:
            return "共青团员"
        if age >= 18 and pick > 0.88:
            return self.rng.choice(("中共党员", "中共党员", "党员"))
        return "群众" if pick < 0.8 else ""


def ledger_rows(spec: LedgerSpec):
    """The data rows, one list of cells per resident."""
    rng = random.Random(spec.seed)
    people = _People(rng)
    sizes = household_sizes(rng, spec.rows, spec.households)
    per_grid = -(-spec.households // len(GRID_NAMES))
    for h, size in enumerate(sizes):
        grid = GRID_NAMES[h // per_grid]
        place = h % per_grid  # 6 units × 6 floors × 2 doors = 72 households a building
        building = f"{place // 72 + 1}号楼"
        unit = f"{place % 72 // 12 + 1}单元"
        room = f"{place % 12 // 2 + 1}0{place % 2 + 1}"
        address = f"{ESTATE}{grid[1]}区{building}{unit}{room}"
        kind_pick = rng.random()
        if kind_pick < 0.75:
            kind, residence = rng.choice(("户籍户", "户籍户", "户籍")), None
        elif kind_pick < 0.85:
            kind, residence = "常住户", "外来常住"
        elif kind_pick < 0.95:
            kind, residence = rng.choice(("出租户", "出租")), "外来常住"
        else:
            kind, residence = "流动户", "流动"
        flag_pick = rng.random()
        flags = "低保户" if flag_pick < 0.03 else "困难户" if flag_pick < 0.05 else ""
        head_age = rng.randrange(25, 86)
        head_male = rng.random() < 0.6
        for m in range(size):
            if m == 0:
                relation, age, male = rng.choice(("户主", "户主", "户主", "本人")), head_age, head_male
            elif m == 1 and rng.random() < 0.8:
                relation, age, male = (
                    rng.choice(("配偶", "配偶", "妻" if head_male else "夫")),
                    None,
                    not head_male,
                )
                age = max(18, head_age + rng.randrange(-5, 6))
            elif head_age >= 50 and rng.random() < 0.2:
                relation, age, male = rng.choice(("孙子女", "孙子", "孙女")), rng.randrange(0, 18), None
            elif head_age <= 60 and rng.random() < 0.15:
                relation, age, male = (
                    rng.choice(("父母", "父亲", "母亲")),
                    min(99, head_age + rng.randrange(22, 32)),
                    None,
                )
            else:
                relation, age, male = (
                    rng.choice(("子女", "子女", "儿子", "女儿")),
                    max(0, head_age - rng.randrange(22, 36)),
                    None,
                )
            if male is None:
                male = relation in ("孙子", "父亲", "儿子") or (
                    relation not in ("孙女", "母亲", "女儿") and rng.random() < 0.5
                )
            birth = people.birth(age)
            status = residence or ("户籍外出" if rng.random() < 0.08 else "户籍在住")
            special = ""
            special_pick = rng.random()
            if special_pick < 0.03:
                special = "低保"
            elif special_pick < 0.045:
                special = "残疾"
            elif special_pick < 0.05:
                special = "低保、残疾"
            elif size == 1 and age >= 70 and special_pick < 0.5:
                special = "独居老人"
            moved_in = (
                people.date_cell(birth + dt.timedelta(days=rng.randrange(1, max(2, age * 365))))
                if rng.random() < 0.3
                else ""
            )
            if status == "流动":
                arrived = people.date_cell(REFERENCE_DAY - dt.timedelta(days=rng.randrange(30, 2000)))
                floating = [
                    arrived,
                    rng.choice(ORIGINS),
                    rng.choice(("务工", "务工", "打工", "经商", "求学", "其他")),
                ]
            else:
                floating = ["", "", ""]
            gender_pick = rng.random()
            yield [
                grid,
                building,
                unit,
                room,
                address,
                f"FX-{h + 1:06d}",
                kind,
                flags,
                people.name(),
                people.id_number(birth, male),
                relation,
                ("男" if male else "女") if gender_pick < 0.9 else "",
                people.date_cell(birth) if gender_pick < 0.85 else "",
                people.ethnicity(),
                people.phone(0.9 if m == 0 else 0.5),
                status,
                moved_in,
                rng.choice(ORIGINS) if rng.random() < 0.4 else "",
                people.political(age),
                people.education(age),
                people.employment(age),
                special,
                *floating,
            ]
