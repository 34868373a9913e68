import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_messages():
    """The tests read the services' error messages in English (pages default to Chinese)."""
    with translation.override("en"):
        yield
