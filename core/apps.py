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
        # Every app's hooks.py declares its role grants, menu entries and history, and its
        # lists.py its lists and exports; by now all models are loaded, so those modules may
        # import their app's models. Web and worker processes alike: an export task looks
        # its list up by key.
        autodiscover_modules("hooks", "lists")
        from django.apps import apps
        from django.conf import settings

        from . import audit
        from .validators import guard_project_fields

        audit.connect()

        # The project's own apps (not Django's or third parties'): every text and date field
        # refuses invisible characters and impossible dates.
        guard_project_fields(
            config for config in apps.get_app_configs() if Path(config.path).parent == Path(settings.BASE_DIR)
        )
