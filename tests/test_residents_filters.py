"""residents.filters: the household search finds the same households whichever way it asks
the database (matches looked up first, or one query for a term most households match)."""

from __future__ import annotations

import pytest

from grid.models import Role
from residents import filters
from tests.factories import OrgUnitFactory
from tests.factories_residents import HouseholdFactory, ResidentFactory


@pytest.fixture
def households(tree):
    a = HouseholdFactory(grid=tree.grid, number="0101")
    ResidentFactory(household=a, name="张伟")
    b = HouseholdFactory(grid=tree.grid, number="0102")
    ResidentFactory(household=b, name="李张")
    c = HouseholdFactory(grid=tree.grid, number="张家0103")
    ResidentFactory(household=c, name="王五")
    d = HouseholdFactory(grid=tree.other_grid, number="0901")
    ResidentFactory(household=d, name="张三")  # another street's
    return a, b, c, d


@pytest.mark.parametrize("cap", [filters.HOUSEHOLD_MATCHES, 1])
def test_a_name_or_number_search_finds_the_same_households_in_scope(households, persona, monkeypatch, cap):
    monkeypatch.setattr(filters, "HOUSEHOLD_MATCHES", cap)
    a, b, c, _ = households
    found = filters.households_for(persona(Role.STAFF), {"q": "张"})
    assert set(found) == {a, b, c}
    assert set(filters.households_for(persona(Role.STAFF), {"q": "0102"})) == {b}
    assert not filters.households_for(persona(Role.STAFF), {"q": "不存在"}).exists()


def test_a_name_search_keeps_the_characters_order_and_asks_the_character_index_on_postgresql(
    households, persona
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    a, *_ = households
    ResidentFactory(household=a, name="伟张")  # the same characters, the other way round
    staff = persona(Role.STAFF)
    with CaptureQueriesContext(connection) as queries:
        found = list(filters.residents_for(staff, {"q": "张伟"}))
    assert [r.name for r in found] == ["张伟"]
    uses_index = any("string_to_array" in q["sql"] for q in queries.captured_queries)
    assert uses_index == (connection.vendor == "postgresql")
    assert [r.name for r in filters.residents_for(staff, {"q": "zhang"})] == []  # letter case: LIKE only


def test_the_lists_id_bound_only_helps_the_scope_which_still_decides(tree, persona):
    """A unit of another street made after the community's first lies above the bound the
    lists add for the planner; its households and residents stay out."""
    between = OrgUnitFactory(parent=tree.other_community, name="北苑二网格")
    later = OrgUnitFactory(parent=tree.community, name="三网格")
    assert tree.grid.pk < between.pk < later.pk
    outside = HouseholdFactory(grid=between, number="0801")
    ResidentFactory(household=outside, name="外人")
    inside = HouseholdFactory(grid=later, number="0301")
    ResidentFactory(household=inside, name="新人")
    staff = persona(Role.STAFF)
    assert list(filters.households_for(staff, {})) == [inside]
    assert [r.name for r in filters.residents_for(staff, {})] == ["新人"]
