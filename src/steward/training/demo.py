"""Demo training and knowledge base: a global service standard, a product FAQ and a brand manual
(sample dialogues, banned and required phrases, two versions), an onboarding programme whose
courses every demo project requires, and per project and vendor a trained cohort (certified and
active) and an untrained one (still in training), with one monthly refresher falling due.

Idempotent: nothing is loaded when the onboarding programme exists already.
"""

from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from steward.core.models import Project, User
from steward.core.roles import Role
from steward.interactions.models import Agent
from steward.training import services
from steward.training.models import Programme

BRAND_DIALOGUES = """customer: 我的订单还没到，你们怎么回事？
agent: 您好，非常抱歉让您久等了。我马上帮您查询订单状态。
customer: 好的。
agent: 已为您加急处理，预计明天送达。感谢您的耐心，祝您生活愉快！

customer: I was charged twice.
agent: Hello, I am sorry about that. Let me check the payment right away.
agent: The second charge is refunded today. Thank you for your patience."""

BANNED = ["这不归我管", "你自己看说明", "calm down", "that's not my problem", "no idea"]
REQUIRED = ["您好", "感谢", "hello", "thank you"]


def load(stdout) -> None:
    if Programme.objects.filter(code="onboarding").exists():
        stdout.write("Training: demo already loaded.")
        return
    admin = User.objects.filter(role=Role.CLIENT_ADMIN, is_active=True).order_by("pk").first()
    projects = list(Project.objects.filter(code__in=["aftersales-voice", "presales-chat", "support-email"])
                    .order_by("code"))
    if admin is None or not projects:
        stdout.write("Training: no demo projects, nothing loaded.")
        return
    today = timezone.localdate()

    standards = services.article_create(
        actor=admin, code="service-standards", title="Service standards", kind="policy",
        body="Answer within 20 seconds, greet by name, confirm the customer's need before closing.")
    faq = services.article_create(
        actor=admin, code="aftersales-faq", title="After-sales FAQ", kind="faq", project=projects[0],
        body="Refunds within 7 days of delivery; exchanges within 15 days; the courier collects free of charge.")
    brand = services.article_create(
        actor=admin, code="brand-manual", title="Brand manual: tone of voice", kind="brand_manual",
        body="Warm, brief, never blaming the customer. Apologise once, then solve.",
        sample_dialogues=BRAND_DIALOGUES, banned_phrases=BANNED[:3], required_phrases=REQUIRED)
    for article in (standards, faq, brand):
        services.version_publish(actor=admin, version=article.versions.get())
    first_brand = brand.current_version
    v2 = services.article_revise(actor=admin, article=brand, body=first_brand.body + " Never promise a date you cannot keep.",
                                 sample_dialogues=BRAND_DIALOGUES, banned_phrases=BANNED, required_phrases=REQUIRED,
                                 change_note="Two more banned phrases; no promised dates.")
    services.version_publish(actor=admin, version=v2)

    programme = services.programme_create(actor=admin, code="onboarding", name="Agent onboarding",
                                          description="What every agent passes before taking contacts.")
    product = services.course_create(actor=admin, programme=programme, code="product-basics", name="Product basics",
                                     description="Catalogue, orders, delivery, refunds.", articles=[faq, standards])
    quiz = services.assessment_create(actor=admin, course=product, code="quiz", name="Product quiz", pass_mark=80)
    roleplay = services.assessment_create(
        actor=admin, course=product, code="late-parcel", name="Role-play: the late parcel", kind="role_play",
        max_score=10, pass_mark=7,
        scenario="An upset customer's parcel is 3 days late and they want a refund. A good answer apologises once, "
                 "checks the order, offers the refund policy's options and closes with thanks.")
    voice = services.course_create(actor=admin, programme=programme, code="brand-voice", name="Brand voice refresher",
                                   refresher_months=1, description="Monthly: the brand manual's current version.",
                                   articles=[brand])
    voice_quiz = services.assessment_create(actor=admin, course=voice, code="quiz", name="Brand voice check",
                                            pass_mark=90)
    for project in projects:
        services.require_training(actor=admin, project=project, course=product)
        services.require_training(actor=admin, project=project, course=voice)

    trained = untrained = 0
    refresher_due = None
    for project in projects:
        for vendor in project.vendors.order_by("code"):
            agents = list(Agent.objects.filter(vendor=vendor, projects=project).exclude(status=Agent.Status.LEFT)
                          .order_by("code"))
            if not agents:
                continue
            manager = User.objects.filter(vendor=vendor, role=Role.VENDOR_MANAGER, is_active=True).first() or admin
            cohort = agents[: max(1, (len(agents) + 1) // 2)]
            rest = agents[len(cohort):]
            start = timezone.make_aware(datetime.combine(today - timedelta(days=20), time(9, 30)))
            session = services.session_create(
                actor=manager, course=product, vendor=vendor, starts_at=start, ends_at=start + timedelta(hours=3),
                mode="on_site", location=f"{vendor.name} training room", trainer="Chen Jing", agents=agents)
            for agent in agents:
                services.attendance_record(actor=manager, session=session, agent=agent,
                                           status="attended" if agent in cohort else "absent")
            taken = (start + timedelta(hours=2)).date()
            for agent in cohort:
                services.result_record(actor=manager, assessment=quiz, agent=agent, score=88, taken_on=taken,
                                       session=session)
                services.result_record(actor=manager, assessment=roleplay, agent=agent, score=8, taken_on=taken,
                                       session=session, notes="Apologised once, offered options, thanked.")
                # One agent's monthly refresher falls due within the week.
                # (its certification then expires in 7 days, so today's reminders include it).
                voice_day = (services.add_months(today + timedelta(days=8), -1) if refresher_due is None
                             else today - timedelta(days=10))
                services.result_record(actor=manager, assessment=voice_quiz, agent=agent, score=95, taken_on=voice_day)
                refresher_due = refresher_due or agent
                if agent.status != Agent.Status.ACTIVE:
                    try:
                        services.agent_activate(actor=manager, agent=agent)
                    except ValidationError:
                        continue  # assigned to another project whose trainings it lacks
                trained += 1
            for agent in rest[:1]:  # one untrained agent failed the quiz; the others have no result yet
                services.result_record(actor=manager, assessment=quiz, agent=agent, score=62, taken_on=taken,
                                       session=session, notes="Retake after shadowing.")
            for agent in rest:
                if agent.status == Agent.Status.ACTIVE:
                    services.agent_set_status(actor=manager, agent=agent, status=Agent.Status.TRAINING)
                untrained += 1
            upcoming = timezone.make_aware(datetime.combine(today + timedelta(days=3), time(14, 0)))
            services.session_create(actor=manager, course=voice, vendor=vendor, starts_at=upcoming,
                                    ends_at=upcoming + timedelta(hours=1), mode="online", refresher=True,
                                    location="https://meet.example.invalid/brand-voice", trainer="Chen Jing",
                                    agents=cohort)
            for agent in cohort:
                if agent.user_id:
                    try:
                        services.acknowledge(actor=agent.user, version=brand.current_version)
                    except ValidationError:
                        pass

    services.send_training_reminders(today)
    rules = 0
    try:
        rules = len(services.article_compliance_rules(actor=admin, article=brand, project=projects[1]))
    except (ValidationError, ImportError) as error:
        stdout.write(f"Training: brand manual not turned into QA rules ({error}).")
    stdout.write(f"Training: 3 articles, 2 courses required on {len(projects)} projects, {trained} agents certified "
                 f"and active, {untrained} in training, refresher due for {refresher_due}, {rules} QA rules.")
