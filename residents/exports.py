"""The sheets of the household and resident lists' Excel (.xlsx) exports.

The rows come from the same scoped, filtered querysets as the pages (``residents.filters``,
registered in ``residents.lists``). ID numbers and phones are personal columns: ``core.lists``
masks them unless the reader asks for full values *and* may see them; ``core.xlsx`` writes
the sheet, formula-safe.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from core.masking import mask_id_number, mask_phone
from core.xlsx import Column

from .models import FloatingRegistration, Household, LedgerStatus, Resident

# Whole ID numbers and phones: on a detail page, and in an export that asks for them.
FULL_IDENTITY = "residents.view_full_identity"


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _birth_year(value: dt.date | None) -> str:
    """The masked birth date: the year only. A masked ID number hides the birth date; the
    whole date beside its region and last four digits would give the number back."""
    return f"{value.year}年" if value else ""


def _left_on(status: str, value: dt.date | None) -> str:
    return "" if status == LedgerStatus.ACTIVE else _date(value)


def _label(model, name: str) -> Callable[[str], str]:
    # Looked up once per export, not once per cell: get_FOO_display is slow on 100k rows.
    labels = {key: str(label) for key, label in model._meta.get_field(name).flatchoices}
    return lambda value: labels.get(value, value or "")


def _flags(model, names: tuple[str, ...]) -> Callable[..., str]:
    labels = [str(model._meta.get_field(name).verbose_name) for name in names]
    return lambda *values: "、".join(label for label, on in zip(labels, values, strict=True) if on)


def _text(value: str | None) -> str:
    return value or ""


def household_columns() -> list[Column]:
    return [
        Column("户号", ("number",)),
        Column("社区", ("community__name",)),
        Column("网格", ("grid__name",)),
        Column("楼栋", ("building__number",)),
        Column("单元", ("unit__number",)),
        Column("门牌/室号", ("room",)),
        Column("住址", ("address",), width=30),
        Column("户别", ("kind",), _label(Household, "kind")),
        Column("户主", ("head_name",)),
        Column("联系电话", ("phone",), _text, 15, mask=mask_phone),
        Column("在册人数", ("member_count",), width=8),
        Column("家庭标签", Household.FLAG_FIELDS, _flags(Household, Household.FLAG_FIELDS), 20),
        Column("房东姓名", ("landlord_name",)),
        Column("房东电话", ("landlord_phone",), _text, 15, mask=mask_phone),
        Column("销户日期", ("closed_on",), _date),
    ]


def _person_columns() -> dict[str, Column]:
    """A resident's own columns, keyed as the import template keys them
    (``ledger_import.columns``): the list's export and the full-value export share them."""
    return {
        "name": Column("姓名", ("name",)),
        "gender": Column("性别", ("gender",), _label(Resident, "gender"), 6),
        "birth_date": Column("出生日期", ("birth_date",), _date, mask=_birth_year),
        "id_number": Column("身份证号", ("id_number",), _text, 22, mask=mask_id_number),
        "ethnicity": Column("民族", ("ethnicity__name",), width=10),
        "phone": Column("联系电话", ("phone",), _text, 15, mask=mask_phone),
        "relation": Column("与户主关系", ("relation",), _label(Resident, "relation")),
        "residence_status": Column("居住状态", ("residence_status",), _label(Resident, "residence_status")),
        "moved_in_on": Column("迁入日期", ("moved_in_on",), _date),
        "origin": Column("迁入地/籍贯", ("origin",), width=20),
        "political_status": Column("政治面貌", ("political_status",), _label(Resident, "political_status")),
        "education": Column("文化程度", ("education",), _label(Resident, "education")),
        "employment": Column("就业状况", ("employment",), _label(Resident, "employment")),
        "special_groups": Column(
            "特殊群体", Resident.SPECIAL_GROUP_FIELDS, _flags(Resident, Resident.SPECIAL_GROUP_FIELDS), 20
        ),
        "languages": Column("使用语言", ("languages",)),
    }


def resident_columns() -> list[Column]:
    person = _person_columns()
    return [
        *(person[key] for key in ("name", "gender", "birth_date", "id_number", "ethnicity", "phone")),
        Column("户号", ("household__number",)),
        Column("网格", ("household__grid__name",)),
        Column("楼栋", ("household__building__number",)),
        Column("单元", ("household__unit__number",)),
        Column("门牌/室号", ("household__room",)),
        *(
            person[key]
            for key in (
                "relation",
                "residence_status",
                "moved_in_on",
                "origin",
                "political_status",
                "education",
                "employment",
                "special_groups",
                "languages",
            )
        ),
        Column("在册状态", ("status",), _label(Resident, "status"), 8),
        # Someone back on the ledger keeps the day they returned (迁回) there; not a leaving date.
        Column("迁出/死亡日期", ("status", "status_date"), _left_on),
        Column("去向", ("departure",), _label(Resident, "departure"), 12),
        Column("迁往地", ("departure_place",), width=20),
        Column("迁出或死亡原因", ("leaving_reason",), width=20),
    ]


def resident_import_columns() -> list[Column]:
    """The full-value export as the import template has it: its columns, headers and order
    (``ledger_import.columns.COLUMNS``), values written as the importer reads them, so that a
    sheet exported, corrected in Excel and imported again changes only what was corrected.
    A 社区 column comes first, for a district's export; the importer reads past it."""
    from .ledger_import.columns import COLUMNS

    household, floating = "household__", "floating_registration__"
    by_key = {
        "grid": Column("网格", (f"{household}grid__name",)),
        "building": Column("楼栋", (f"{household}building__number",)),
        "unit": Column("单元", (f"{household}unit__number",)),
        "room": Column("门牌号", (f"{household}room",)),
        "address": Column("住址", (f"{household}address",), width=30),
        "household_number": Column("户号", (f"{household}number",)),
        "household_kind": Column("户别", (f"{household}kind",), _label(Household, "kind")),
        "household_phone": Column("户联系电话", (f"{household}phone",), _text, 15, mask=mask_phone),
        "household_flags": Column(
            "家庭标签",
            tuple(f"{household}{name}" for name in Household.FLAG_FIELDS),
            _flags(Household, Household.FLAG_FIELDS),
            20,
        ),
        "landlord_name": Column("房东姓名", (f"{household}landlord_name",)),
        "landlord_phone": Column("房东电话", (f"{household}landlord_phone",), _text, 15, mask=mask_phone),
        **_person_columns(),
        "arrived_on": Column("来本地日期", (f"{floating}arrived_on",), _date),
        "floating_origin": Column("户籍地", (f"{floating}origin",)),
        "expected_stay": Column("预计居住期限", (f"{floating}expected_stay",)),
        "occupation": Column(
            "从业类型", (f"{floating}occupation",), _label(FloatingRegistration, "occupation")
        ),
        "workplace": Column("工作单位", (f"{floating}workplace",), width=20),
    }
    missing = [c.key for c in COLUMNS if c.key not in by_key or by_key[c.key].header != c.header]
    if missing:  # the template changed: the export must follow it
        raise RuntimeError(f"the full export lacks the template's columns: {missing}")
    return [Column("社区", (f"{household}community__name",)), *(by_key[c.key] for c in COLUMNS)]
