"""Shared plumbing for Steward's admin commands: a service's ValidationError becomes a
clear message and a non-zero exit, never a traceback."""

import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation


def cli_language() -> str:
    """The operator's language, from the usual locale variables: Chinese for zh_*, else English."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if value := os.environ.get(variable):
            return "zh-hans" if value.lower().startswith("zh") else "en"
    return "en"


def validation_message(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(
            f"{field}: {' '.join(messages)}" if field != "__all__" else " ".join(messages)
            for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def _method(action: str) -> str:
    """Actions are spelled with hyphens on the command line; methods cannot be."""
    return action.replace("-", "_")


class SubcommandCommand(BaseCommand):
    """A command whose first argument picks an action, e.g. `steward vendors add`."""

    actions: dict[str, str] = {}  # action name → help text; "sample-size" → handle_sample_size

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        for name, help_text in self.actions.items():
            getattr(self, f"arguments_{_method(name)}")(sub.add_parser(name, help=help_text))

    def handle(self, *args, action, **options):
        with translation.override(cli_language()):
            try:
                getattr(self, f"handle_{_method(action)}")(**options)
            except ValidationError as error:
                raise CommandError(validation_message(error)) from None
