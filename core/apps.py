from django.apps import AppConfig


class CoreConfig(AppConfig):
    """公共: what every app shares — view helpers, partials, .xlsx, masking, permission names,
    and the registry the domain apps plug into. It imports none of them."""

    name = "core"
    verbose_name = "公共"
