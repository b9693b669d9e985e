"""core's own page in the menu: the audit log, for the 审计员 role (the permission is theirs alone)."""

from . import audit_views, registry

registry.menu("安全审计", "core:audit_list", permission="core.view_auditevent", order=900)

# Registered here, at start-up, so the export task finds the audit list by its key too.
AUDIT_LIST = audit_views.AUDIT_LIST
