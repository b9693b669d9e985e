from .navigation import navigation_for


def role_navigation(request):
    """The menu a signed-in person sees: only what their role may use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    return {"nav_items": navigation_for(user)}
