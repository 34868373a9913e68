"""Every write of the knowledge base and of training. Each service checks who may do it (side
and vendor), validates, and writes in one transaction. Agent activation goes through
`agent_activate`, and the model-level gate (steward.training.gate) refuses any other path too."""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from steward.core.models import Project, User, Vendor
from steward.core.notifications import notify
from steward.core.roles import Role
from steward.interactions.models import Agent
from steward.training import gate
from steward.training.models import (
    Acknowledgement,
    Article,
    ArticleVersion,
    Assessment,
    AssessmentResult,
    Attendance,
    Certification,
    Course,
    Programme,
    RequiredTraining,
    Session,
    TrainingReminder,
)

REMIND_DAYS = (14, 7, 1)  # reminders this many days before a certification expires
MAX_PHRASES = 200


def _require(actor: User, perm: str) -> None:
    if not actor.has_perm(perm):
        raise ValidationError(_("You may not do this."))


def _require_client(actor: User, perm: str) -> None:
    _require(actor, perm)
    if not actor.is_client_side:
        raise ValidationError(_("Only the client's staff maintain this."))


def _check_vendor(actor: User, vendor_id: int) -> None:
    if not actor.is_client_side and actor.vendor_id != vendor_id:
        raise ValidationError(_("This belongs to another company."))


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clipped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def expiry_for(course: Course, certified_on: date) -> date | None:
    """The last valid day: `refresher_months` later, minus one day (none when it never expires)."""
    if not course.refresher_months:
        return None
    return add_months(certified_on, course.refresher_months) - timedelta(days=1)


def clean_phrases(phrases) -> list[str]:
    """Phrases from a list or from text (one per line), stripped, de-duplicated, order kept."""
    if isinstance(phrases, str):
        phrases = phrases.splitlines()
    seen: dict[str, None] = {}
    for phrase in phrases or []:
        text = str(phrase).strip()
        if text and text.lower() not in {p.lower() for p in seen}:
            if len(text) > 200:
                raise ValidationError(_("A phrase may have at most 200 characters."))
            seen[text] = None
    if len(seen) > MAX_PHRASES:
        raise ValidationError(_("At most %(count)s phrases.") % {"count": MAX_PHRASES})
    return list(seen)


# --- Knowledge base ----------------------------------------------------------------------


@transaction.atomic
def article_create(*, actor: User, code: str, title: str, kind: str, body: str, project: Project | None = None,
                   sample_dialogues: str = "", banned_phrases=(), required_phrases=(), change_note: str = "") -> Article:
    _require_client(actor, "training.change_article")
    if Article.objects.filter(code=code).exists():
        raise ValidationError({"code": _("An article with this code exists already.")})
    article = Article(code=code, title=title, kind=kind, project=project, created_by=actor)
    article.full_clean()
    article.save()
    version = ArticleVersion(article=article, number=1, body=body, sample_dialogues=sample_dialogues,
                             banned_phrases=clean_phrases(banned_phrases),
                             required_phrases=clean_phrases(required_phrases), change_note=change_note)
    version.full_clean()
    version.save()
    return article


def _draft(article: Article) -> ArticleVersion | None:
    return article.versions.filter(published_at__isnull=True).order_by("-number").first()


@transaction.atomic
def article_revise(*, actor: User, article: Article, body: str, title: str | None = None, sample_dialogues: str = "",
                   banned_phrases=(), required_phrases=(), change_note: str = "") -> ArticleVersion:
    """Edit an article: the open draft is changed; with no draft, a new version is created (a
    published version never changes)."""
    _require_client(actor, "training.change_article")
    article = Article.objects.select_for_update().get(pk=article.pk)
    if title:
        article.title = title
        article.full_clean()
        article.save()
    version = _draft(article)
    if version is None:
        last = article.versions.order_by("-number").first()
        version = ArticleVersion(article=article, number=(last.number if last else 0) + 1)
    version.body = body
    version.sample_dialogues = sample_dialogues
    version.banned_phrases = clean_phrases(banned_phrases)
    version.required_phrases = clean_phrases(required_phrases)
    version.change_note = change_note
    version.full_clean()
    version.save()
    return version


