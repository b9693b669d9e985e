"""core.inventory (数据清单): every field of every installed model has a class, the classes
name only fields that exist, and docs/security.md lists each field with the class the code
gives it; the readers the docs name per permission are the roles that hold it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test.utils import isolate_apps

from core import inventory
from core.inventory import DataClass
from grid.models import Role
from grid.roles import role_permissions

DOCS = Path(settings.BASE_DIR) / "docs" / "security.md"
INVENTORY_HEADING = "## 数据清单"
ROLES_HEADING = "## 角色与权限"
READERS_HEADER = ("简称", "权限", "持有的角色")
MODEL_LABEL = re.compile(r"`([a-z_]+\.[A-Za-z_]+)`")
NAME = re.compile(r"`([a-z_0-9]+)`")
PERMISSION = re.compile(r"`([a-z_]+\.[a-z_]+)`")


def project_models() -> list[type[models.Model]]:
    """The models of the project's own apps: core, grid, residents and every app beside them."""
    base = Path(settings.BASE_DIR)
    return [
        model
        for config in apps.get_app_configs()
        if Path(config.path).parent == base
        for model in config.get_models()
    ]


# --- the inventory against the models -------------------------------------------------------


def test_the_project_apps_and_the_installations_users_are_in_it():
    labels = {model._meta.label_lower for model in project_models()}
    assert {"core.auditevent", "grid.building", "residents.resident"} <= labels
    assert labels | {"auth.user", "sessions.session", "axes.accesslog"} <= set(inventory.classification())


def test_every_field_of_every_installed_model_has_a_class():
    """A new field (a foreign key, a many-to-many too) fails here until its app's hooks.py
    classifies it (``core.inventory.classify``) and docs/security.md lists it. Django's and the
    third-party apps' tables count too: the inventory is of what the installation keeps."""
    missing = inventory.unclassified(apps.get_models())
    assert missing == [], "classify these fields in their app's hooks.py: " + ", ".join(missing)


def test_the_inventory_names_no_model_or_field_that_does_not_exist():
    gone = inventory.unknown(apps.get_models())
    assert gone == [], "renamed or removed? the inventory still names: " + ", ".join(gone)


def test_a_field_a_model_gains_is_reported_and_so_is_one_it_loses():
    with isolate_apps("residents"):

        class Resident(models.Model):
            name = models.CharField(max_length=50)
            nickname = models.CharField(max_length=50)
            helpers = models.ManyToManyField("self")

            class Meta:
                app_label = "residents"

            def __str__(self) -> str:
                return self.name

        assert inventory.unclassified([Resident]) == [
            "residents.resident.nickname",
            "residents.resident.helpers",
        ]
        assert "residents.resident.id_number" in inventory.unknown([Resident])


def test_the_reverse_side_of_a_relation_is_not_a_field_to_classify():
    assert "residents" not in inventory.field_names(apps.get_model("residents.Household"))
    assert "household" in inventory.field_names(apps.get_model("residents.Resident"))


def test_a_field_keeps_one_class(monkeypatch):
    monkeypatch.setattr(inventory, "_inventory", {})
    inventory.classify("residents.Resident", sensitive=("id_number",), personal=("name",))
    inventory.classify("residents.Resident", sensitive=("id_number",))  # hooks imported again
    assert inventory.classification() == {
        "residents.resident": {"id_number": DataClass.SENSITIVE, "name": DataClass.PERSONAL}
    }
    with pytest.raises(ValueError, match="already 敏感个人信息"):
        inventory.classify("residents.Resident", business=("id_number",))
    with pytest.raises(ValueError, match="classified twice"):
        inventory.classify("residents.Household", personal=("phone",), business=("phone",))


def test_id_numbers_ethnicity_and_special_groups_are_sensitive():
    classes = inventory.classification()["residents.resident"]
    sensitive = {name for name, data_class in classes.items() if data_class == DataClass.SENSITIVE}
    assert {"id_number", "ethnicity", "is_dibao", "is_disabled", "is_left_behind_child"} <= sensitive
    assert inventory.classification()["auth.user"]["password"] == DataClass.CREDENTIAL
    assert DataClass.CREDENTIAL.is_personal and not DataClass.BUSINESS.is_personal


# --- the docs against the inventory ---------------------------------------------------------


