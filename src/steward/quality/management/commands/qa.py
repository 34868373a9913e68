"""`steward qa …`: quality-assurance tools from the command line.

  steward qa sample-size --population N --margin 0.05 [--confidence 0.95]
                         [--proportion 0.5 | --sd S] [--json]
  steward qa margin --evaluations n [--population N] [--confidence 0.95] [--proportion P | --sd S]
                    [--tolerated-margin M] [--json]
  steward qa scan --project CODE [--since YYYY-MM-DD] [--force]     scan stored transcripts
  steward qa scan --project CODE (--text "..." | --file transcript.txt) [--json]   scan a text
  steward qa remind-coaching [--date YYYY-MM-DD]     remind agents and team leads of overdue coachings

Formulas and the warning rule: docs/sampling.md."""

import json
import math

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from steward.core.management.commands._base import SubcommandCommand
from steward.quality import sampling


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise CommandError(message)


def _finite_options(options: dict, names: tuple[str, ...]) -> None:
    for name in names:
        value = options.get(name)
        _check(
            value is None or math.isfinite(value),
            _("--%(option)s must be a finite number.") % {"option": name.replace("_", "-")},
        )


def _check_common(options: dict) -> None:
    _finite_options(options, ("margin", "confidence", "proportion", "sd", "tolerated_margin"))
    _check(
        0 < options["confidence"] < 1,
        _("--confidence must be between 0 and 1, exclusive (e.g. 0.95)."),
    )
    if options["population"] is not None:
        _check(options["population"] >= 0, _("--population must be zero or more contacts."))
    if options["proportion"] is not None:
        _check(
            0 < options["proportion"] < 1,
            _("--proportion must be between 0 and 1, exclusive (e.g. 0.5)."),
        )
    if options["sd"] is not None:
        _check(options["sd"] > 0, _("--sd must be greater than zero."))
    _check(
        options["proportion"] is None or options["sd"] is None,
        _("Give --proportion (a rate such as the pass rate) or --sd (a mean score), not both."),
    )


def _population_text(population) -> str:
    return _("unlimited") if population is None else f"{population:,}"


