"""core.inventory (数据清单): every field of every installed model has a class, and the
classes name only fields that exist."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test.utils import isolate_apps

from core import inventory
from core.inventory import DataClass


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
