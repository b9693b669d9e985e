"""The home page is the reports app's: its menu entry comes first for everyone."""

from core import registry

registry.menu("首页", "home", order=0)
