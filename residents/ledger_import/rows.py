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
from .columns import BY_KEY, COLUMNS

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


def _limited(n: int):
    def clean(value: object) -> str:
        return cells.visible_text(value)[:n]

    return clean


def _phone(value: object) -> str:
    text = cells.digits_text(value)
    if text and not PHONE.match(text):
        raise cells.CellError(f"“{text}”不是有效的电话号码")
    return text


def _flags(tags: set[str], fields: tuple[str, ...]) -> tuple[bool, ...]:
    return tuple(f in tags for f in fields)


NO_HOUSEHOLD_FLAGS = (False,) * len(Household.FLAG_FIELDS)
NO_SPECIAL_GROUPS = (False,) * len(Resident.SPECIAL_GROUP_FIELDS)

# Columns cleaned the same way whatever the row says: key → (cleaner, value when empty).
SIMPLE_COLUMNS: dict[str, tuple[Any, Any]] = {
    "grid": (cells.visible_text, ""),
    "building": (_limited(30), ""),
    "unit": (_limited(20), ""),
    "room": (_limited(20), ""),
    "address": (_limited(200), ""),
    "household_number": (cells.visible_text, ""),
    "household_kind": (CHOOSE_KIND, HouseholdKind.REGISTERED.value),
    "household_phone": (_phone, ""),
    "household_flags": (
        lambda v: _flags(cells.tags(v, HOUSEHOLD_TAGS), Household.FLAG_FIELDS),
        NO_HOUSEHOLD_FLAGS,
    ),
    "landlord_name": (_limited(50), ""),
    "landlord_phone": (_phone, ""),
    "name": (cells.visible_text, ""),
    "relation": (CHOOSE_RELATION, Relation.OTHER_RELATIVE.value),
    "gender": (CHOOSE_GENDER, ""),
    "birth_date": (cells.date, None),
    "ethnicity": (cells.visible_text, ""),
    "phone": (_phone, ""),
    "residence_status": (CHOOSE_RESIDENCE, ""),
    "moved_in_on": (cells.date, None),
    "origin": (_limited(100), ""),
    "political_status": (CHOOSE_POLITICAL, PoliticalStatus.MASSES.value),
    "education": (CHOOSE_EDUCATION, ""),
    "employment": (CHOOSE_EMPLOYMENT, ""),
    "special_groups": (
        lambda v: _flags(cells.tags(v, RESIDENT_TAGS), Resident.SPECIAL_GROUP_FIELDS),
        NO_SPECIAL_GROUPS,
    ),
    "languages": (_limited(100), ""),
    "arrived_on": (cells.date, None),
    "floating_origin": (_limited(100), ""),
    "expected_stay": (_limited(30), ""),
    "occupation": (CHOOSE_OCCUPATION, ""),
    "workplace": (_limited(100), ""),
}


@dataclass(eq=False)
class LedgerRows:
    """A file's data rows, cleaned column by column; index ``i`` is the same row in every list.

    Values are what the ledger stores: tuples in the order of ``HOUSEHOLD_FIELDS``,
    ``RESIDENT_FIELDS`` (民族 as its id) and ``FLOATING_FIELDS``, so the writer sends them
    as they are. A row with an error keeps placeholder values; only ``errors`` counts.
    The reader fills them a range of rows at a time (``RowReader.identify``, then ``clean``).
    """

    row_numbers: list[int]
    household_numbers: list[str] = field(default_factory=list)
    grids: list[str] = field(default_factory=list)
    buildings: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    households: list[tuple] = field(default_factory=list)
    id_numbers: list[str] = field(default_factory=list)
    residents: list[tuple] = field(default_factory=list)
    floating: list[tuple | None] = field(default_factory=list)
    errors: dict[int, list[tuple[str, str]]] = field(default_factory=dict)  # index → [(column, reason)]

    def __len__(self) -> int:
        return len(self.row_numbers)

    def add_error(self, index: int, key: str, message: str, *, household: int | None = None) -> None:
        """``household``: the record elsewhere the error is about; the message names it only to
        a reader whose scope covers it (``ledger_import.messages.shown_to``)."""
        error = (BY_KEY[key].header, message, household) if household else (BY_KEY[key].header, message)
        self.errors.setdefault(index, []).append(error)

    def errors_of(self, index: int) -> list[tuple[str, str]]:
        """A row's errors in the order of the template's columns."""
        return sorted(self.errors.get(index, []), key=lambda e: _COLUMN_ORDER.get(e[0], len(_COLUMN_ORDER)))

    def name(self, index: int) -> str:
        return self.residents[index][_NAME] if self.residents[index] else ""


_NAME = RESIDENT_FIELDS.index("name")
_COLUMN_ORDER = {c.header: n for n, c in enumerate(COLUMNS)}
_IDENTITY_KEYS = ("grid", "household_number", "building", "unit")


