"""django-ninja names the OpenAPI components by class name, so two different schemas of one name
in two apps overwrite each other: /api/openapi.json then documents one route with the other's
body (the sourcing event POST was shown with the workforce event's fields). Schemas that share a
name must be the same shape."""

import importlib
import inspect
from collections import defaultdict

from django.apps import apps
from ninja import Schema


def test_schemas_of_one_name_have_one_shape():
    shapes = defaultdict(dict)
    for config in apps.get_app_configs():
        if not config.name.startswith("steward."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.api")
        except ModuleNotFoundError:
            continue
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Schema) and cls.__module__ == module.__name__:
                schema = cls.model_json_schema()
                shapes[name][module.__name__] = (schema.get("properties"), schema.get("required"))
    assert len(shapes) > 100
    clashes = {name: sorted(by_module) for name, by_module in shapes.items()
               if len({repr(s) for s in by_module.values()}) > 1}
    assert not clashes
