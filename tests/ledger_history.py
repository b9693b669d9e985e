"""Test shorthand for the ledger's rows in ``core.Change``, looked up as people think of them:
by household (its own changes and its members') and by resident.

``LedgerChange.objects.filter(household=h)`` is everything listed on h's page;
``filter(household=h, resident=None)`` the household's own changes; ``filter(resident=r)``
the resident's. Only households' and residents' rows count. ``create`` writes a row as ``core.history.record`` would.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from core import history
from core.models import Change
from residents.models import Household, Resident

UNSET = object()


class _Changes:
    def _types(self) -> tuple[int, int]:
        return history.content_type_id(Household), history.content_type_id(Resident)

    def filter(self, *, household=UNSET, resident=UNSET, ledger_import=UNSET, **rest) -> QuerySet[Change]:
        hh, res = self._types()
        qs = self.all().filter(**rest)
        if ledger_import is not UNSET:
            qs = qs.filter(source_id=getattr(ledger_import, "pk", ledger_import))
        if resident is None:
            qs = qs.filter(record_type_id=hh)
        elif resident is not UNSET:
            qs = qs.filter(record_type_id=res, record_id=resident.pk)
        if household is not UNSET:
            if resident is UNSET:
                qs = qs.filter(
                    Q(record_type_id=hh, record_id=household.pk)
                    | Q(parent_type_id=hh, parent_id=household.pk)
                )
            elif resident is None:
                qs = qs.filter(record_id=household.pk)
            else:
                qs = qs.filter(parent_id=household.pk)
        return qs

    def get(self, **kwargs) -> Change:
        return self.filter(**kwargs).get()

    def count(self) -> int:
        return self.all().count()

    def all(self) -> QuerySet[Change]:
        """The ledger's changes only: the org tree's are kept in the same table."""
        return Change.objects.filter(record_type_id__in=self._types())

    def create(self, *, household: Household, resident: Resident | None = None, **fields) -> Change:
        if resident is None:
            return history.record(instance=household, by=fields.pop("user", None), **fields)
        return history.record(instance=resident, parent=household, by=fields.pop("user", None), **fields)


class LedgerChange:
    objects = _Changes()