class RowReader:
    """Cleans a file's rows against the columns found in its header and the 民族 lookup.

    Works a column at a time: a ledger of 100,000 rows holds a few dozen distinct values in
    most columns (关系, 民族, 居住状态, 文化程度 …), so each distinct cell is cleaned once and
    the column is then a dictionary lookup per row. Row-level rules (the ID number against
    性别 and 出生日期, a floating resident's registration) follow on the cleaned columns.

    A range of rows at a time: ``identify`` reads what the importer matches against the
    ledger (ID number, 户号) and where a row lives, ``clean`` the rest, so the importer can
    look up and write one range while the next is read.
    """

    def __init__(self, columns: dict[str, int], ethnicity_lookup: dict[str, int], today: dt.date):
        self.columns = columns
        self.ethnicities = ethnicity_lookup
        self.today = today
        self.has_floating_columns = any(k in columns for k in FLOATING_KEYS)
        self._memo: dict[str, tuple[dict, dict]] = {}  # key → (cleaned, failed), across ranges
        self._raw: list[list[object]] = []
        self._infos: list[idnumber.IdInfo | None] = []

    def start(self, rows: list[tuple[int, list[object]]]) -> LedgerRows:
        """The file's rows, not yet read: ``identify`` then ``clean`` each range in order."""
        result = LedgerRows([n for n, _ in rows])
        count = len(rows)
        self._raw = _transpose([cells_ for _, cells_ in rows], max(self.columns.values(), default=0) + 1)
        self._infos = [None] * count
        self._first_row_of: dict[str, int] = {}
        for name in ("household_numbers", "grids", "buildings", "units", "id_numbers"):
            setattr(result, name, [""] * count)
        for name in ("households", "residents", "floating"):
            setattr(result, name, [None] * count)
        return result

    def read(self, rows: list[tuple[int, list[object]]]) -> LedgerRows:
        """Every row at once (the benchmark's baseline; the importer goes range by range)."""
        result = self.start(rows)
        self.identify(result, 0, len(rows))
        self.clean(result, 0, len(rows))
        return result

    def identify(self, result: LedgerRows, start: int, stop: int) -> None:
        """Read what identifies rows ``start:stop`` and where they live: ID number, 户号, 网格,
        楼栋, 单元. An ID number seen on an earlier row is an error on the later one."""
        numbers = result.household_numbers[start:stop] = self._column(result, "household_number", start, stop)
        grids = result.grids[start:stop] = self._column(result, "grid", start, stop)
        result.buildings[start:stop] = self._column(result, "building", start, stop)
        result.units[start:stop] = self._column(result, "unit", start, stop)
        for i, (number, grid) in enumerate(zip(numbers, grids, strict=True), start):
            if not number:
                result.add_error(i, "household_number", "户号不能为空")
            elif len(number) > 40:
                result.add_error(i, "household_number", "户号过长（最多40个字符）")
            if not grid:
                result.add_error(i, "grid", "网格不能为空")
        infos = self._infos[start:stop] = self._id_numbers(
            result, start, self._cells("id_number", start, stop)
        )
        result.id_numbers[start:stop] = [info.number if info else "" for info in infos]

    def clean(self, result: LedgerRows, start: int, stop: int) -> None:
        """Read every other column of rows ``start:stop`` into ``result``."""
        v = {
            key: self._column(result, key, start, stop) for key in SIMPLE_COLUMNS if key not in _IDENTITY_KEYS
        }
        infos = self._infos[start:stop]
        self._check_names(result, start, v["name"])
        self._check_against_id(result, start, infos, v["gender"], v["birth_date"])
        ethnicity_ids = self._ethnicities(result, start, v["ethnicity"])
        today = self.today
        for i, moved_in in enumerate(v["moved_in_on"], start):
            if moved_in and moved_in > today:
                result.add_error(i, "moved_in_on", "迁入日期不能晚于今天")

        registered = ResidenceStatus.REGISTERED_PRESENT.value
        residence = [s or registered for s in v["residence_status"]]
        result.residents[start:stop] = [
            (*fixed, *special, languages)
            for fixed, special, languages in zip(
                zip(
                    [info.gender if info else "" for info in infos],
                    [info.birth_date if info else None for info in infos],
                    v["relation"],
                    v["name"],
                    ethnicity_ids,
                    v["phone"],
                    residence,
                    v["moved_in_on"],
                    v["origin"],
                    v["political_status"],
                    v["education"],
                    v["employment"],
                    strict=True,
                ),
                v["special_groups"],
                v["languages"],
                strict=True,
            )
        ]
        result.floating[start:stop] = self._floating(v)
        result.households[start:stop] = [
            (room, address, kind, phone, *flags, landlord, landlord_phone)
            for room, address, kind, phone, flags, landlord, landlord_phone in zip(
                v["room"],
                v["address"],
                v["household_kind"],
                v["household_phone"],
                v["household_flags"],
                v["landlord_name"],
                v["landlord_phone"],
                strict=True,
            )
        ]

    def cells_cleaned(self, key: str, start: int, stop: int) -> list:
        """Rows ``start:stop`` of a column whose cleaner can't fail (网格, 楼栋, 单元 …), cleaned,
        without touching any row's errors."""
        return self._column(LedgerRows([]), key, start, stop)

    def _cells(self, key: str, start: int, stop: int) -> list:
        index = self.columns.get(key)
        if index is None:
            return [""] * (stop - start)
        return self._raw[index][start:stop]

    def _column(self, result: LedgerRows, key: str, start: int, stop: int) -> list:
        """Rows ``start:stop`` of one column, each distinct cell cleaned once; a cell that
        fails keeps the column's default and gives its row an error."""
        cleaner, default = SIMPLE_COLUMNS[key]
        if key not in self.columns:
            return [default] * (stop - start)
        column = self._cells(key, start, stop)
        cleaned, failed = self._memo.setdefault(key, ({"": default, None: default}, {}))
        for cell in set(column):
            if cell in cleaned:
                continue
            try:
                cleaned[cell] = cleaner(cell) or default
            except cells.CellError as err:
                cleaned[cell] = default
                failed[cell] = str(err)
        if failed:
            for i, cell in enumerate(column, start):
                if cell in failed:
                    result.add_error(i, key, failed[cell])
        return list(map(cleaned.__getitem__, column))

    @staticmethod
    def _check_names(result: LedgerRows, start: int, names: list[str]) -> None:
        for i, name in enumerate(names, start):
            if not name:
                result.add_error(i, "name", "姓名不能为空")
            elif len(name) > 50:
                result.add_error(i, "name", "姓名过长（最多50字）")

    def _id_numbers(self, result: LedgerRows, start: int, column: list) -> list[idnumber.IdInfo | None]:
        """Every ID number checked (GB 11643); the same number twice in one file is an error
        on the later row."""
        infos: list[idnumber.IdInfo | None] = []
        today, first_row_of = self.today, self._first_row_of
        for i, raw in enumerate(column, start):
            try:
                info = idnumber.parse(raw, today=today)
            except ValidationError as err:
                message = err.messages[0]
                if isinstance(raw, float):
                    message += "（该列被 Excel 当作数字保存，末几位可能已丢失，请将列设为文本后重新填写）"
                result.add_error(i, "id_number", message)
                infos.append(None)
                continue
            infos.append(info)
            first = first_row_of.setdefault(info.number, i)
            if first != i:
                result.add_error(i, "id_number", f"与第{result.row_numbers[first]}行的身份证号重复")
        return infos

    @staticmethod
    def _check_against_id(
        result: LedgerRows, start: int, infos: list, genders: list[str], births: list
    ) -> None:
        for i, (info, gender, birth_date) in enumerate(zip(infos, genders, births, strict=True), start):
            if info is None or not (gender or birth_date):
                continue
            if gender and gender != info.gender:
                result.add_error(i, "gender", f"性别“{Gender(gender).label}”与身份证号不符")
            if birth_date and birth_date != info.birth_date:
                result.add_error(
                    i,
                    "birth_date",
                    f"出生日期{birth_date:%Y-%m-%d}与身份证号（{info.birth_date:%Y-%m-%d}）不符",
                )

    def _ethnicities(self, result: LedgerRows, start: int, texts: list[str]) -> list[int | None]:
        lookup = self.ethnicities
        ids = [lookup.get(text) for text in texts]
        for i, (text, found) in enumerate(zip(texts, ids, strict=True), start):
            if found is None:
                if not text:
                    result.add_error(i, "ethnicity", "民族不能为空")
                else:
                    result.add_error(i, "ethnicity", f"“{text}”不是可识别的民族名称")
        return ids

    def _floating(self, v: dict[str, list]) -> list[tuple | None]:
        """A floating resident's registration, or None: rows marked 流动, and rows that give
        floating facts in a file that has those columns."""
        floating_status = ResidenceStatus.FLOATING.value
        statuses = v["residence_status"]
        if not self.has_floating_columns and floating_status not in statuses:
            return [None] * len(statuses)
        out: list[tuple | None] = []
        for values in zip(
            statuses,
            v["arrived_on"],
            v["floating_origin"],
            v["expected_stay"],
            v["occupation"],
            v["workplace"],
            v["landlord_name"],
            v["landlord_phone"],
            strict=True,
        ):
            status, *facts = values
            if status == floating_status or any(facts[:5]):
                out.append(tuple(facts))
            else:
                out.append(None)
        return out


def _transpose(rows: list[list[object]], width: int) -> list[list[object]]:
    """Rows → columns. Spreadsheet rows come out of calamine all the same width; a CSV row
    may be shorter, and its missing cells are empty."""
    short = [i for i, r in enumerate(rows) if len(r) < width]
    if short:
        rows = list(rows)
        for i in short:
            rows[i] = [*rows[i], *([""] * (width - len(rows[i])))]
    return [list(c) for c in zip(*rows, strict=False)] if rows else [[] for _ in range(width)]
