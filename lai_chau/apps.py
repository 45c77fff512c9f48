from django.apps import AppConfig


class LaiChauConfig(AppConfig):
    """Holds the project-wide templates tags, management commands, translations, checks and login signals."""

    name = "lai_chau"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from lai_chau import checks  # noqa: F401 (registers the demo-account deploy check)
        from lai_chau.security import on_user_logged_in

        user_logged_in.connect(on_user_logged_in, dispatch_uid="lai_chau_record_authentication")

        from lai_chau import history

        history.connect_signals()  # history keeps the name of an account that is deleted