def article_agents(article: Article):
    """Agents who must acknowledge the article: those of its project, or every agent for a
    global article (agents who have left are not asked)."""
    agents = Agent.objects.exclude(status=Agent.Status.LEFT)
    if article.project_id:
        agents = agents.filter(projects=article.project_id)
    return agents


@transaction.atomic
def version_publish(*, actor: User, version: ArticleVersion) -> ArticleVersion:
    _require_client(actor, "training.change_article")
    version = ArticleVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise ValidationError(_("This version is published already."))
    if not version.body.strip():
        raise ValidationError(_("An empty version cannot be published."))
    ArticleVersion.objects.filter(pk=version.pk).update(published_at=timezone.now(), published_by=actor)
    version.refresh_from_db()
    users = [a.user for a in article_agents(version.article).select_related("user") if a.user_id]
    notify(users, gettext_noop("Please read and acknowledge “%(title)s” (version %(number)s)."),
           {"title": version.article.title, "number": version.number}, url=version.article.get_absolute_url())
    return version


@transaction.atomic
def acknowledge(*, actor: User, version: ArticleVersion) -> Acknowledgement:
    """The signed-in agent has read and acknowledged this version (once; repeating is harmless)."""
    _require(actor, "training.acknowledge_article")
    agent = Agent.objects.filter(user=actor).first()
    if agent is None:
        raise ValidationError(_("Only an agent with a roster entry acknowledges articles."))
    version = ArticleVersion.objects.select_related("article").get(pk=version.pk)
    if not version.is_published:
        raise ValidationError(_("Only a published version can be acknowledged."))
    if not article_agents(version.article).filter(pk=agent.pk).exists():
        raise ValidationError(_("This article is not for your projects."))
    current = version.article.current_version
    if current is None or current.pk != version.pk:
        raise ValidationError(_("A newer version exists; acknowledge the current one."))
    ack, _created = Acknowledgement.objects.get_or_create(version=version, agent=agent)
    return ack


# --- Curriculum (client side) ----------------------------------------------------------


@transaction.atomic
def programme_create(*, actor: User, code: str, name: str, description: str = "") -> Programme:
    _require_client(actor, "training.change_course")
    programme = Programme(code=code, name=name, description=description)
    programme.full_clean()
    programme.save()
    return programme


@transaction.atomic
def course_create(*, actor: User, code: str, name: str, programme: Programme | None = None, description: str = "",
                  refresher_months: int = 0, articles=()) -> Course:
    _require_client(actor, "training.change_course")
    course = Course(code=code, name=name, programme=programme, description=description,
                    refresher_months=refresher_months)
    course.full_clean()
    course.save()
    course.articles.set(articles)
    return course


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if not number.is_finite():
        raise ValidationError({field: _("Enter a number.")})
    return number


@transaction.atomic
def assessment_create(*, actor: User, course: Course, code: str, name: str, kind: str = "written",
                      pass_mark=Decimal("80"), max_score=Decimal("100"), scenario: str = "") -> Assessment:
    _require_client(actor, "training.change_course")
    pass_mark, max_score = _decimal(pass_mark, "pass_mark"), _decimal(max_score, "max_score")
    if pass_mark > max_score:
        raise ValidationError({"pass_mark": _("The pass mark cannot exceed the maximum score.")})
    assessment = Assessment(course=course, code=code, name=name, kind=kind, pass_mark=pass_mark,
                            max_score=max_score, scenario=scenario)
    assessment.full_clean()
    assessment.save()
    return assessment


@transaction.atomic
def require_training(*, actor: User, project: Project, course: Course) -> RequiredTraining:
    """From now on agents of the project need this course to be active. Agents already active
    without it stay active (the matrix shows them as missing and reminders go out)."""
    _require_client(actor, "training.change_course")
    row, _created = RequiredTraining.objects.get_or_create(project=project, course=course)
    return row


