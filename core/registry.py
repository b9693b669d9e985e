"""What the domain apps plug into: role grants, menu entries, home-page shortcuts and
the pickers that search their records.

Each app declares its part in its own ``hooks.py``; ``CoreConfig.ready`` imports every
installed app's ``hooks`` module (as the admin does with ``admin.py``), so adding an app
edits no other app. Core knows no app: the role keys are plain strings (``grid.Role``'s
values), permissions are ``"app_label.codename"`` and URLs are names, resolved when shown.

A ``hooks.py``::

    from core import registry
    from grid.models import Role

    registry.grant(Role.STAFF, "mediation.view_case", "mediation.add_case")
    registry.menu("矛盾调解", "mediation:case_list", permission="mediation.view_case", order=40)
    registry.quick_links(lambda user: [...])
    registry.picker("mediation.Case", "mediation:case_picker")
    registry.home_panel(lambda user: Panel("mediation/_home_panel.html", {...}) or None)
    registry.related_panel("residents.Resident", lambda user, resident: ...)
    registry.on_merge("residents.Resident", lambda *, by, keep, duplicate: ...)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import reverse

_grants: dict[str, set[str]] = defaultdict(set)
_menu: list[MenuEntry] = []
_quick_links: list[tuple[int, Callable[[object], list[QuickLink]]]] = []
_pickers: dict[str, str] = {}
_home_panels: list[tuple[int, Callable[[object], Panel | None]]] = []
_related_panels: dict[str, list[tuple[int, Callable[[object, object], Panel | None]]]] = defaultdict(list)
_merge_handlers: dict[str, list[tuple[int, Callable[..., None]]]] = defaultdict(list)


# --- role grants ----------------------------------------------------------------------


def grant(role: str, *permissions: str) -> None:
    """Give ``role`` these permissions (``"app_label.codename"``). Apps add to a role, never
    take away: what a role may do is the union of what every app grants it."""
    _grants[str(role)].update(permissions)


def permissions_for(models: Iterable[str], actions: Iterable[str]) -> set[str]:
    """``("grid.building",)`` × ``("view", "add")`` → ``{"grid.view_building", "grid.add_building"}``."""
    actions = tuple(actions)
    out: set[str] = set()
    for label in models:
        app, model = label.split(".")
        out |= {f"{app}.{action}_{model}" for action in actions}
    return out


def role_grants() -> dict[str, set[str]]:
    """Every role's permissions as the installed apps declared them."""
    return {role: set(perms) for role, perms in _grants.items()}


@dataclass(frozen=True)
class Grantable:
    """A right beyond a role's own that a 系统管理员 may give one person of ``role`` (额外授权:
    "导入本社区台账" for community staff): its ``key`` is kept on their profile."""

    key: str
    role: str
    label: str
    permissions: tuple[str, ...]


_grantables: dict[str, Grantable] = {}


def grantable(key: str, *, role: str, label: str, permissions: Iterable[str]) -> None:
    _grantables[key] = Grantable(key, str(role), label, tuple(permissions))


def grantables(role: str | None = None) -> list[Grantable]:
    """The registered rights, those of ``role`` only if given, in registration order."""
    return [g for g in _grantables.values() if role is None or g.role == str(role)]


# --- menu and home page -----------------------------------------------------------------


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url_name: str
    # The permission the entry's page checks; None for pages everyone signed in may open.
    permission: str | None = None
    # Left to right; apps choose gaps (10, 20 …) so a new one fits between.
    order: int = 100
    # Shown only to people who may enter the Django admin site, not merely hold the permission.
    staff_only: bool = False

    @property
    def url(self) -> str:
        return reverse(self.url_name)

    def shown_to(self, user) -> bool:
        if self.staff_only and not user.is_staff:
            return False
        return self.permission is None or user.has_perm(self.permission)


def menu(label: str, url_name: str, *, permission: str | None = None, order: int = 100, **kw) -> None:
    entry = MenuEntry(label, url_name, permission, order, **kw)
    if entry not in _menu:  # hooks imported twice (a test reloading them) add nothing
        _menu.append(entry)


