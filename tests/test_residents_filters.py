"""residents.filters: the household search finds the same households whichever way it asks
the database (matches looked up first, or one query for a term most households match)."""

from __future__ import annotations

import pytest

from grid.models import Role
from residents import filters
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
