"""The Django admin goes through the same scope as the pages: an admin of one community sees,
changes and points records at that community only."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from grid.models import Building, Place, Role, Unit
from tests.factories import make_person


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    # Every persona's password is hashed when made; the real hasher's cost buys nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def community_admin(tree):
    return make_person(role=Role.ADMIN, unit=tree.community, username="community_admin")


@pytest.fixture
def admin_client_at_community(client, community_admin):
    client.force_login(community_admin)
    return client


class _FormValues(HTMLParser):
    """What a browser would submit for the first ``<form>`` with a given id: every field's
    current value, as the admin rendered it."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.done = False
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def _add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == self.form_id and not self.done:
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in {"submit", "button", "file"}:
            if a.get("type") in {"checkbox", "radio"}:
                if "checked" in a:
                    self._add(name, a.get("value", "on"))
            else:
                self._add(name, a.get("value") or "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self._add(self._select, a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self._add(name, "")

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self.inside:
            self.inside = False
            self.done = True


def form_values(response, form_id: str) -> dict[str, list[str]]:
    parser = _FormValues(form_id)
    parser.feed(response.content.decode())
    assert parser.done, f"no form #{form_id} on the page"
    return parser.data


# --- change list ---------------------------------------------------------------------


def test_changelist_lists_only_buildings_in_scope(admin_client_at_community, tree):
    response = admin_client_at_community.get(reverse("admin:grid_building_changelist"))
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [tree.building]
    assert "9号楼" not in response.content.decode()


@pytest.mark.parametrize(
    ("model", "inside", "outside"),
    [("unit", "unit", "other_unit"), ("place", "place", "other_place"), ("orgunit", "grid", "other_grid")],
)
def test_other_changelists_are_scoped_too(admin_client_at_community, tree, model, inside, outside):
    response = admin_client_at_community.get(reverse(f"admin:grid_{model}_changelist"))
    shown = set(response.context["cl"].result_list)
    assert getattr(tree, inside) in shown
    assert getattr(tree, outside) not in shown


def test_user_changelist_shows_only_people_in_scope(admin_client_at_community, tree, persona):
    staff, leader = persona(Role.STAFF), persona(Role.LEADER)  # community, street above
    response = admin_client_at_community.get(reverse("admin:auth_user_changelist"))
    shown = set(response.context["cl"].result_list)
    assert staff in shown
    assert leader not in shown


def test_changelist_filter_names_no_grid_outside_scope(admin_client_at_community, tree):
    page = admin_client_at_community.get(reverse("admin:grid_building_changelist")).content.decode()
    assert "北苑一网格" not in page


# --- change page ---------------------------------------------------------------------


def test_out_of_scope_change_page_shows_nothing(admin_client_at_community, tree):
    url = reverse("admin:grid_building_change", args=[tree.other_building.pk])
    response = admin_client_at_community.get(url, follow=True)
    assert response.redirect_chain == [(reverse("admin:index"), 302)]
    page = response.content.decode()
    assert "不存在" in page
    assert tree.other_building.address not in page
    assert "9号楼" not in page


def test_out_of_scope_change_post_changes_nothing(admin_client_at_community, tree):
    url = reverse("admin:grid_building_change", args=[tree.other_building.pk])
    response = admin_client_at_community.post(
        url,
        {
            "grid": tree.other_grid.pk,
            "number": "被改了",
            "address": "",
            "head_name": "",
            "head_phone": "",
            "units-TOTAL_FORMS": "0",
            "units-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    tree.other_building.refresh_from_db()
    assert tree.other_building.number == "9号楼"


def test_out_of_scope_delete_deletes_nothing(admin_client_at_community, tree):
    url = reverse("admin:grid_place_delete", args=[tree.other_place.pk])
    response = admin_client_at_community.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert Place.objects.filter(pk=tree.other_place.pk).exists()


def test_in_scope_change_page_saves(admin_client_at_community, tree):
    url = reverse("admin:grid_building_change", args=[tree.building.pk])
    data = form_values(admin_client_at_community.get(url), "building_form")
    data["head_name"] = ["马德福"]
    response = admin_client_at_community.post(url, data)
    assert response.status_code == 302
    tree.building.refresh_from_db()
    assert tree.building.head_name == "马德福"


# --- foreign-key choices ----------------------------------------------------------------


def test_building_grid_choices_exclude_grids_outside_scope(admin_client_at_community, tree):
    response = admin_client_at_community.get(reverse("admin:grid_building_add"))
    choices = set(response.context["adminform"].form.fields["grid"].queryset)
    assert choices == {tree.grid, tree.grid2}
    assert "北苑一网格" not in response.content.decode()


def test_building_cannot_be_added_to_grid_outside_scope(admin_client_at_community, tree):
    response = admin_client_at_community.post(
        reverse("admin:grid_building_add"),
        {
            "grid": tree.other_grid.pk,
            "number": "7号楼",
            "address": "",
            "head_name": "",
            "head_phone": "",
            "units-TOTAL_FORMS": "0",
            "units-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not Building.objects.filter(number="7号楼").exists()


def test_a_buildings_grid_is_fixed_in_the_admin_so_it_cannot_leave_scope(admin_client_at_community, tree):
    """Households are filed under a building's grid: the admin shows it, never moves it."""
    url = reverse("admin:grid_building_change", args=[tree.building.pk])
    data = form_values(admin_client_at_community.get(url), "building_form")
    data["grid"] = [str(tree.other_grid.pk)]
    admin_client_at_community.post(url, data)
    tree.building.refresh_from_db()
    assert tree.building.grid == tree.grid


def test_admin_edits_and_deletions_are_in_the_history(admin_client_at_community, tree):
    from core import history

    url = reverse("admin:grid_building_change", args=[tree.building.pk])
    data = form_values(admin_client_at_community.get(url), "building_form")
    data["address"] = ["幸福路1号"]
    data["units-0-number"] = ["一单元"]
    assert admin_client_at_community.post(url, data).status_code == 302
    [edit] = history.of_record(tree.building)
    assert edit.changes["address"][1] == "幸福路1号"
    [unit_edit] = history.of_record(tree.unit)
    assert unit_edit.changes["number"] == ["1单元", "一单元"] and unit_edit.parent_id == tree.building.pk

    place = tree.place
    delete = reverse("admin:grid_place_delete", args=[place.pk])
    assert admin_client_at_community.post(delete, {"post": "yes"}).status_code == 302
    [gone] = history.of_record(place)
    assert gone.action == history.DELETE and gone.changes["name"] == [place.name, ""]


def test_building_head_choices_exclude_residents_outside_scope(admin_client_at_community, tree):
    from tests.factories_residents import HouseholdFactory, ResidentFactory

    inside = ResidentFactory(household=HouseholdFactory(grid=tree.grid2), name="古丽")
    outside = ResidentFactory(household=HouseholdFactory(grid=tree.other_grid), name="张海州")
    response = admin_client_at_community.get(reverse("admin:grid_building_change", args=[tree.building.pk]))
    choices = set(response.context["adminform"].form.fields["head"].queryset)
    assert inside in choices
    assert outside not in choices


def test_unit_building_choices_exclude_buildings_outside_scope(admin_client_at_community, tree):
    response = admin_client_at_community.get(reverse("admin:grid_unit_add"))
    assert set(response.context["adminform"].form.fields["building"].queryset) == {tree.building}
    Unit.objects.get(pk=tree.other_unit.pk)  # still there, just not offered


def test_profile_unit_choices_exclude_units_outside_scope(admin_client_at_community, tree):
    response = admin_client_at_community.get(reverse("admin:grid_profile_add"))
    choices = set(response.context["adminform"].form.fields["org_unit"].queryset)
    assert choices == {tree.community, tree.grid, tree.grid2}


# --- who may enter -------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", [Role.STAFF, Role.LEADER, Role.GRID_WORKER, Role.MEDIATOR, Role.WINDOW_CLERK]
)
def test_only_admins_enter_the_admin_site(client, persona, role):
    client.force_login(persona(role))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_scoped_admin_cannot_make_themselves_superuser(admin_client_at_community, community_admin):
    url = reverse("admin:auth_user_change", args=[community_admin.pk])
    data = form_values(admin_client_at_community.get(url), "user_form")
    data["is_superuser"] = ["on"]
    admin_client_at_community.post(url, data)
    community_admin.refresh_from_db()
    assert not community_admin.is_superuser


@pytest.mark.parametrize(
    ("page", "english"),
    [
        ("admin:auth_user_add", "After you’ve created a user"),
        ("admin:index", "Change or view list link"),
        ("admin:index", "Model name"),
    ],
)
def test_the_admin_reads_in_chinese_where_its_packages_leave_english(
    admin_client_at_community, page, english
):
    # Django 5.2's newest admin strings and django-axes ship no Chinese: locale/ supplies it.
    text = admin_client_at_community.get(reverse(page)).content.decode()
    assert english.lower() not in text.lower()


def test_the_sign_in_lockouts_have_chinese_names():
    from axes.models import AccessAttempt, AccessLog

    assert (str(AccessAttempt._meta.verbose_name_plural), str(AccessLog._meta.verbose_name_plural)) == (
        "登录尝试",
        "登录日志",
    )


def test_an_admin_gives_a_staff_member_the_import_right_on_their_profile(
    admin_client_at_community, tree, persona
):
    staff = persona(Role.STAFF)
    url = reverse("admin:grid_profile_change", args=[staff.profile.pk])
    data = form_values(admin_client_at_community.get(url), "profile_form")
    data["extra_grants"] = ["residents.import_ledger"]
    response = admin_client_at_community.post(url, data)
    assert response.status_code == 302
    staff = type(staff).objects.get(pk=staff.pk)
    assert staff.profile.extra_grants == ["residents.import_ledger"]
    assert staff.has_perm("residents.import_ledger") and staff.has_perm("residents.view_ledgerimport")
