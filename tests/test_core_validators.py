"""core.validators: invisible characters and impossible dates are refused in every text and
date field of the project's models (pages, actions, the admin) and in the Excel import."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from core.validators import INVISIBLE, invisible_characters, no_invisible_characters, plausible_date
from residents import actions
from residents.ledger_import.cells import CellError, date, visible_text
from residents.models import Resident
from tests.factories_residents import HouseholdFactory, ResidentFactory

RLO, ZWSP = "\u202e", "\u200b"


@pytest.mark.parametrize("value", [f"张{ZWSP}三", f"张三{RLO}exe.txt", "张\x07三", "\ufeff张三"])
def test_invisible_characters_are_refused_in_chinese(value):
    with pytest.raises(ValidationError) as refused:
        no_invisible_characters(value)
    assert refused.value.messages == [INVISIBLE]


def test_line_breaks_stay_allowed_in_multi_line_text_only():
    assert invisible_characters("第一行\n第二行", multiline=True) == []
    assert invisible_characters("第一行\n第二行") == ["U+000A"]


@pytest.mark.parametrize("day", [dt.date(1000, 1, 1), dt.date(1899, 12, 31), dt.date(2100, 1, 1)])
def test_impossible_dates_are_refused(day):
    with pytest.raises(ValidationError, match="不合理"):
        plausible_date(day)
    plausible_date(dt.date(1950, 6, 1))


def test_every_text_and_date_field_of_the_projects_models_is_guarded():
    for label in ("core", "grid", "residents"):
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.get_fields():
                if isinstance(field, models.CharField | models.TextField):
                    assert any("invisible" in v.__name__ for v in field.validators), field
                elif isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
                    assert plausible_date in field.validators, field
    session_key = apps.get_model("sessions", "Session")._meta.get_field("session_key")
    assert not any(getattr(v, "__name__", "") == "no_invisible_characters" for v in session_key.validators)


def test_an_edit_with_a_zero_width_name_writes_nothing(tree, staff_user):
    resident = ResidentFactory(household=HouseholdFactory(grid=tree.grid), name="张三")
    with pytest.raises(ValidationError) as refused:
        actions.resident_update(by=staff_user, resident=resident, name=f"张{ZWSP}三")
    assert INVISIBLE in refused.value.message_dict["name"]
    assert Resident.objects.get(pk=resident.pk).name == "张三"


def test_the_form_says_so_for_a_moved_in_date_of_the_year_1000(client, tree, staff_user):
    resident = ResidentFactory(household=HouseholdFactory(grid=tree.grid))
    client.force_login(staff_user)
    url = reverse("residents:resident_edit", args=[resident.pk])
    data = {
        name: value
        for name, value in client.get(url).context["form"].initial.items()
        if value is not None and not isinstance(value, list)
    }
    data |= {"moved_in_on": "1000-01-01", "ethnicity": resident.ethnicity_id}
    response = client.post(url, data)
    assert response.status_code == 200 and "不合理" in response.content.decode()
    resident.refresh_from_db()
    assert resident.moved_in_on != dt.date(1000, 1, 1)


def test_the_import_refuses_them_cell_by_cell():
    with pytest.raises(CellError):
        visible_text(f"王{RLO}五")
    with pytest.raises(CellError, match="不合理"):
        date("1000-01-01")
    assert visible_text(" 王 五 ") == "王 五" and date("1980.1.1") == dt.date(1980, 1, 1)
