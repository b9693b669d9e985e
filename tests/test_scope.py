import pytest
from django.http import Http404

from grid.models import Building, OrgUnit, Place, Role, Unit
from grid.scope import get_in_scope_or_404, scope_queryset, subtree_first_id, unit_in_scope


def test_grid_worker_sees_only_their_grid(tree, grid_worker):
    assert list(scope_queryset(grid_worker, Building)) == [tree.building]
    assert list(scope_queryset(grid_worker, Unit)) == [tree.unit]
    assert list(scope_queryset(grid_worker, Place)) == [tree.place]
    assert list(scope_queryset(grid_worker, OrgUnit)) == [tree.grid]


def test_leader_sees_their_whole_street_and_nothing_beyond(tree, leader):
    units = set(scope_queryset(leader, OrgUnit))
    assert units == {tree.street, tree.community, tree.grid, tree.grid2}
    assert tree.other_building not in scope_queryset(leader, Building)


def test_admin_at_district_sees_everything_below(tree, admin_user):
    assert scope_queryset(admin_user, Building).count() == 2
    assert scope_queryset(admin_user, OrgUnit).count() == OrgUnit.objects.count()


def test_out_of_scope_record_is_a_404(tree, grid_worker):
    assert get_in_scope_or_404(grid_worker, Building, pk=tree.building.pk) == tree.building
    with pytest.raises(Http404):
        get_in_scope_or_404(grid_worker, Building, pk=tree.other_building.pk)


def test_user_without_profile_sees_nothing(tree, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x-pass-1234")
    assert not scope_queryset(nobody, Building).exists()
    assert not unit_in_scope(nobody, tree.grid)


def test_unit_in_scope_checks_the_subtree(tree, persona):
    staff = persona(Role.STAFF)
    assert unit_in_scope(staff, tree.grid2)
    assert not unit_in_scope(staff, tree.other_grid)
    assert not unit_in_scope(staff, tree.street)


def test_subtree_first_id_is_the_smallest_id_of_the_subtree(tree, leader, grid_worker, django_user_model):
    assert subtree_first_id(leader) == min(u.pk for u in (tree.street, tree.community, tree.grid, tree.grid2))
    assert subtree_first_id(grid_worker) == tree.grid.pk
    root = django_user_model.objects.create_superuser("root", password="x-pass-1234")
    assert subtree_first_id(root) is None  # everything: nothing to bound
    assert subtree_first_id(django_user_model.objects.create_user("nobody", password="x-pass-1234")) is None
