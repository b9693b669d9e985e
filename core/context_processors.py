from . import registry


def navigation(request):
    """The menu a signed-in person sees (only what their role may use) and which entry the
    current page belongs to."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_active_url": None}
    items = registry.menu_for(user)
    return {"nav_items": items, "nav_active_url": registry.active_url(items, request.path)}
