import pytest
from django.urls import reverse

from core.masking import mask_id_number
from grid.models import Role
from residents.models import ChangeAction
from tests.factories import make_person
from tests.factories_residents import HouseholdFactory, ResidentFactory
from tests.ledger_history import LedgerChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def street_admin(tree):
    return make_person(role=Role.ADMIN, unit=tree.street, username="street_admin")


@pytest.fixture
def people(tree):
    inside = ResidentFactory(household=HouseholdFactory(grid=tree.grid), name="张三", phone="13698765432")
    outside = ResidentFactory(household=HouseholdFactory(grid=tree.other_grid), name="王五")
    return inside, outside


def test_the_resident_admin_list_masks_and_is_scoped(client, street_admin, people):
    inside, outside = people
    client.force_login(street_admin)
    body = client.get(reverse("admin:residents_resident_changelist")).content.decode()
    assert "张三" in body and "王五" not in body
    assert mask_id_number(inside.id_number) in body
    assert inside.id_number not in body
    assert "13698765432" not in body


def test_the_admin_shows_ledger_records_but_does_not_edit_them(client, street_admin, people):
    inside, outside = people
    client.force_login(street_admin)
    page = client.get(reverse("admin:residents_resident_change", args=[inside.pk]))
    assert page.status_code == 200
    assert inside.id_number not in page.content.decode()
    assert client.get(reverse("admin:residents_resident_add")).status_code == 403
    assert client.get(reverse("admin:residents_resident_change", args=[outside.pk])).status_code == 302
    client.post(reverse("admin:residents_resident_change", args=[inside.pk]), {"name": "改名"})
    inside.refresh_from_db()
    assert inside.name == "张三"


@pytest.mark.parametrize(
    "model",
    [
        "residents_ethnicity",
        "residents_household",
        "residents_resident",
        "residents_floatingregistration",
        "core_change",
        "residents_ledgerimport",
    ],
)
def test_every_ledger_model_has_a_chinese_admin_page(client, street_admin, model):
    client.force_login(street_admin)
    assert client.get(reverse(f"admin:{model}_changelist")).status_code == 200


def test_the_change_log_admin_hides_the_raw_values(client, street_admin, people):
    inside, _ = people
    change = LedgerChange.objects.create(
        household=inside.household,
        resident=inside,
        action=ChangeAction.UPDATE,
        changes={"id_number": ["", inside.id_number]},
    )
    client.force_login(street_admin)
    body = client.get(reverse("admin:core_change_change", args=[change.pk])).content.decode()
    assert inside.id_number not in body
