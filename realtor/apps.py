from django.apps import AppConfig


class RealtorConfig(AppConfig):
    verbose_name = "Realtor core"
    name = "realtor"
    default_auto_field = "django.db.models.BigAutoField"
