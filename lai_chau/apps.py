from django.apps import AppConfig


class LaiChauConfig(AppConfig):
    """Holds the project-wide templates tags, management commands and translations."""

    name = "lai_chau"
