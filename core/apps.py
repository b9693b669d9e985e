from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    """公共: what every app shares — view helpers, partials, .xlsx, masking, permission names,
    history, status transitions, background jobs, registered lists and exports, and the
    registry the domain apps plug into. It imports none of them."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "公共"

    def ready(self) -> None:
        # Every app's hooks.py declares its role grants, menu entries and history, and its
        # lists.py its lists and exports; by now all models are loaded, so those modules may
        # import their app's models. Web and worker processes alike: an export task looks
        # its list up by key.
        autodiscover_modules("hooks", "lists")
        # The session's time limits start at signing in (core/sessions.py).
        from django.contrib.auth.signals import user_logged_in

        from core.sessions import record_sign_in

        user_logged_in.connect(record_sign_in, dispatch_uid="core.sessions.record_sign_in")
