"""Demo data for quality: a published scorecard per demo project, a second QA analyst (so a
dispute has someone to go to), a weekly sampling plan per project drawn over the newest week,
scored evaluations, one acknowledged and one disputed and re-reviewed.

Idempotent: a project that already has the demo scorecard is left as it is. Deterministic: the
plans' seeds are fixed and the answers come from a seeded generator.
"""

import random
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Max

from steward.core import services as core_services
from steward.core.demo import DEMO_PASSWORD
from steward.core.models import Project, User
from steward.quality import services
from steward.quality.forms import EXAMPLE_SCORECARD
from steward.quality.models import Evaluation, Scorecard

CODE = "standard"
SCORED_PER_PROJECT = 12


def _second_analyst() -> User:
    user = User.objects.filter(username="qa2").first()
    if user is None:
        user = core_services.user_create(username="qa2", role="qa_analyst", vendor_code=None, password=DEMO_PASSWORD,
                                         first_name="宁", last_name="黄", email="qa2@demo.invalid")
    return user


def _answers(rng: random.Random) -> dict[str, tuple[str, str]]:
    return {
        "greeting": (rng.choices(["yes", "no", "na"], [8, 2, 1])[0], ""),
        "accuracy": (rng.choices(["2", "3", "4", "5"], [1, 2, 4, 3])[0], ""),
        "privacy": (rng.choices(["yes", "no"], [24, 1])[0], ""),
    }


def load(stdout) -> None:
    qa, qa2 = User.objects.filter(username="qa").first(), _second_analyst()
    if qa is None:
        stdout.write("Quality: no demo QA analyst (load the core demo first).")
        return
    made = 0
    for index, project in enumerate(Project.objects.order_by("code")):
        if Scorecard.objects.filter(project=project, code=CODE).exists():
            continue
        with transaction.atomic():
            scorecard = services.scorecard_create(
                actor=qa, project=project, code=CODE,
                source=EXAMPLE_SCORECARD.replace("Chat quality standard", f"{project.code} quality standard"))
            services.version_publish(actor=qa, version=scorecard.versions.get())
            newest = project.interactions.aggregate(at=Max("arrived_at"))["at"]
            if newest is None:
                continue
            plan = services.plan_create(actor=qa, scorecard=scorecard, name="每周抽检 Weekly sample",
                                        per_agent_per_week=2, seed=20250 + index)
            day = newest.astimezone(ZoneInfo(project.time_zone)).date()
            result = services.plan_draw(actor=qa, plan=plan, analyst=qa, date_from=day - timedelta(days=6), date_to=day)
            rng = random.Random(index)
            for evaluation in result.created[:SCORED_PER_PROJECT]:
                services.evaluation_save(actor=qa, evaluation=evaluation, answers=_answers(rng),
                                         comment="演示评语 Demo remark", submit=True)
                made += 1
            _agent_steps(project, qa2)
    stdout.write(f"Quality: {Scorecard.objects.count()} scorecards, {made} new scored evaluations.")


def _agent_steps(project: Project, reviewer: User) -> None:
    """The first vendor's first agent acknowledges one evaluation and disputes another, which the
    second analyst re-reviews."""
    submitted = list(Evaluation.objects.filter(version__scorecard__project=project, status=Evaluation.Status.SUBMITTED,
                                               interaction__agent__user__isnull=False)
                     .select_related("interaction__agent__user").order_by("pk")[:2])
    if len(submitted) < 2:
        return
    first, second = submitted
    services.evaluation_acknowledge(actor=first.interaction.agent.user, evaluation=first)
    agent = second.interaction.agent.user
    dispute = services.evaluation_dispute(actor=agent, evaluation=second,
                                          reason="我在第二句已经问候客户。I did greet the customer in my second line.")
    if dispute.reviewer_id == reviewer.pk or dispute.reviewer_id is None:
        answers = {a.criterion.key: (a.value, a.comment) for a in second.answers.select_related("criterion")}
        answers["greeting"] = ("yes", "复核：已问候 Re-review: greeting found")
        services.dispute_review(actor=reviewer, dispute=dispute, answers=answers, comment="复核通过 Greeting confirmed.")