@transaction.atomic
def unrequire_training(*, actor: User, project: Project, course: Course) -> None:
    _require_client(actor, "training.change_course")
    RequiredTraining.objects.filter(project=project, course=course).delete()


# --- Sessions, attendance, results (client staff or the agents' vendor manager) -----------


@transaction.atomic
def session_create(*, actor: User, course: Course, vendor: Vendor, starts_at: datetime, ends_at: datetime,
                   mode: str = Session.Mode.ONLINE, location: str = "", trainer: str = "", refresher: bool = False,
                   notes: str = "", agents=()) -> Session:
    _require(actor, "training.add_session")
    _check_vendor(actor, vendor.pk)
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("A session must end after it starts.")})
    session = Session(course=course, vendor=vendor, starts_at=starts_at, ends_at=ends_at, mode=mode,
                      location=location, trainer=trainer, refresher=refresher, notes=notes)
    session.full_clean()
    session.save()
    for agent in agents:
        attendance_record(actor=actor, session=session, agent=agent, status=Attendance.Status.REGISTERED)
    users = [a.user for a in agents if a.user_id]
    notify(users, gettext_noop("You are registered for the training “%(course)s” on %(day)s."),
           {"course": course.name, "day": timezone.localtime(starts_at).date().isoformat()},
           url=session.get_absolute_url())
    return session


@transaction.atomic
def attendance_record(*, actor: User, session: Session, agent: Agent, status: str) -> Attendance:
    _require(actor, "training.add_session")
    _check_vendor(actor, session.vendor_id)
    if agent.vendor_id != session.vendor_id:
        raise ValidationError(_("Agent %(agent)s does not work for this session's vendor.") % {"agent": agent.code})
    if status not in Attendance.Status.values:
        raise ValidationError({"status": _("Unknown attendance status.")})
    row, _created = Attendance.objects.update_or_create(session=session, agent=agent, defaults={"status": status})
    if status == Attendance.Status.ATTENDED and not session.course.assessments.exists():
        # A course without assessments is passed by attending it.
        _certify(agent, session.course, timezone.localtime(session.ends_at).date())
    return row


def _certify(agent: Agent, course: Course, on: date) -> Certification:
    expires = expiry_for(course, on)
    cert = Certification.objects.select_for_update().filter(agent=agent, course=course).first()
    if cert is None:
        return Certification.objects.create(agent=agent, course=course, certified_on=on, expires_on=expires)
    if on > cert.certified_on:
        cert.certified_on, cert.expires_on = on, expires
        cert.save()
    return cert


def course_passed_on(agent: Agent, course: Course, on: date) -> bool:
    """Whether every assessment of the course has a passing result on or before `on` — within the
    refresher period before `on` when the course must be refreshed."""
    assessments = list(course.assessments.values_list("pk", flat=True))
    if not assessments:
        return False
    results = AssessmentResult.objects.filter(agent=agent, assessment__in=assessments, passed=True, taken_on__lte=on)
    if course.refresher_months:
        results = results.filter(taken_on__gt=add_months(on, -course.refresher_months))
    return results.values("assessment").distinct().count() == len(assessments)


@transaction.atomic
def result_record(*, actor: User, assessment: Assessment, agent: Agent, score, taken_on: date,
                  session: Session | None = None, notes: str = "") -> AssessmentResult:
    """Record one attempt. Passed = score ≥ the pass mark. When it completes the course (every
    assessment passed, within the refresher period), the certification is granted or renewed."""
    _require(actor, "training.add_result")
    _check_vendor(actor, agent.vendor_id)
    score = _decimal(score, "score")
    if score < 0 or score > assessment.max_score:
        raise ValidationError({"score": _("The score must lie between 0 and %(max)s.") % {"max": assessment.max_score}})
    if taken_on > timezone.localdate():
        raise ValidationError({"taken_on": _("A result cannot be dated in the future.")})
    if session is not None and (session.vendor_id != agent.vendor_id or session.course_id != assessment.course_id):
        raise ValidationError({"session": _("The session is not this course's session for the agent's vendor.")})
    result = AssessmentResult(assessment=assessment, agent=agent, session=session, taken_on=taken_on, score=score,
                              pass_mark=assessment.pass_mark, passed=score >= assessment.pass_mark, assessor=actor,
                              notes=notes)
    result.full_clean()
    result.save()
    if result.passed and course_passed_on(agent, assessment.course, taken_on):
        _certify(agent, assessment.course, taken_on)
    if agent.user_id:
        notify([agent.user], gettext_noop("Your result in “%(assessment)s”: %(score)s (pass mark %(mark)s)."),
               {"assessment": assessment.name, "score": str(score), "mark": str(assessment.pass_mark)},
               url=result.get_absolute_url())
    return result


