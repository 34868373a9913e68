import pytest

HERE = __import__("pathlib").Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Everything in this folder drives a real browser (run the rest with -m "not browser")."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)
