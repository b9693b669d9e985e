"""Lookups the ledger's bulk reads need; registered when the app is ready."""

from __future__ import annotations

from django.db import models


@models.CharField.register_lookup
class AnyOf(models.Lookup):
    """``id_number__any_of=[…]``: one array parameter on PostgreSQL (``= ANY(%s)``) instead of
    thousands of ``IN`` placeholders, which Django and the driver handle one by one."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [str(v) for v in self.rhs]
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        placeholders = ", ".join(["%s"] * len(values)) or "NULL"
        return f"{lhs} IN ({placeholders})", [*lhs_params, *values]
