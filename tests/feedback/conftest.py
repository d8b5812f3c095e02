"""The API tests' token clients, for the registry and privacy tests too."""

from tests.api.conftest import client_for

__all__ = ["client_for"]
