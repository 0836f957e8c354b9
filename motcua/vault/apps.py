from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "motcua.vault"
    label = "vault"
