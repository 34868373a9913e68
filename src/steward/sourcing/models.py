"""Sourcing events (tenders): what the client asks for, whom it invites, what each vendor
proposes, how the client's evaluators score the proposals, and the decision.

Visibility: an event is visible to the vendors invited to it; an invitation, a submission and
everything about one vendor's evaluation reach that vendor only. Vendor pages never read the
client's scores or the decision memo; they see their own submission and their invitation's
outcome.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from steward.contracts.models import PricingModel, RateComponent
from steward.core.models import Channel, Project, Vendor
from steward.core.visibility import Visibility, VisibleManager
from steward.vendors.models import validate_text_list


def validate_volumes(value) -> None:
    """{channel: contacts per month}, whole non-negative numbers, known channels."""
    if not isinstance(value, dict):
        raise ValidationError(_("Volumes must map a channel to contacts per month."))
    unknown = sorted(set(value) - set(Channel.values))
    if unknown:
        raise ValidationError(_("Unknown channel(s): %(unknown)s. Known: %(known)s."),
                              params={"unknown": ", ".join(map(str, unknown)), "known": ", ".join(Channel.values)})
    for number in value.values():
        if not isinstance(number, int) or isinstance(number, bool) or number < 0:
            raise ValidationError(_("Contacts per month must be whole numbers of 0 or more."))


class SourcingEvent(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for proposals")
        EVALUATION = "evaluation", _("Under evaluation")
        DECIDED = "decided", _("Decided")
        CLOSED = "closed", _("Closed")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="sourcing_events",
                                verbose_name=_("project"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("scope of the service"), blank=True)
    volumes = models.JSONField(_("contacts per month by channel"), default=dict, validators=[validate_volumes])
    handle_minutes = models.DecimalField(_("billable minutes per contact"), max_digits=7, decimal_places=2,
                                         default=5, validators=[MinValueValidator(0)])
    languages = models.JSONField(_("languages"), default=list, blank=True, validators=[validate_text_list])
    service_hours = models.CharField(_("service hours"), max_length=300, blank=True)
    draft_sla = models.TextField(_("draft SLA"), blank=True)
    deadline = models.DateTimeField(_("proposal deadline"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    evaluators = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True,
                                        verbose_name=_("evaluators"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[evaluators])

    objects = VisibleManager()
    visibility = Visibility(vendor="invitations__vendor")

    class Meta:
        ordering = ["-deadline", "-pk"]
        verbose_name = _("sourcing event")
        verbose_name_plural = _("sourcing events")

    def __str__(self) -> str:
        return self.title

    @property
    def contacts_per_month(self) -> int:
        return sum(self.volumes.values()) if isinstance(self.volumes, dict) else 0

    def volume_rows(self) -> list[tuple[str, int]]:
        return [(str(Channel(c).label) if c in Channel.values else c, n) for c, n in sorted(self.volumes.items())]


class Invitation(models.Model):
    class Outcome(models.TextChoices):
        PENDING = "pending", _("Pending")
        SELECTED = "selected", _("Selected")
        NOT_SELECTED = "not_selected", _("Not selected")

    event = models.ForeignKey(SourcingEvent, on_delete=models.CASCADE, related_name="invitations",
                              verbose_name=_("sourcing event"))
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="invitations",
                               verbose_name=_("vendor"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    invited_at = models.DateTimeField(_("invited"), auto_now_add=True)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="vendor")

    class Meta:
        ordering = ["event", "vendor__code"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [models.UniqueConstraint(fields=["event", "vendor"], name="invitation_unique",
                                               violation_error_message=_("This vendor is already invited."))]

    def __str__(self) -> str:
        return f"{self.event} — {self.vendor}"


RATE_FIELDS = {
    RateComponent.FTE_MONTH: "rate_fte_month",
    RateComponent.HANDLED_CONTACT: "rate_handled_contact",
    RateComponent.MINUTE: "rate_minute",
    RateComponent.RESOLVED_TICKET: "rate_resolved_ticket",
    RateComponent.FIXED_MONTH: "rate_fixed_month",
    RateComponent.MINIMUM_MONTH: "rate_minimum_month",
}


def _rate_field(label):
    return models.DecimalField(label, max_digits=12, decimal_places=4, null=True, blank=True,
                               validators=[MinValueValidator(0)])


class Submission(models.Model):
    """One vendor's proposal to one event; it can be revised until the deadline."""

    event = models.ForeignKey(SourcingEvent, on_delete=models.CASCADE, related_name="submissions",
                              verbose_name=_("sourcing event"))
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="submissions",
                               verbose_name=_("vendor"))
    proposal = models.TextField(_("proposal"))
    cases = models.TextField(_("reference cases"), blank=True)
    pricing_model = models.CharField(_("pricing model"), max_length=16, choices=PricingModel.choices)
    rate_fte_month = _rate_field(_("per FTE per month"))
    rate_handled_contact = _rate_field(_("per handled contact"))
    rate_minute = _rate_field(_("per minute"))
    rate_resolved_ticket = _rate_field(_("per resolved ticket"))
    rate_fixed_month = _rate_field(_("fixed fee per month"))
    rate_minimum_month = _rate_field(_("minimum commitment per month"))
    proposed_fte = models.DecimalField(_("proposed FTE"), max_digits=8, decimal_places=2, null=True, blank=True,
                                       validators=[MinValueValidator(0)])
    price_notes = models.TextField(_("price assumptions"), blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                     related_name="+", verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last revised"), auto_now=True)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="vendor")

    class Meta:
        ordering = ["event", "vendor__code"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        constraints = [models.UniqueConstraint(fields=["event", "vendor"], name="submission_unique")]

    def __str__(self) -> str:
        return f"{self.event} — {self.vendor}"

    def rates(self) -> dict[str, object]:
        return {component.value: getattr(self, name) for component, name in RATE_FIELDS.items()
                if getattr(self, name) is not None}

    def rate_rows(self) -> list[tuple[str, object]]:
        return [(str(RateComponent(c).label), amount) for c, amount in self.rates().items()]


class Criterion(models.Model):
    """A weighted evaluation criterion of one event. Weights are whole percentages adding up
    to 100; the price criterion is scored from the normalised price, not by evaluators."""

    class Key(models.TextChoices):
        QUALIFICATION = "qualification", _("Qualification")
        EXPERIENCE = "experience", _("Experience")
        SERVICE_CAPABILITY = "service_capability", _("Service capability")
        TECHNOLOGY = "technology", _("Technology")
        REFERENCES = "references", _("References")
        PRICE = "price", _("Price")
        SITE_VISIT = "site_visit", _("Site visit")

    event = models.ForeignKey(SourcingEvent, on_delete=models.CASCADE, related_name="criteria",
                              verbose_name=_("sourcing event"))
    key = models.CharField(_("criterion"), max_length=32, choices=Key.choices)
    weight = models.PositiveSmallIntegerField(_("weight (%)"), validators=[MaxValueValidator(100)])
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="event__invitations__vendor")

    class Meta:
        ordering = ["event", "order", "pk"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [models.UniqueConstraint(fields=["event", "key"], name="criterion_unique")]

    def __str__(self) -> str:
        return str(self.get_key_display())

    @property
    def scored_by_hand(self) -> bool:
        return self.key != self.Key.PRICE


class SiteVisitItem(models.Model):
    event = models.ForeignKey(SourcingEvent, on_delete=models.CASCADE, related_name="site_visit_items",
                              verbose_name=_("sourcing event"))
    text = models.CharField(_("checklist item"), max_length=300)
    order = models.PositiveSmallIntegerField(default=0)

    objects = VisibleManager()
    visibility = Visibility(vendor="event__invitations__vendor")

    class Meta:
        ordering = ["event", "order", "pk"]
        verbose_name = _("site-visit checklist item")
        verbose_name_plural = _("site-visit checklist items")

    def __str__(self) -> str:
        return self.text


class SiteVisitCheck(models.Model):
    """What the client found at one vendor's site for one checklist item."""

    item = models.ForeignKey(SiteVisitItem, on_delete=models.CASCADE, related_name="checks",
                             verbose_name=_("checklist item"))
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="+", verbose_name=_("vendor"))
    met = models.BooleanField(_("met"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   related_name="+", verbose_name=_("checked by"))
    checked_at = models.DateTimeField(_("checked"), auto_now=True)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="vendor")

    class Meta:
        verbose_name = _("site-visit check")
        verbose_name_plural = _("site-visit checks")
        constraints = [models.UniqueConstraint(fields=["item", "vendor"], name="site_visit_check_unique")]


class Scorecard(models.Model):
    """One evaluator's scores for one event. Until it is submitted, its owner cannot see the
    other evaluators' scores (selectors.scores_visible_to says so)."""

    event = models.ForeignKey(SourcingEvent, on_delete=models.CASCADE, related_name="scorecards",
                              verbose_name=_("sourcing event"))
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("evaluator"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="scores__vendor")

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        constraints = [models.UniqueConstraint(fields=["event", "evaluator"], name="scorecard_unique")]

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Score(models.Model):
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="scores",
                                  verbose_name=_("scorecard"))
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="+", verbose_name=_("vendor"))
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores",
                                  verbose_name=_("criterion"))
    value = models.PositiveSmallIntegerField(_("score"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="vendor")

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [models.UniqueConstraint(fields=["scorecard", "vendor", "criterion"], name="score_unique")]


class DecisionMemo(models.Model):
    event = models.OneToOneField(SourcingEvent, on_delete=models.CASCADE, related_name="decision",
                                 verbose_name=_("sourcing event"))
    chosen_vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("chosen vendor"))
    memo = models.TextField(_("decision memo"))
    rationale = models.TextField(_("rationale"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), auto_now_add=True)
    history = HistoricalRecords()

    objects = VisibleManager()
    # Vendor pages never read the memo; the path only keeps other vendors out if one ever did.
    visibility = Visibility(vendor="chosen_vendor")

    class Meta:
        verbose_name = _("decision memo")
        verbose_name_plural = _("decision memos")
