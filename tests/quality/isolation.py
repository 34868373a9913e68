"""Rows for the isolation walker: scorecards of vendor A's and vendor B's projects, and submitted
evaluations of each vendor-A agent's contact (one disputed) and of vendor B's contact.

Runs after tests/interactions/isolation.py (seeders run in folder order), whose contacts it scores.
"""

from steward.interactions.models import Interaction
from steward.quality import services
from steward.quality.forms import EXAMPLE_SCORECARD

ANSWERS = {"greeting": ("yes", ""), "accuracy": ("4", ""), "privacy": ("yes", "")}


def _scorecard(world, project, code, name):
    analyst = world.user("qa_analyst")
    scorecard = services.scorecard_create(actor=analyst, project=project, code=code,
                                          source=EXAMPLE_SCORECARD.replace("Chat quality standard", name))
    services.version_publish(actor=analyst, version=scorecard.versions.get())
    return scorecard


def _evaluate(world, scorecard, external_id, note):
    analyst = world.user("qa_analyst")
    contact = Interaction.objects.get(external_id=external_id)
    evaluation = services.evaluation_assign(actor=analyst, interaction=contact, analyst=analyst, scorecard=scorecard)
    answers = {**ANSWERS, "greeting": ("no", f"{note} greeting remark")}
    return services.evaluation_save(actor=analyst, evaluation=evaluation, answers=answers,
                                    comment=f"{note} overall remark", submit=True)


def seed(world):
    alpha = _scorecard(world, world.project_a, "alpha-voice", "Alpha voice standard")
    bravo = _scorecard(world, world.project_b, "bravosecret-card", "Bravosecret chat standard")
    amy = _evaluate(world, alpha, "ALPHA-AMY-1", "Amyevalprivate")
    arlo = _evaluate(world, alpha, "ALPHA-ARLO-1", "Arloevalprivate")
    services.evaluation_dispute(actor=world.user("a-agent2"), evaluation=arlo, reason="Arlodisputeprivate reason")
    bella = _evaluate(world, bravo, "BRAVOSECRET-1", "Bravosecretevalprivate")
    seed_coaching(world, amy, arlo, bella)
    analyst = world.user("qa_analyst")
    services.plan_create(actor=analyst, scorecard=alpha, name="Alpha weekly plan", per_agent_per_week=2, seed=1)
    services.plan_create(actor=analyst, scorecard=bravo, name="Bravosecret weekly plan", per_agent_per_week=2, seed=2)
    seed_compliance(world)


def seed_coaching(world, amy, arlo, bella):
    """A coaching per vendor-A agent (a note; a training, marked done) and one of vendor B."""
    from datetime import timedelta

    from django.utils import timezone

    from steward.training import services as training

    due = timezone.localdate() + timedelta(days=10)
    course = training.course_create(actor=world.user("client_admin"), code="walker-coaching",
                                    name="Walker coaching course")
    services.coaching_assign(actor=world.user("qa_analyst"), evaluation=amy, kind="note",
                             text="Amycoachprivate greet first", due_on=due)
    arlos = services.coaching_assign(actor=world.user("a-manager"), evaluation=arlo, kind="training", course=course,
                                     text="Arlocoachprivate take the course", due_on=due)
    services.coaching_transition(actor=world.user("a-agent2"), coaching=arlos, action="done",
                                 note="Arlocoachprivate completion")
    services.coaching_assign(actor=world.user("b-manager"), evaluation=bella, kind="note",
                             text="Bravosecret coaching note", due_on=due)


def seed_compliance(world):
    """Rules on each vendor's project, hits in vendor A's and vendor B's transcripts, and a
    calibration session on vendor B's contact (client QA only)."""
    analyst = world.user("qa_analyst")
    for project, code, phrase in ((world.project_a, "alpha-greeting", "private question"),
                                  (world.project_b, "bravosecret-greeting", "Bravosecret answer")):
        services.create_compliance_rule(actor=analyst, project=project, code=code, name=f"{code} rule",
                                        kind="banned", phrases=[phrase])
        services.scan_interactions(project=project)
    from steward.quality.models import Scorecard

    bravo = Scorecard.objects.get(code="bravosecret-card")
    from steward.core.roles import Role
    from steward.core.models import User

    second = User.objects.filter(role=Role.QA_ANALYST).exclude(pk=analyst.pk).first() or world.user("outsourcing_manager")
    session = services.calibration_create(actor=analyst, scorecard=bravo, title="Bravosecret calibration",
                                          interactions=[Interaction.objects.get(external_id="BRAVOSECRET-1")],
                                          evaluators=[analyst, second])
    services.calibration_score(actor=analyst, session=session,
                               interaction=Interaction.objects.get(external_id="BRAVOSECRET-1"),
                               answers={k: v for k, (v, _c) in ANSWERS.items()})