@dataclass
class Row:
    heading: str  # the nearest heading above the table
    section: str  # the "## " section it is in
    header: tuple[str, ...]
    cells: tuple[str, ...]


def table_rows(text: str) -> list[Row]:
    rows: list[Row] = []
    heading = section = ""
    header: tuple[str, ...] | None = None
    for line in text.splitlines():
        if line.startswith("#"):
            heading = line.strip()
            if line.startswith("## "):
                section = heading
        if not line.startswith("|"):
            header = None
            continue
        cells = tuple(cell.strip() for cell in line.strip().strip("|").split("|"))
        if header is None:
            header = cells
        elif not set("".join(cells)) <= set("-: "):
            rows.append(Row(heading, section, header, cells))
    return rows


def docs_inventory(text: str) -> dict[tuple[str, str], str]:
    """(model label, field) → the class the docs give it, from the tables under each
    ``#### … `app.Model``` heading of 数据清单."""
    found: dict[tuple[str, str], str] = {}
    for row in table_rows(text):
        label = MODEL_LABEL.search(row.heading)
        if row.section != INVENTORY_HEADING or not row.heading.startswith("#### ") or not label:
            continue
        for name in NAME.findall(row.cells[0]):
            key = (label.group(1).lower(), name)
            assert key not in found, f"docs/security.md lists {key} twice"
            found[key] = row.cells[1]
    return found


def code_inventory() -> dict[tuple[str, str], DataClass]:
    return {
        (label, name): data_class
        for label, fields in inventory.classification().items()
        for name, data_class in fields.items()
    }


def test_the_docs_list_every_personal_field_with_its_class():
    docs = docs_inventory(DOCS.read_text(encoding="utf-8"))
    missing = sorted(
        f"`{label}` | `{name}` | {data_class.label}"
        for (label, name), data_class in code_inventory().items()
        if data_class.is_personal and docs.get((label, name)) != data_class.label
    )
    assert missing == [], "docs/security.md 数据清单 lacks (or misclassifies): " + "; ".join(missing)


def test_the_docs_and_the_inventory_agree_on_every_field():
    docs, code = docs_inventory(DOCS.read_text(encoding="utf-8")), code_inventory()
    differ = {key: (docs.get(key), code[key].label) for key in code if docs.get(key) != code[key].label}
    assert differ == {}, "(model, field): (the docs' class, the code's)"
    assert sorted(set(docs) - set(code)) == [], "the docs list fields the inventory doesn't have"


def test_the_check_of_the_docs_reads_their_tables():
    text = """
## 数据清单

#### 居民 `residents.Resident`

| 字段 | 类别 | 谁可见 |
|---|---|---|
| `name` 姓名, `gender` 性别 | 一般个人信息 | 台账读者 |

## 其他

#### `residents.Household`

| 字段 | 类别 |
|---|---|
| `phone` | 一般个人信息 |
"""
    assert docs_inventory(text) == {
        ("residents.resident", "name"): "一般个人信息",
        ("residents.resident", "gender"): "一般个人信息",
    }


def test_the_readers_the_docs_name_are_the_roles_holding_the_permission():
    """The inventory says who may see a field by a short name (台账读者 …) standing for the
    roles that hold a permission; those must be the roles the apps' hooks grant it to."""
    labels = {str(role.label): role.value for role in Role}
    grants = role_permissions()
    rows = [row for row in table_rows(DOCS.read_text(encoding="utf-8")) if row.header == READERS_HEADER]
    assert len(rows) >= 5
    for row in rows:
        named = {labels[name] for name in re.split(r"[、，,\s]+", row.cells[2]) if name}
        for permission in PERMISSION.findall(row.cells[1]):
            holders = {role for role, perms in grants.items() if permission in perms}
            assert named == holders, (
                f"{row.cells[0]} ({permission}): the docs say {named}, the grants {holders}"
            )


def test_the_docs_say_what_each_of_the_seven_roles_may_do():
    rows = [row for row in table_rows(DOCS.read_text(encoding="utf-8")) if row.section == ROLES_HEADING]
    described = {row.cells[0] for row in rows}
    assert {str(role.label) for role in Role} <= described
    for role in Role:
        assert any(f"`{role.value}`" in row.cells[1] for row in rows if row.cells[0] == role.label), role
