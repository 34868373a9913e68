"""Demo data for quality: a published scorecard per demo project, a second QA analyst (so a
dispute has someone to go to), a weekly sampling plan per project drawn over the newest week,
scored evaluations, one acknowledged and one disputed and re-reviewed; brand-manual compliance
rules per project with the demo transcripts scanned; two closed calibration sessions in which
three analysts scored the same contacts blind; two coachings, one completed and verified, one
(a training) overdue.

Idempotent: a project that already has the demo scorecard is left as it is. Deterministic: the
plans' seeds are fixed and the answers come from a seeded generator.
"""

import random
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

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
    _compliance(qa, stdout)
    _calibration(qa, qa2, stdout)
    _coaching(qa, stdout)


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


DEMO_RULES = [
    dict(code="greeting", name="标准问候语 Brand greeting", kind="required", phrases=["您好", "你好", "hello", "hi"],
         speaker="agent", scope="opening", turns=1, severity="low", source="品牌手册 Brand manual §2.1"),
    dict(code="rudeness", name="不文明用语 Rude language", kind="banned",
         phrases=["滚", "闭嘴", "不关我的事", "shut up", "not my problem"], speaker="agent", whole_word=True,
         severity="high", source="品牌手册 Brand manual §4.3"),
    dict(code="promise", name="违规承诺 Unauthorised promise", kind="regex", pattern=r"保证.{0,6}(赔|退|到账)|guarantee.{0,20}refund",
         speaker="agent", severity="medium", source="品牌手册 Brand manual §5.1"),
    dict(code="pii-mobile", name="泄露手机号 Mobile number disclosed", kind="pii", pii_kind="mobile", speaker="agent",
         severity="high"),
    dict(code="pii-id", name="泄露身份证号 Resident ID disclosed", kind="pii", pii_kind="resident_id", speaker="agent",
         severity="high"),
    dict(code="pii-card", name="泄露银行卡号 Bank card disclosed", kind="pii", pii_kind="bank_card", speaker="agent",
         severity="high"),
]


def _compliance(qa: User, stdout) -> None:
    """The demo brand manual as rules for every project, then every stored transcript scanned
    (idempotent: a project with the greeting rule keeps its rules; the scan skips what it saw)."""
    from steward.quality.models import ComplianceHit, ComplianceRule

    for project in Project.objects.order_by("code"):
        if not ComplianceRule.objects.filter(project=project, code="greeting").exists():
            with transaction.atomic():
                for rule in DEMO_RULES:
                    services.create_compliance_rule(actor=qa, project=project, **rule)
        services.scan_interactions(project=project)
    stdout.write(f"Quality: {ComplianceRule.objects.count()} compliance rules, "
                 f"{ComplianceHit.objects.count()} hits in the demo transcripts.")


def _third_analyst() -> User:
    user = User.objects.filter(username="qa3").first()
    if user is None:
        user = core_services.user_create(username="qa3", role="qa_analyst", vendor_code=None, password=DEMO_PASSWORD,
                                         first_name="磊", last_name="周", email="qa3@demo.invalid")
    return user


def _calibration(qa: User, qa2: User, stdout) -> None:
    """Two closed calibration sessions on the first project with chat transcripts: three
    analysts score the same four contacts; qa3 is a little lenient on accuracy."""
    from steward.interactions.models import Interaction
    from steward.quality.models import CalibrationSession

    if CalibrationSession.objects.exists():
        return
    qa3 = _third_analyst()
    for project in Project.objects.order_by("code"):
        scorecard = Scorecard.objects.filter(project=project, code=CODE).first()
        contacts = list(Interaction.objects.filter(project=project).exclude(transcript="").order_by("pk")[:8])
        if scorecard is None or scorecard.current is None or len(contacts) < 8:
            continue
        rng = random.Random(99)
        with transaction.atomic():
            for number, chosen in enumerate((contacts[:4], contacts[4:]), start=1):
                session = services.calibration_create(
                    actor=qa, scorecard=scorecard, title=f"校准 Calibration #{number} · {project.code}",
                    interactions=chosen, evaluators=[qa, qa2, qa3])
                for contact in chosen:
                    base = _answers(rng)
                    for evaluator in (qa, qa2, qa3):
                        answers = {key: value for key, (value, _c) in base.items()}
                        if evaluator == qa3 and answers["accuracy"] in ("2", "3", "4"):
                            answers["accuracy"] = str(int(answers["accuracy"]) + 1)
                        elif evaluator == qa2 and rng.random() < 0.25:
                            answers["greeting"] = "no" if answers["greeting"] == "yes" else "yes"
                        services.calibration_score(actor=evaluator, session=session, interaction=contact,
                                                   answers=answers)
                services.calibration_close(actor=qa, session=session)
        stdout.write(f"Quality: 2 calibration sessions on {project.code}.")
        return


def _coaching(qa: User, stdout) -> None:
    """Two coachings after the first project's evaluations of agents with a login: a note the
    agent acknowledged, did and the analyst verified; and a training (the first demo course)
    that is overdue — assigned three weeks ago, due a week ago."""
    from steward.quality.models import Coaching
    from steward.training.models import Course

    if Coaching.objects.exists():
        return
    evaluations = list(Evaluation.objects.exclude(status=Evaluation.Status.ASSIGNED)
                       .filter(interaction__agent__user__isnull=False)
                       .select_related("interaction__agent__user", "interaction__project").order_by("pk")[:2])
    if len(evaluations) < 2:
        return
    first, second = evaluations
    today = timezone.localdate()
    with transaction.atomic():
        agent = first.interaction.agent.user
        note = services.coaching_assign(actor=qa, evaluation=first, kind="note", due_on=today + timedelta(days=7),
                                        text="开场请使用标准问候语，并先核实客户身份。Open with the brand greeting and "
                                             "verify the customer's identity first.")
        services.coaching_transition(actor=agent, coaching=note, action="acknowledge")
        services.coaching_transition(actor=agent, coaching=note, action="done",
                                     note="已与组长练习问候语。Practised the greeting with my team lead.")
        services.coaching_transition(actor=qa, coaching=note, action="verify")
        course = Course.objects.order_by("code").first()
        late = services.coaching_assign(
            actor=qa, evaluation=second, kind="training" if course else "note", course=course,
            due_on=today, text="请完成课程并通过考核。Take the course and pass its assessment.")
        # The demo's story happened in the past: assigned three weeks ago, due a week ago.
        Coaching.objects.filter(pk=late.pk).update(assigned_at=timezone.now() - timedelta(days=21),
                                                   due_on=today - timedelta(days=7))
    stdout.write("Quality: 2 coachings (one verified, one overdue).")
