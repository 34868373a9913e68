"""`steward erlang`: agents and scheduled FTE for one interval (Erlang C; Erlang A with
--patience-seconds; chat with --concurrency). Formulas: docs/staffing.md."""

import json
import math

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from steward.core.management.commands._base import cli_language
from steward.workforce import erlang


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise CommandError(message)


def _finite(value: float) -> bool:
    return value is None or math.isfinite(value)


class Command(BaseCommand):
    help = (
        "Agents needed in one interval for a service-level (and/or ASA) target, with "
        "maximum occupancy and shrinkage: `steward erlang --calls 100 --interval-seconds 1800 "
        "--aht-seconds 180 --target-seconds 20 --service-level 0.8 [--max-occupancy 0.85] "
        "[--shrinkage 0.3] [--json]`."
    )
    requires_system_checks = []  # a pure calculator: no database, no models

    def add_arguments(self, parser):
        parser.add_argument(
            "--calls", type=float, required=True, help="contacts offered in the interval"
        )
        parser.add_argument(
            "--interval-seconds", type=float, required=True, help="length of the interval"
        )
        parser.add_argument("--aht-seconds", type=float, required=True, help="average handle time")
        parser.add_argument(
            "--target-seconds",
            type=float,
            required=True,
            help="answer-time threshold T of the service level",
        )
        parser.add_argument(
            "--service-level",
            type=float,
            default=None,
            help="target share answered within T, e.g. 0.8",
        )
        parser.add_argument(
            "--target-asa-seconds", type=float, default=None, help="target average speed of answer"
        )
        parser.add_argument(
            "--max-occupancy", type=float, default=1.0, help="e.g. 0.85 (default 1: no cap)"
        )
        parser.add_argument(
            "--shrinkage",
            type=float,
            default=0.0,
            help="share of paid time not available, e.g. 0.3",
        )
        parser.add_argument(
            "--patience-seconds",
            type=float,
            default=None,
            help="mean caller patience: use Erlang A (callers abandon) instead of Erlang C",
        )
        parser.add_argument(
            "--concurrency",
            type=int,
            default=None,
            help="chats one agent handles at once (chat staffing)",
        )
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")

    def handle(self, *args, **options):
        with translation.override(cli_language()):
            self._handle(**options)

    def _validate(self, o) -> None:
        numbers = (
            "calls",
            "interval_seconds",
            "aht_seconds",
            "target_seconds",
            "service_level",
            "target_asa_seconds",
            "max_occupancy",
            "shrinkage",
            "patience_seconds",
        )
        for name in numbers:
            _check(
                _finite(o[name]),
                _("--%(option)s must be a finite number.") % {"option": name.replace("_", "-")},
            )
        _check(o["calls"] >= 0, _("--calls must be zero or more."))
        _check(o["interval_seconds"] > 0, _("--interval-seconds must be greater than zero."))
        _check(o["aht_seconds"] > 0, _("--aht-seconds must be greater than zero."))
        _check(o["target_seconds"] >= 0, _("--target-seconds must be zero or more."))
        _check(
            o["service_level"] is not None or o["target_asa_seconds"] is not None,
            _("Give --service-level (e.g. 0.8) or --target-asa-seconds, or both."),
        )
        if o["service_level"] is not None:
            _check(
                0 < o["service_level"] < 1,
                _("--service-level must be between 0 and 1, exclusive (e.g. 0.8 for 80%)."),
            )
        if o["target_asa_seconds"] is not None:
            _check(
                o["target_asa_seconds"] > 0, _("--target-asa-seconds must be greater than zero.")
            )
        _check(
            0 < o["max_occupancy"] <= 1,
            _("--max-occupancy must be greater than 0 and at most 1 (e.g. 0.85)."),
        )
        _check(
            0 <= o["shrinkage"] < 1,
            _("--shrinkage must be at least 0 and less than 1 (e.g. 0.3 for 30%)."),
        )
        if o["patience_seconds"] is not None:
            _check(o["patience_seconds"] > 0, _("--patience-seconds must be greater than zero."))
            _check(
                o["concurrency"] is None,
                _("--patience-seconds (Erlang A) and --concurrency cannot be combined."),
            )
            _check(
                o["target_asa_seconds"] is None,
                _(
                    "With --patience-seconds give --service-level; "
                    "an ASA target is for Erlang C and chat."
                ),
            )
        if o["concurrency"] is not None:
            _check(o["concurrency"] >= 1, _("--concurrency must be a whole number, at least 1."))

    def _handle(self, **o):
        self._validate(o)
        try:
            workload = erlang.Workload(o["calls"], o["interval_seconds"], o["aht_seconds"])
            goals = dict(
                target_seconds=o["target_seconds"],
                target_service_level=o["service_level"],
                max_occupancy=o["max_occupancy"],
                shrinkage=o["shrinkage"],
            )
            if o["patience_seconds"] is not None:
                result = erlang.required_agents_erlang_a(
                    workload, patience_seconds=o["patience_seconds"], **goals
                )
            elif o["concurrency"] is not None:
                result = erlang.required_chat_agents(
                    workload,
                    concurrency=o["concurrency"],
                    target_asa_seconds=o["target_asa_seconds"],
                    **goals,
                )
            else:
                result = erlang.required_agents(
                    workload, target_asa_seconds=o["target_asa_seconds"], **goals
                )
        except erlang.StaffingInputError as error:  # a backstop: _validate catches these first
            raise CommandError(str(error)) from None
        if o["json"]:
            self.stdout.write(json.dumps(result.as_dict()))
            return
        self._table(result, o)

    def _table(self, result, o) -> None:
        reasons = {
            "service_level": _("set by the service-level target"),
            "asa": _("set by the ASA target"),
            "occupancy": _("set by the maximum occupancy"),
            "abandon_rate": _("set by the maximum abandon rate"),
            "none": _("no contacts"),
        }
        if o["patience_seconds"] is not None:
            model = _("Erlang A (callers abandon; mean patience %(patience)s s)") % {
                "patience": f"{o['patience_seconds']:g}"
            }
        elif o["concurrency"] is not None:
            model = _(
                "chat, %(k)d concurrent chats per agent (Erlang C on agent × concurrency slots)"
            ) % {"k": o["concurrency"]}
        else:
            model = _("Erlang C")
        target = (
            _("target %(target)s%%") % {"target": f"{o['service_level'] * 100:.1f}"}
            if o["service_level"] is not None
            else _("no target")
        )
        rows = [
            (_("Model"), model),
            (_("Traffic"), _("%(erlangs)s Erlangs") % {"erlangs": f"{result.traffic_erlangs:.2f}"}),
            (
                _("Agents needed"),
                f"{result.agents} ({reasons.get(result.limited_by, result.limited_by)})",
            ),
            (
                _("Service level"),
                _("%(sl)s%% answered within %(t)s s (%(target)s)")
                % {
                    "sl": f"{result.service_level * 100:.1f}",
                    "t": f"{o['target_seconds']:g}",
                    "target": target,
                },
            ),
            (_("Average speed of answer"), f"{result.asa_seconds:.1f} s"),
            (
                _("Occupancy"),
                f"{result.occupancy * 100:.1f}% (max {o['max_occupancy'] * 100:.0f}%)",
            ),
            (_("Probability of waiting"), f"{result.probability_wait * 100:.1f}%"),
        ]
        if o["patience_seconds"] is not None:
            rows.append((_("Abandon rate"), f"{result.abandon_rate * 100:.1f}%"))
        rows.append(
            (
                _("Scheduled FTE"),
                _("%(fte)s with %(shrinkage)s%% shrinkage (roster %(people)d people)")
                % {
                    "fte": f"{result.scheduled_fte:.2f}",
                    "shrinkage": f"{o['shrinkage'] * 100:g}",
                    "people": result.scheduled_headcount,
                },
            )
        )
        width = max(len(label) for label, _value in rows)
        for label, value in rows:
            self.stdout.write(f"{label.ljust(width)}  {value}")
