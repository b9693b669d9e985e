"""One spreadsheet row → a household part and a resident part, or the reasons it can't be.

Pure Python, no database: the pipeline hands in the 民族 lookup and resolves grids,
households and existing residents for the whole file at once.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from grid.models import phone_validator
from residents import idnumber
from residents.models import (
    Education,
    Employment,
    FloatingRegistration,
    Gender,
    Household,
    HouseholdKind,
    Occupation,
    PoliticalStatus,
    Relation,
    ResidenceStatus,
    Resident,
)

from . import cells
from .columns import BY_KEY

RELATION_ALIASES = {
    "本人": Relation.HEAD,
    "户主本人": Relation.HEAD,
    "妻": Relation.SPOUSE,
    "妻子": Relation.SPOUSE,
    "夫": Relation.SPOUSE,
    "丈夫": Relation.SPOUSE,
    "子": Relation.CHILD,
    "女": Relation.CHILD,
    "儿子": Relation.CHILD,
    "女儿": Relation.CHILD,
    "长子": Relation.CHILD,
    "次子": Relation.CHILD,
    "长女": Relation.CHILD,
    "次女": Relation.CHILD,
    "父": Relation.PARENT,
    "母": Relation.PARENT,
    "父亲": Relation.PARENT,
    "母亲": Relation.PARENT,
    "祖父母": Relation.GRANDPARENT,
    "祖父": Relation.GRANDPARENT,
    "祖母": Relation.GRANDPARENT,
    "外祖父": Relation.GRANDPARENT,
    "外祖母": Relation.GRANDPARENT,
    "孙子": Relation.GRANDCHILD,
    "孙女": Relation.GRANDCHILD,
    "外孙": Relation.GRANDCHILD,
    "外孙女": Relation.GRANDCHILD,
    "孙子女": Relation.GRANDCHILD,
    "兄": Relation.SIBLING,
    "弟": Relation.SIBLING,
    "姐": Relation.SIBLING,
    "妹": Relation.SIBLING,
    "兄弟": Relation.SIBLING,
    "姐妹": Relation.SIBLING,
    "儿媳": Relation.CHILD_IN_LAW,
    "女婿": Relation.CHILD_IN_LAW,
    "其他": Relation.OTHER_RELATIVE,
    "亲属": Relation.OTHER_RELATIVE,
    "租户": Relation.NON_RELATIVE,
    "借住": Relation.NON_RELATIVE,
    "保姆": Relation.NON_RELATIVE,
}
GENDER_ALIASES = {"男性": Gender.MALE, "女性": Gender.FEMALE, "M": Gender.MALE, "F": Gender.FEMALE}
KIND_ALIASES = {
    "户籍": HouseholdKind.REGISTERED,
    "常住": HouseholdKind.RESIDENT,
    "出租": HouseholdKind.RENTAL,
    "租户": HouseholdKind.RENTAL,
    "流动": HouseholdKind.FLOATING,
}
RESIDENCE_ALIASES = {
    "户籍人口": ResidenceStatus.REGISTERED_PRESENT,
    "在住": ResidenceStatus.REGISTERED_PRESENT,
    "人户一致": ResidenceStatus.REGISTERED_PRESENT,
    "外出": ResidenceStatus.REGISTERED_AWAY,
    "人在户不在": ResidenceStatus.NONLOCAL_RESIDENT,
    "外来人口": ResidenceStatus.NONLOCAL_RESIDENT,
    "常住人口": ResidenceStatus.NONLOCAL_RESIDENT,
    "流动人口": ResidenceStatus.FLOATING,
}
POLITICAL_ALIASES = {
    "党员": PoliticalStatus.CPC_MEMBER,
    "中共党员": PoliticalStatus.CPC_MEMBER,
    "预备党员": PoliticalStatus.CPC_PROBATIONARY,
    "团员": PoliticalStatus.CYL_MEMBER,
}
EDUCATION_ALIASES = {
    "博士": Education.POSTGRADUATE,
    "硕士": Education.POSTGRADUATE,
    "本科": Education.BACHELOR,
    "大学": Education.BACHELOR,
    "大学本科": Education.BACHELOR,
    "专科": Education.COLLEGE,
    "大学专科": Education.COLLEGE,
    "高中": Education.SENIOR,
    "中专": Education.SENIOR,
    "职高": Education.SENIOR,
    "技校": Education.SENIOR,
    "文盲": Education.ILLITERATE,
    "半文盲": Education.ILLITERATE,
}
EMPLOYMENT_ALIASES = {
    "就业": Employment.EMPLOYED,
    "在职": Employment.EMPLOYED,
    "无业": Employment.UNEMPLOYED,
    "待业": Employment.UNEMPLOYED,
    "离退休": Employment.RETIRED,
    "离休": Employment.RETIRED,
    "在校": Employment.STUDENT,
    "在校学生": Employment.STUDENT,
}
OCCUPATION_ALIASES = {"打工": Occupation.LABOUR, "上学": Occupation.STUDY, "个体": Occupation.BUSINESS}

HOUSEHOLD_TAGS = cells.tag_vocabulary(Household, Household.FLAG_FIELDS, {"独居": "is_elderly_alone"})
RESIDENT_TAGS = cells.tag_vocabulary(
    Resident,
    Resident.SPECIAL_GROUP_FIELDS,
    {
        "低保户": "is_dibao",
        "残疾人": "is_disabled",
        "孤寡老人": "is_elderly_alone",
        "优抚": "is_entitled",
        "军烈属": "is_entitled",
    },
)

# The fields a row sets and a re-import compares. Gender and birth date follow from the ID
# number, which is what a row is matched on, so on a re-import they never differ.
RESIDENT_FIELDS = ("gender", "birth_date", *Resident.DESCRIPTION_FIELDS)
HOUSEHOLD_FIELDS = Household.DESCRIPTION_FIELDS
FLOATING_FIELDS = FloatingRegistration.DESCRIPTION_FIELDS


CHOOSE_GENDER = cells.Choice(Gender, GENDER_ALIASES)
CHOOSE_RELATION = cells.Choice(Relation, RELATION_ALIASES)
CHOOSE_KIND = cells.Choice(HouseholdKind, KIND_ALIASES)
CHOOSE_RESIDENCE = cells.Choice(ResidenceStatus, RESIDENCE_ALIASES)
CHOOSE_POLITICAL = cells.Choice(PoliticalStatus, POLITICAL_ALIASES)
CHOOSE_EDUCATION = cells.Choice(Education, EDUCATION_ALIASES)
CHOOSE_EMPLOYMENT = cells.Choice(Employment, EMPLOYMENT_ALIASES)
CHOOSE_OCCUPATION = cells.Choice(Occupation, OCCUPATION_ALIASES)
# The validator's pattern, compiled here: RegexValidator keeps it behind a lazy object,
# a cost on every one of 100,000 rows.
PHONE = re.compile(phone_validator.regex.pattern)
FLOATING_KEYS = ("arrived_on", "floating_origin", "expected_stay", "occupation", "workplace")


@dataclass
class HouseholdPart:
    number: str
    grid: str
    building: str
    unit: str
    values: dict[str, Any]


@dataclass
class ParsedRow:
    row_number: int
    household: HouseholdPart | None = None
    resident: dict[str, Any] = field(default_factory=dict)
    floating: dict[str, Any] | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add_error(self, key: str, message: str) -> None:
        self.errors.append((BY_KEY[key].header, message))


def _limited(n: int):
    def clean(value: object) -> str:
        return cells.text(value)[:n]

    return clean


def _phone(value: object) -> str:
    text = cells.digits_text(value)
    if text and not PHONE.match(text):
        raise cells.CellError(f"“{text}”不是有效的电话号码")
    return text


# Columns cleaned the same way whatever the row says: key → (cleaner, value when empty).
SIMPLE_COLUMNS: dict[str, tuple[Any, Any]] = {
    "grid": (cells.text, ""),
    "building": (_limited(30), ""),
    "unit": (_limited(20), ""),
    "room": (_limited(20), ""),
    "address": (_limited(200), ""),
    "household_number": (cells.text, ""),
    "household_kind": (CHOOSE_KIND, HouseholdKind.REGISTERED.value),
    "household_phone": (_phone, ""),
    "household_flags": (lambda v: cells.tags(v, HOUSEHOLD_TAGS), frozenset()),
    "landlord_name": (_limited(50), ""),
    "landlord_phone": (_phone, ""),
    "name": (cells.text, ""),
    "relation": (CHOOSE_RELATION, Relation.OTHER_RELATIVE.value),
    "gender": (CHOOSE_GENDER, ""),
    "birth_date": (cells.date, None),
    "ethnicity": (cells.text, ""),
    "phone": (_phone, ""),
    "residence_status": (CHOOSE_RESIDENCE, ""),
    "moved_in_on": (cells.date, None),
    "origin": (_limited(100), ""),
    "political_status": (CHOOSE_POLITICAL, PoliticalStatus.MASSES.value),
    "education": (CHOOSE_EDUCATION, ""),
    "employment": (CHOOSE_EMPLOYMENT, ""),
    "special_groups": (lambda v: cells.tags(v, RESIDENT_TAGS), frozenset()),
    "languages": (_limited(100), ""),
    "arrived_on": (cells.date, None),
    "floating_origin": (_limited(100), ""),
    "expected_stay": (_limited(30), ""),
    "occupation": (CHOOSE_OCCUPATION, ""),
    "workplace": (_limited(100), ""),
}


class RowReader:
    """Validates rows against the columns found in the header and the 民族 lookup.

    Runs once per row of files with 100,000 rows: the columns the file has are worked
    out once, a column it lacks costs nothing per row, and each cell is one cleaner call.
    """

    def __init__(self, columns: dict[str, int], ethnicity_lookup: dict[str, int], today: dt.date):
        self.columns = columns
        self.ethnicities = ethnicity_lookup
        self.today = today
        self.has_floating_columns = any(k in columns for k in FLOATING_KEYS)
        self.tasks = [
            (key, columns[key], cleaner, default)
            for key, (cleaner, default) in SIMPLE_COLUMNS.items()
            if key in columns
        ]
        self.defaults = {key: default for key, (_, default) in SIMPLE_COLUMNS.items()}
        self.id_index = columns.get("id_number")

    def parse(self, row_number: int, row: list[object]) -> ParsedRow:
        result = ParsedRow(row_number)
        errors = result.errors
        width = len(row)
        v = dict(self.defaults)
        for key, index, cleaner, default in self.tasks:
            if index >= width:
                continue
            cell = row[index]
            if cell == "" or cell is None:
                continue
            try:
                v[key] = cleaner(cell) or default
            except cells.CellError as err:
                errors.append((BY_KEY[key].header, str(err)))

        name = v["name"]
        if not name:
            result.add_error("name", "姓名不能为空")
        elif len(name) > 50:
            result.add_error("name", "姓名过长（最多50字）")

        info = None
        id_raw = row[self.id_index] if self.id_index is not None and self.id_index < width else ""
        try:
            info = idnumber.parse(id_raw, today=self.today)
        except ValidationError as err:
            message = err.messages[0]
            if isinstance(id_raw, float):
                message += "（该列被 Excel 当作数字保存，末几位可能已丢失，请将列设为文本后重新填写）"
            result.add_error("id_number", message)
        if info:
            if v["gender"] and v["gender"] != info.gender:
                result.add_error("gender", f"性别“{Gender(v['gender']).label}”与身份证号不符")
            birth_date = v["birth_date"]
            if birth_date and birth_date != info.birth_date:
                result.add_error(
                    "birth_date", f"出生日期{birth_date:%Y-%m-%d}与身份证号（{info.birth_date:%Y-%m-%d}）不符"
                )

        ethnicity_text = v["ethnicity"]
        ethnicity_id = self.ethnicities.get(ethnicity_text)
        if not ethnicity_text:
            result.add_error("ethnicity", "民族不能为空")
        elif ethnicity_id is None:
            result.add_error("ethnicity", f"“{ethnicity_text}”不是可识别的民族名称")
        if v["moved_in_on"] and v["moved_in_on"] > self.today:
            result.add_error("moved_in_on", "迁入日期不能晚于今天")

        residence = v["residence_status"]
        special = v["special_groups"]
        resident = {
            "name": name,
            "id_number": info.number if info else "",
            "relation": v["relation"],
            "gender": info.gender if info else "",
            "birth_date": info.birth_date if info else None,
            "ethnicity": ethnicity_id,
            "phone": v["phone"],
            "residence_status": residence or ResidenceStatus.REGISTERED_PRESENT.value,
            "moved_in_on": v["moved_in_on"],
            "origin": v["origin"],
            "political_status": v["political_status"],
            "education": v["education"],
            "employment": v["employment"],
            "languages": v["languages"],
        }
        for flag in Resident.SPECIAL_GROUP_FIELDS:
            resident[flag] = flag in special

        if residence == ResidenceStatus.FLOATING or self.has_floating_columns:
            floating = {
                "arrived_on": v["arrived_on"],
                "origin": v["floating_origin"],
                "expected_stay": v["expected_stay"],
                "occupation": v["occupation"],
                "workplace": v["workplace"],
                "landlord_name": v["landlord_name"],
                "landlord_phone": v["landlord_phone"],
            }
            has_facts = any(
                floating[k] for k in ("arrived_on", "origin", "expected_stay", "occupation", "workplace")
            )
            if residence == ResidenceStatus.FLOATING or has_facts:
                result.floating = floating

        number = v["household_number"]
        if not number:
            result.add_error("household_number", "户号不能为空")
        elif len(number) > 40:
            result.add_error("household_number", "户号过长（最多40个字符）")
        if not v["grid"]:
            result.add_error("grid", "网格不能为空")
        flags = v["household_flags"]
        household_values = {
            "room": v["room"],
            "address": v["address"],
            "kind": v["household_kind"],
            "phone": v["household_phone"],
            "landlord_name": v["landlord_name"],
            "landlord_phone": v["landlord_phone"],
        }
        for flag in Household.FLAG_FIELDS:
            household_values[flag] = flag in flags
        result.household = HouseholdPart(
            number=number, grid=v["grid"], building=v["building"], unit=v["unit"], values=household_values
        )
        result.resident = resident
        return result
