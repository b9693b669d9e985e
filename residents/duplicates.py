"""疑似重复登记: one person registered twice, in two households (once with an old 15-digit
number whose region code has since changed, once with the new one; or with a typo in the
number that still passes its check). The ID numbers differ, so the ledger's uniqueness
can't catch them; the same name and birth date in two households on the ledger can.

Staff review each pair in their scope and merge it (``actions.resident_merge``) or dismiss
it (``actions.duplicate_dismiss``: two people after all), after which it is not listed again.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from itertools import combinations

from django.db.models import Count

from grid.scope import scope_queryset

from .models import DuplicateDismissal, Resident

# Pairs are found in one grouped pass; a scope with more groups than this lists the first
# ones by name that still have a pair, and the rest once those are reviewed.
GROUP_LIMIT = 200


@dataclass(frozen=True)
class PossibleDuplicate:
    first: Resident  # the lower pk: registered first
    second: Resident

    @property
    def records(self) -> tuple[Resident, Resident]:
        return self.first, self.second

    @property
    def hint(self) -> str:
        """What tells the two ID numbers apart, without showing either."""
        a, b = self.first.id_number, self.second.id_number
        # Birth date and sequence the same (the check character follows the region).
        if a[:6] != b[:6] and a[6:17] == b[6:17]:
            return "仅地址码不同，可能为旧号与新号"
        differing = sum(x != y for x, y in zip(a, b, strict=True))
        return f"身份证号有{differing}位不同，可能有录入错误"


def possible_duplicates(user, *, limit: int = GROUP_LIMIT) -> list[PossibleDuplicate]:
    """The pairs of residents on the ledger in ``user``'s scope with the same name and birth
    date in two households, not yet dismissed, by name: those of the first ``limit`` groups
    that still have one (a group whose pairs were all dismissed makes room for the next)."""
    residents = scope_queryset(user, Resident.objects.active())
    groups = (
        residents.order_by()
        .values_list("name", "birth_date")
        .annotate(households=Count("household", distinct=True))
        .filter(households__gt=1)
        .order_by("name", "birth_date")
        .values_list("name", "birth_date")
    )
    pairs: list[PossibleDuplicate] = []
    shown: set[tuple] = set()
    # A page of groups at a time: with LIMIT the grouped pass stops early (half the time of
    # reading every group, docs/benchmarks.md); a further page only when dismissals leave room.
    for start in itertools.count(0, limit):
        page = list(groups[start : start + limit])
        for pair in _pairs_of(residents, page):
            key = (pair.first.name, pair.first.birth_date)
            if key not in shown and len(shown) == limit:
                return pairs
            shown.add(key)
            pairs.append(pair)
        if len(page) < limit or len(shown) == limit:
            return pairs
    return pairs


def _pairs_of(residents, groups: list[tuple]) -> list[PossibleDuplicate]:
    """The undismissed pairs of ``residents`` in two households within these groups, in their order."""
    keys = set(groups)
    candidates = (
        residents.filter(name__in={name for name, _ in keys}, birth_date__in={born for _, born in keys})
        .select_related("household__grid", "ethnicity")
        .order_by("name", "birth_date", "pk")
    )
    by_key: dict[tuple, list[Resident]] = {}
    for resident in candidates:
        key = (resident.name, resident.birth_date)
        if key in keys:
            by_key.setdefault(key, []).append(resident)
    ids = [resident.pk for group in by_key.values() for resident in group]
    dismissed = set(
        DuplicateDismissal.objects.filter(first__in=ids, second__in=ids).values_list("first_id", "second_id")
    )
    return [
        PossibleDuplicate(first, second)
        for key in groups
        for first, second in combinations(by_key.get(key, []), 2)
        if first.household_id != second.household_id and (first.pk, second.pk) not in dismissed
    ]


def still_a_pair(first: Resident, second: Resident) -> PossibleDuplicate | None:
    """The two records as a listed pair (lower pk first) if they still are one: both on the
    ledger, the same name and birth date, two households."""
    first, second = sorted((first, second), key=lambda r: r.pk)
    same_person = (first.name, first.birth_date) == (second.name, second.birth_date)
    if (
        not (first.is_active and second.is_active and same_person)
        or first.household_id == second.household_id
    ):
        return None
    return PossibleDuplicate(first, second)
