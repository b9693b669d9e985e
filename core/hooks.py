"""core's own page in the menu (the audit log, for the 审计员 role: the permission is theirs
alone), and the data inventory of core's models and of those Django and the third-party apps
keep for the installation (``core.inventory``; docs/security.md, 数据清单)."""

from . import audit_views, inventory, registry
from .jobs import JOB_FIELDS
from .models import AuditEvent, Change, ExportJob, Transition

registry.menu("安全审计", "core:audit_list", permission="core.view_auditevent", order=900)

# Registered here, at start-up, so the export task finds the audit list by its key too.
AUDIT_LIST = audit_views.AUDIT_LIST


# --- 数据清单: core's records ------------------------------------------------------------

inventory.classify(
    Change,
    # The old and new values of every tracked field, whole: ID numbers, 民族, special groups.
    sensitive=("changes",),
    personal=("user",),
    system=(
        "id",
        "record_type",
        "record_id",
        "parent_type",
        "parent_id",
        "org_unit",
        "action",
        "source_type",
        "source_id",
        "at",
    ),
)
inventory.classify(
    Transition,
    # Free text typed by a person: it may name someone.
    personal=("by", "note"),
    system=("id", "content_type", "object_id", "field", "from_state", "to_state", "at"),
)
inventory.classify(
    ExportJob,
    # The list's filters, the search term among them (a name, a whole ID number), and the
    # file, which may hold whole ID numbers and phones.
    sensitive=("params", "file"),
    personal=("user",),
    business=("list_key", "full", "scope_unit", "status", "row_count", "message"),
    system=("id", *JOB_FIELDS, "created_at", "finished_at"),
)
inventory.classify(
    AuditEvent,
    personal=("user", "username", "address"),
    system=("id", "at", "kind", "org_unit", "object_type", "object_id", "outcome", "detail"),
)


# --- 数据清单: Django's and third parties' tables -----------------------------------------

inventory.classify(
    "auth.User",
    credential=("password",),
    personal=("username", "first_name", "last_name", "email", "last_login"),
    system=("id", "is_superuser", "is_staff", "is_active", "date_joined", "groups", "user_permissions"),
)
inventory.classify("auth.Group", business=("name",), system=("id", "permissions"))
inventory.classify("auth.Permission", system=("id", "name", "content_type", "codename"))
inventory.classify("contenttypes.ContentType", system=("id", "app_label", "model"))
inventory.classify(
    "admin.LogEntry",
    # What the admin changed, named as the record names itself (a user's name, a building).
    personal=("user", "object_repr"),
    system=("id", "action_time", "content_type", "object_id", "action_flag", "change_message"),
)
inventory.classify(
    "sessions.Session",
    # Whoever holds the key is signed in; the data holds the user, their password's hash
    # digest and each list's search term (a name, a whole ID number).
    credential=("session_key",),
    sensitive=("session_data",),
    system=("expire_date",),
)
# The sign-in lockout (core/lockout.py): failed attempts, and each sign-in and sign-out.
_ACCESS = ("username", "ip_address", "user_agent", "http_accept", "path_info")
inventory.classify(
    "axes.AccessAttempt",
    personal=(*_ACCESS, "get_data", "post_data"),
    system=("id", "attempt_time", "failures_since_start"),
)
inventory.classify("axes.AccessAttemptExpiration", system=("access_attempt", "expires_at"))
inventory.classify(
    "axes.AccessLog", personal=_ACCESS, system=("id", "attempt_time", "logout_time", "session_hash")
)
inventory.classify("axes.AccessFailureLog", personal=_ACCESS, system=("id", "attempt_time", "locked_out"))
