from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    """公共: what every app shares — view helpers, partials, .xlsx, masking, permission names,
    and the registry the domain apps plug into. It imports none of them."""

    name = "core"
    verbose_name = "公共"

    def ready(self) -> None:
        # Every app's hooks.py declares its role grants, menu entries and history; by now
        # all models are loaded, so a hooks module may import its app's models.
        autodiscover_modules("hooks")