class Command(SubcommandCommand):
    help = "Quality assurance tools: `steward qa sample-size …`, `steward qa margin …`, `steward qa scan …`."
    actions = {
        "sample-size": "evaluations needed for a ± margin at a confidence level",
        "margin": "± margin that a number of evaluations achieves, and whether it is too few",
        "scan": "compliance scan: a project's stored transcripts, or a text, against its rules",
    }
    requires_system_checks = []  # sample-size and margin are pure calculators

    @staticmethod
    def _common_arguments(parser):
        parser.add_argument(
            "--population",
            type=int,
            default=None,
            help="contacts the sample is drawn from (omit for unlimited)",
        )
        parser.add_argument(
            "--confidence", type=float, default=0.95, help="confidence level (default 0.95)"
        )
        parser.add_argument(
            "--proportion",
            type=float,
            default=None,
            help="expected rate, e.g. the pass rate (default 0.5, the worst case)",
        )
        parser.add_argument(
            "--sd",
            type=float,
            default=None,
            help="for a mean score: the score's standard deviation (margin in score points)",
        )
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")

    # ------------------------------------------------------------------ sample-size

    def arguments_sample_size(self, parser):
        parser.add_argument(
            "--margin",
            type=float,
            required=True,
            help="± half-width wanted: a share (0.05) or, with --sd, score points",
        )
        self._common_arguments(parser)

    def handle_sample_size(
        self, *, margin, population, confidence, proportion, sd, json: bool, **_options
    ):
        options = dict(
            margin=margin,
            population=population,
            confidence=confidence,
            proportion=proportion,
            sd=sd,
        )
        _check_common(options)
        if sd is None:
            _check(
                0 < margin < 1,
                _("--margin must be between 0 and 1, exclusive (e.g. 0.05 for ±5 points)."),
            )
        else:
            _check(margin > 0, _("--margin must be greater than zero (score points)."))
        try:
            if sd is None:
                plan = sampling.sample_size_proportion(
                    margin=margin,
                    confidence=confidence,
                    proportion=0.5 if proportion is None else proportion,
                    population=population,
                )
            else:
                plan = sampling.sample_size_mean(
                    margin=margin, sd=sd, confidence=confidence, population=population
                )
        except sampling.SamplingInputError as error:  # a backstop: the checks above come first
            raise CommandError(str(error)) from None
        if json:
            self.stdout.write(_json(plan.as_dict()))
            return
        what = (
            _("a mean score (SD %(sd)s), ± %(margin)s points")
            % {"sd": f"{sd:g}", "margin": f"{margin:g}"}
            if sd is not None
            else _("a rate (planned at %(p)s%%), ± %(margin)s points")
            % {"p": f"{plan.proportion * 100:g}", "margin": f"{margin * 100:g}"}
        )
        rows = [
            (_("Estimate"), what),
            (_("Confidence"), f"{confidence * 100:g}% (z = {plan.z:.4f})"),
            (_("Population"), _population_text(population)),
            (_("Evaluations needed"), f"{plan.sample_size:,}"),
            (
                _("Without the finite-population correction"),
                f"{plan.sample_size_infinite_population:,}",
            ),
        ]
        self._rows(rows)

    # ------------------------------------------------------------------ margin

    def arguments_margin(self, parser):
        parser.add_argument("--evaluations", type=int, required=True, help="evaluations done")
        parser.add_argument(
            "--tolerated-margin",
            type=float,
            default=None,
            help="widest acceptable ± margin (default 0.10 for a rate; required with --sd)",
        )
        self._common_arguments(parser)

    def handle_margin(
        self,
        *,
        evaluations,
        tolerated_margin,
        population,
        confidence,
        proportion,
        sd,
        json: bool,
        **_options,
    ):
        options = dict(
            population=population,
            confidence=confidence,
            proportion=proportion,
            sd=sd,
            tolerated_margin=tolerated_margin,
        )
        _check_common(options)
        _check(evaluations >= 1, _("--evaluations must be at least 1."))
        _check(
            population is None or evaluations <= population,
            _("--evaluations cannot exceed --population."),
        )
        if sd is not None:
            _check(
                tolerated_margin is not None,
                _("With --sd give --tolerated-margin in score points."),
            )
        elif tolerated_margin is None:
            tolerated_margin = sampling.DEFAULT_TOLERATED_MARGIN
        _check(tolerated_margin > 0, _("--tolerated-margin must be greater than zero."))
        if sd is None:
            _check(
                tolerated_margin < 1,
                _("--tolerated-margin for a rate must be less than 1 (e.g. 0.10)."),
            )
        try:
            if sd is None:
                planning_p = 0.5 if proportion is None else proportion
                margin = sampling.margin_proportion(
                    evaluations=evaluations,
                    population=population,
                    confidence=confidence,
                    proportion=planning_p,
                )
            else:
                margin = sampling.margin_mean(
                    evaluations=evaluations, sd=sd, population=population, confidence=confidence
                )
            warning = sampling.evaluations_warning(
                evaluations=evaluations,
                population=population,
                tolerated_margin=tolerated_margin,
                confidence=confidence,
                proportion=proportion,
                sd=sd,
            )
        except sampling.SamplingInputError as error:
            raise CommandError(str(error)) from None
        figures = {
            "evaluations": evaluations,
            "population": population,
            "confidence": confidence,
            "margin": margin,
            "interval_half_width": warning.margin if warning else None,
            "tolerated_margin": tolerated_margin,
            "too_few": warning is not None,
            "needed": warning.needed if warning else None,
        }
        if json:
            if not warning:
                figures["interval_half_width"] = (
                    sampling.t_half_width(
                        evaluations=evaluations, sd=sd, population=population, confidence=confidence
                    )
                    if sd is not None
                    else sampling.wilson_half_width(
                        evaluations=evaluations,
                        population=population,
                        confidence=confidence,
                        proportion=0.5 if proportion is None else proportion,
                    )
                )
            self.stdout.write(_json(figures))
            return
        scale = 1 if sd is not None else 100
        rows = [
            (_("Evaluations"), f"{evaluations:,}"),
            (_("Population"), _population_text(population)),
            (_("Margin (normal approximation)"), f"± {margin * scale:.2f}"),
        ]
        self._rows(rows)
        if warning:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "Too few evaluations: the %(confidence)s%% interval is ± %(width)s, "
                        "wider than the tolerated ± %(tolerated)s; "
                        "%(needed)s evaluations would be enough."
                    )
                    % {
                        "confidence": f"{confidence * 100:g}",
                        "width": "∞"
                        if math.isinf(warning.margin)
                        else f"{warning.margin * scale:.2f}",
                        "tolerated": f"{tolerated_margin * scale:g}",
                        "needed": f"{warning.needed:,}",
                    }
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Enough evaluations for ± %(tolerated)s at %(confidence)s%% confidence.")
                    % {
                        "tolerated": f"{tolerated_margin * scale:g}",
                        "confidence": f"{confidence * 100:g}",
                    }
                )
            )

    def _rows(self, rows) -> None:
        width = max(len(label) for label, _value in rows)
        for label, value in rows:
            self.stdout.write(f"{label.ljust(width)}  {value}")


