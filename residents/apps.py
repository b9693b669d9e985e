from django.apps import AppConfig


class ResidentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "residents"
    verbose_name = "居民台账"

    def ready(self) -> None:
        from . import lookups  # noqa: F401  (registers CharField.any_of)