# --- Activation ------------------------------------------------------------------------


@transaction.atomic
def agent_activate(*, actor: User, agent: Agent) -> Agent:
    """Put an agent on the line. Refused, naming the missing trainings, unless the agent is
    certified for every training its projects require."""
    _require(actor, "training.activate_agent")
    _check_vendor(actor, agent.vendor_id)
    agent = Agent.objects.select_for_update().get(pk=agent.pk)
    if agent.status == Agent.Status.ACTIVE:
        return agent
    if agent.status == Agent.Status.LEFT:
        raise ValidationError(_("An agent who has left cannot be activated."))
    gate.ensure_may_be_active(agent)
    agent.status = Agent.Status.ACTIVE
    agent.save()  # the model checks again: nothing can slip between the check and the write
    return agent


@transaction.atomic
def agent_set_status(*, actor: User, agent: Agent, status: str) -> Agent:
    if status == Agent.Status.ACTIVE:
        return agent_activate(actor=actor, agent=agent)
    _require(actor, "training.activate_agent")
    _check_vendor(actor, agent.vendor_id)
    if status not in Agent.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    agent.status = status
    agent.save()
    return agent


@transaction.atomic
def suspend_lapsed_agents(today: date) -> list[Agent]:
    """Active agents whose certification for a required training has expired (or who lack one)
    go back to "in training"; they and their vendor's managers are told. Returns them."""
    lapsed = []
    for agent in Agent.objects.filter(status=Agent.Status.ACTIVE, projects__required_trainings__isnull=False).distinct():
        missing = gate.missing_trainings(agent, on=today)
        if missing:
            agent.status = Agent.Status.TRAINING
            agent.save()
            lapsed.append((agent, missing))
    for agent, missing in lapsed:
        courses = ", ".join(sorted({c.name for cs in missing.values() for c in cs}))
        recipients = [agent.user] if agent.user_id else []
        recipients += list(_vendor_managers(agent.vendor_id))
        notify(recipients, gettext_noop("Agent %(agent)s is back in training: %(courses)s expired or missing."),
               {"agent": agent.code, "courses": courses})
    return [agent for agent, _missing in lapsed]


# --- Reminders -------------------------------------------------------------------------


def _vendor_managers(vendor_id: int):
    return User.objects.filter(vendor_id=vendor_id, role=Role.VENDOR_MANAGER, is_active=True)


@dataclass
class ReminderReport:
    agents_notified: int = 0
    managers_notified: int = 0
    reminders: int = 0


