from pathlib import Path

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
        from django.apps import apps
        from django.conf import settings
        from django.contrib.auth.signals import user_logged_in

        from . import audit
        from .sessions import record_sign_in
        from .validators import guard_project_fields

        # Every app's hooks.py declares its role grants, menu entries and history, and its
        # lists.py its lists and exports; by now all models are loaded, so those modules may
        # import their app's models. Web and worker processes alike: an export task looks
        # its list up by key.
        autodiscover_modules("hooks", "lists")
        # Sign-ins, failures and sign-outs into the audit log; the session's time limits
        # start at signing in (core/sessions.py).
        audit.connect()
        user_logged_in.connect(record_sign_in, dispatch_uid="core.sessions.record_sign_in")
        # The project's own apps (not Django's or third parties'): every text and date field
        # refuses invisible characters and impossible dates.
        guard_project_fields(
            config for config in apps.get_app_configs() if Path(config.path).parent == Path(settings.BASE_DIR)
        )
