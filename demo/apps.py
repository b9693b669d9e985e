from django.apps import AppConfig


class DemoConfig(AppConfig):
    """演示数据: ``manage.py seed_demo`` and its generators. Above every app, known to none;
    a production install may leave it out of INSTALLED_APPS."""

    name = "demo"
    verbose_name = "演示数据"