def menu_for(user) -> list[MenuEntry]:
    """The menu a person sees: only the entries whose page their role may open."""
    return [entry for entry in sorted(_menu, key=lambda e: e.order) if entry.shown_to(user)]


def active_url(entries: list[MenuEntry], path: str) -> str | None:
    """The entry a page belongs to: the longest entry URL the path starts with, so that
    /residents/imports/ is 台账导入's and not also 居民台账's. The home page only owns "/"."""
    owners = [entry.url for entry in entries if entry.url != "/" and path.startswith(entry.url)]
    if owners:
        return max(owners, key=len)
    return "/" if path == "/" else None


@dataclass(frozen=True)
class QuickLink:
    """A shortcut on the home page: where a person's daily work in an app starts."""

    label: str
    url: str
    description: str


def quick_links(provider: Callable[[object], list[QuickLink]], *, order: int = 100) -> None:
    """``provider(user)`` gives the app's shortcuts for that person (an empty list for none)."""
    if all(existing is not provider for _, existing in _quick_links):
        _quick_links.append((order, provider))


def quick_links_for(user) -> list[QuickLink]:
    links: list[QuickLink] = []
    for _, provider in sorted(_quick_links, key=lambda item: item[0]):
        links.extend(provider(user))
    return links


# --- pickers ----------------------------------------------------------------------------


def picker(model_label: str, url_name: str) -> None:
    """The search endpoint (``core.widgets.PickerWidget``'s contract) that offers records of
    ``model_label`` (``"residents.Resident"``), so that an app below the one owning the model
    can let people pick one without importing it. One endpoint per model: a second call
    replaces the first."""
    _pickers[model_label.lower()] = url_name


def picker_url_for(model_label: str) -> str | None:
    """The URL of the picker registered for ``model_label`` (any letter case), or None when
    no installed app offers one (a form then falls back to a plain select)."""
    url_name = _pickers.get(model_label.lower())
    return reverse(url_name) if url_name else None


# --- panels ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    """A block an app adds to a page it does not own: its template and that template's
    context (given to it as ``panel``). The app decides who sees it: the provider returns
    None for anyone else, and narrows what it shows to the reader's scope itself."""

    template: str
    context: dict


def _add(into: list, provider: Callable, order: int) -> None:
    if all(existing is not provider for _, existing in into):
        into.append((order, provider))


def home_panel(provider: Callable[[object], Panel | None], *, order: int = 100) -> None:
    """``provider(user)`` gives the app's panel on that person's home page, or None."""
    _add(_home_panels, provider, order)


def home_panels_for(user) -> list[Panel]:
    panels = (provider(user) for _, provider in sorted(_home_panels, key=lambda item: item[0]))
    return [panel for panel in panels if panel is not None]


def related_panel(
    model_label: str, provider: Callable[[object, object], Panel | None], *, order: int = 100
) -> None:
    """``provider(user, record)`` gives a panel on the page of a ``model_label`` record
    (``"residents.Resident"``) — the app's own records about it, say — or None."""
    _add(_related_panels[model_label.lower()], provider, order)


def related_panels_for(model_label: str, user, record) -> list[Panel]:
    providers = sorted(_related_panels.get(model_label.lower(), []), key=lambda item: item[0])
    panels = (provider(user, record) for _, provider in providers)
    return [panel for panel in panels if panel is not None]


# --- merging duplicates ----------------------------------------------------------------------


def on_merge(model_label: str, handler: Callable[..., None], *, order: int = 100) -> None:
    """``handler(by=…, keep=…, duplicate=…)`` re-points the app's own rows that name a
    ``model_label`` record merged into another (a person registered twice, 重复登记), each
    with its change in the history. The app owning the model calls them inside its merge
    transaction (``merge_handlers_for``); one that raises undoes the whole merge."""
    _add(_merge_handlers[model_label.lower()], handler, order)


def merge_handlers_for(model_label: str) -> list[Callable[..., None]]:
    return [
        handler for _, handler in sorted(_merge_handlers.get(model_label.lower(), []), key=lambda i: i[0])
    ]