@transaction.atomic
def send_training_reminders(today: date) -> ReminderReport:
    """Tell agents (and, in one digest per vendor, their managers) about required trainings they
    have not passed and certifications that expire in 14, 7 or 1 day(s) or have expired.

    Each reminder is logged (agent, course, stage, expiry), so running this twice on a day, or
    every day, never repeats one; a missing training is reminded once a week (ISO week)."""
    report = ReminderReport()
    required = RequiredTraining.objects.select_related("course", "project")
    by_project: dict[int, list[Course]] = {}
    for row in required:
        by_project.setdefault(row.project_id, []).append(row.course)
    if not by_project:
        return report
    agents = (Agent.objects.filter(projects__in=list(by_project)).exclude(status__in=[Agent.Status.LEFT,
                                                                                     Agent.Status.INACTIVE])
              .distinct().select_related("user").prefetch_related("projects"))
    certs = {(c.agent_id, c.course_id): c for c in Certification.objects.filter(agent__in=agents)}
    per_vendor: dict[int, int] = {}
    week = f"{today.isocalendar().year}-W{today.isocalendar().week:02d}"
    for agent in agents:
        courses = {c.pk: c for p in agent.projects.all() for c in by_project.get(p.pk, [])}
        for course in sorted(courses.values(), key=lambda c: c.code):
            cert = certs.get((agent.pk, course.pk))
            if cert is None or cert.certified_on > today:
                stage, key, message = "missing", week, gettext_noop(
                    "Required training “%(course)s” is not passed yet; you cannot be active without it.")
                params = {"course": course.name}
            elif cert.expires_on is None:
                continue
            else:
                days = (cert.expires_on - today).days
                if days < 0:
                    stage, message = "expired", gettext_noop(
                        "Your certification “%(course)s” expired on %(day)s; take the refresher.")
                elif days in REMIND_DAYS:
                    stage, message = f"due-{days}", gettext_noop(
                        "Your certification “%(course)s” expires on %(day)s; take the refresher before then.")
                else:
                    continue
                key, params = cert.expires_on.isoformat(), {"course": course.name, "day": cert.expires_on.isoformat()}
            try:
                with transaction.atomic():
                    TrainingReminder.objects.create(agent=agent, course=course, stage=stage, key=key, sent_on=today)
            except IntegrityError:
                continue  # sent already
            report.reminders += 1
            per_vendor[agent.vendor_id] = per_vendor.get(agent.vendor_id, 0) + 1
            if agent.user_id and agent.user.is_active:
                notify([agent.user], message, params, url="/training/my/")
                report.agents_notified += 1
    for vendor_id, count in per_vendor.items():
        managers = list(_vendor_managers(vendor_id))
        notify(managers, gettext_noop("%(count)s training reminders went to your agents today; see the certification matrix."),
               {"count": count}, url="/training/matrix/")
        report.managers_notified += len(managers)
    return report


# --- Brand manual → QA compliance rules -----------------------------------------------


def phrase_rule_specs(version: ArticleVersion) -> list[dict]:
    """The compliance rules a brand manual version's phrases become (pure description)."""
    specs = []
    code = version.article.code
    if version.banned_phrases:
        specs.append({"code": f"{code}-banned"[:64], "kind": "banned", "phrases": list(version.banned_phrases),
                      "name": _("%(title)s: banned phrases") % {"title": version.article.title}})
    if version.required_phrases:
        specs.append({"code": f"{code}-required"[:64], "kind": "required", "phrases": list(version.required_phrases),
                      "name": _("%(title)s: required phrases") % {"title": version.article.title}})
    return specs



@transaction.atomic
def article_compliance_rules(*, actor: User, article: Article, project: Project | None = None) -> list:
    """Create (or bring up to date) the QA compliance rules of the article's project from its
    current version's banned and required phrases, through the quality app's service. A global
    article needs the project to apply them to. Returns the rules."""
    from steward.quality import services as quality

    _require(actor, "training.change_article")
    version = article.current_version
    if version is None:
        raise ValidationError(_("Publish the article first."))
    project = project or article.project
    if project is None:
        raise ValidationError(_("Choose the project whose contacts the rules apply to."))
    if article.project_id and project.pk != article.project_id:
        raise ValidationError(_("This article belongs to another project."))
    specs = phrase_rule_specs(version)
    if not specs:
        raise ValidationError(_("This version has no banned or required phrases."))
    source = f"{article.title} v{version.number}"
    rules = []
    from steward.quality.models import ComplianceRule

    for spec in specs:
        existing = ComplianceRule.objects.filter(project=project, code=spec["code"]).first()
        if existing is not None:
            rules.append(quality.rule_update(actor=actor, rule=existing, phrases=spec["phrases"], name=spec["name"],
                                             source=source, active=True))
        else:
            rules.append(quality.create_compliance_rule(
                actor=actor, project=project, code=spec["code"], name=spec["name"], kind=spec["kind"],
                phrases=spec["phrases"], speaker="agent", scope="anywhere", severity="high", source=source))
    return rules