def _json(data: dict) -> str:
    # JSON has no infinity; an interval that cannot be estimated (one evaluation) is null.
    return json.dumps(
        {k: (None if isinstance(v, float) and math.isinf(v) else v) for k, v in data.items()}
    )


def _scan_arguments(parser):
    parser.add_argument("--project", required=True, help="project code")
    parser.add_argument("--since", default=None, help="only contacts that arrived on or after this day (YYYY-MM-DD)")
    parser.add_argument("--force", action="store_true", help="scan again even contacts already scanned with these rules")
    parser.add_argument("--text", default=None, help="scan this text instead of the stored transcripts (nothing stored)")
    parser.add_argument("--file", default=None, help="scan this UTF-8 file instead of the stored transcripts")
    parser.add_argument("--json", action="store_true", help="print the hits or the summary as JSON")


def _handle_scan(command, *, project, since, force, text, file, json: bool, **_options):
    import datetime as dt
    import sys

    from steward.core.models import Project
    from steward.quality import services
    from steward.quality.models import ComplianceRule

    target = Project.objects.filter(code=project).first()
    _check(target is not None, _("No project has the code %(code)s.") % {"code": project})
    _check(text is None or file is None, _("Give --text or --file, not both."))
    if file is not None:
        try:
            with open(file, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": file, "error": error}) from None
    if text is not None:
        _check(since is None, _("--since applies to stored transcripts, not to --text or --file."))
        hits = services.scan_text(project=target, text=text.replace("\x00", " "))
        codes = dict(ComplianceRule.objects.filter(project=target).values_list("pk", "code"))
        rows = [{"rule": codes.get(h.key, str(h.key)), "kind": h.kind, "start": h.start, "end": h.end,
                 "turn": h.turn, "speaker": h.speaker, "matched": h.matched, "detail": h.detail,
                 "excerpt": h.excerpt} for h in hits]
        if json:
            command.stdout.write(_json({"project": target.code, "hits": rows}))
            return
        if not rows:
            command.stdout.write(_("No hits."))
        for row in rows:
            span = "—" if row["start"] is None else f"{row['start']}–{row['end']}"
            command.stdout.write(f"{row['rule']:<20} {row['kind']:<9} {span:<11} {row['matched'] or row['excerpt']}")
        return
    day = None
    if since is not None:
        try:
            day = dt.date.fromisoformat(since)
        except ValueError:
            raise CommandError(_("--since must be a date such as 2025-03-01.")) from None
    interactive = not json and sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if not json:
            end = "\r" if interactive and done < total else "\n"
            command.stderr.write(_("Scanned %(done)s of %(total)s contacts") % {
                "done": f"{done:,}", "total": f"{total:,}"}, ending=end)

    result = services.scan_interactions(project=target, since=day, force=force, progress=progress)
    summary = {"project": target.code, "examined": result.examined, "scanned": result.scanned, "hits": result.hits}
    if json:
        command.stdout.write(_json(summary))
    else:
        command.stdout.write(_("%(examined)s contacts examined, %(scanned)s scanned (the others were unchanged "
                               "since their last scan), %(hits)s hits stored.") % {
            "examined": f"{result.examined:,}", "scanned": f"{result.scanned:,}", "hits": f"{result.hits:,}"})


Command.arguments_scan = staticmethod(_scan_arguments)
Command.handle_scan = _handle_scan


def _remind_arguments(parser):
    parser.add_argument("--date", default=None, help="the day to remind for, YYYY-MM-DD (default: today)")


def _handle_remind_coaching(command, *, date, **_options):
    """Remind agents and their team leads of overdue coachings (at most once a week each)."""
    import datetime as dt

    from django.utils import timezone

    from steward.quality import services

    try:
        day = dt.date.fromisoformat(date) if date else timezone.localdate()
    except ValueError:
        raise CommandError(_("--date must be a day as YYYY-MM-DD.")) from None
    result = services.send_coaching_reminders(day)
    command.stdout.write(_("%(overdue)s overdue coachings, %(reminded)s reminded.") % result)


Command.actions = {**Command.actions, "remind-coaching": "remind agents and team leads of overdue coachings"}
Command.arguments_remind_coaching = staticmethod(_remind_arguments)
Command.handle_remind_coaching = _handle_remind_coaching
