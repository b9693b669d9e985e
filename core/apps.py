from django.apps import AppConfig


class CoreConfig(AppConfig):
    """公共: what every app shares — view helpers, partials, .xlsx, masking, permission names,
    and the registry the domain apps plug into. It imports none of them."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "公共"

    def ready(self) -> None:
        from . import lists

        # Each app registers its lists in its own lists.py; web and worker processes alike
        # (the export task looks its list up by key).
        lists.autodiscover()
