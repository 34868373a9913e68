"""Every write to parties, projects and people. One function per use case, transactional,
validated with the models' own rules so the UI, the CLI and the API reject the same input
with the same message."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from steward.core.models import ApiToken, Organisation, Project, User, Vendor
from steward.core.roles import VENDOR_ROLES, Role


def organisation_update(*, name: str, currency: str | None = None, time_zone: str | None = None) -> Organisation:
    org = Organisation.current()
    org.name = name
    if currency:
        org.currency = currency
    if time_zone:
        org.time_zone = time_zone
    org.full_clean()
    org.save()
    return org


@transaction.atomic
def vendor_create(*, code: str, name: str, status: str = Vendor.Status.ACTIVE) -> Vendor:
    vendor = Vendor(code=code, name=name, status=status)
    vendor.full_clean()
    vendor.save()
    return vendor


@transaction.atomic
def vendor_update(*, vendor: Vendor, name: str, status: str) -> Vendor:
    vendor.name = name
    vendor.status = status
    vendor.full_clean()
    vendor.save()
    return vendor


def _vendors_by_code(codes: list[str]) -> list[Vendor]:
    found = {v.code: v for v in Vendor.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationError(
            {"vendors": _("Unknown vendor code(s): %(codes)s.") % {"codes": ", ".join(missing)}}
        )
    return [found[c] for c in codes]


@transaction.atomic
def project_create(
    *, code: str, name: str, time_zone: str, channels: list[str], vendor_codes: list[str],
    status: str = Project.Status.PLANNING, business_calendar: str = "",
) -> Project:
    """A new project starts in planning and goes live through its plan's gate; `status="live"`
    registers an engagement that was already running before Steward (demo, CLI)."""
    vendors = _vendors_by_code(vendor_codes)
    project = Project(code=code, name=name, time_zone=time_zone, channels=channels, status=status,
                      business_calendar=(business_calendar or "").strip())
    project.full_clean()
    project.save()
    project.vendors.set(vendors)
    return project


@transaction.atomic
def project_update(
    *, project: Project, name: str, time_zone: str, channels: list[str], status: str,
    vendor_codes: list[str], business_calendar: str | None = None,
) -> Project:
    """``business_calendar``: None leaves it as it is. A change makes the project's stored
    business minutes stale until they are rebuilt in the new calendar (in the background)."""
    vendors = _vendors_by_code(vendor_codes)
    if status == Project.Status.LIVE and project.status != Project.Status.LIVE:
        # Going live is gated (certified agents, SLA, contract, handover, sign-off): it happens
        # only through the plan's go-live action (planning.services.go_live), never by an edit.
        raise ValidationError({"status": _(
            "A project goes live only through its plan's go-live readiness check (Project plan → Go live)."
        )})
    project.name, project.time_zone, project.channels, project.status = name, time_zone, channels, status
    old_calendar = Project.objects.filter(pk=project.pk).values_list("business_calendar", flat=True).first()
    if business_calendar is not None:
        project.business_calendar = business_calendar.strip()
    project.full_clean()
    project.save()
    project.vendors.set(vendors)
    if project.business_calendar != old_calendar:
        from steward.interactions.services import business_calendar_changed  # the rollups' owner

        business_calendar_changed(project)
    return project


@transaction.atomic
def user_create(
    *,
    username: str,
    role: str,
    vendor_code: str | None = None,
    password: str | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
) -> User:
    try:
        role_enum = Role(role)
    except ValueError:
        raise ValidationError(
            {"role": _("Unknown role %(role)s. Known roles: %(roles)s.")
             % {"role": role, "roles": ", ".join(r.value for r in Role)}}
        ) from None
    vendor = None
    if role_enum in VENDOR_ROLES:
        if not vendor_code:
            raise ValidationError({"vendor": _("A %(role)s must belong to a vendor.") % {"role": role}})
        vendor = _vendors_by_code([vendor_code])[0]
    elif vendor_code:
        raise ValidationError(
            {"vendor": _("A %(role)s is on the client side and belongs to no vendor.") % {"role": role}}
        )
    user = User(
        username=username, role=role_enum.value, vendor=vendor, email=email,
        first_name=first_name, last_name=last_name,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def api_token_create(
    *, user: User, name: str, scopes: list[str], expires_in_days: int | None = 90
) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns it with the key, which is never stored or shown again."""
    unknown = sorted(set(scopes) - set(ApiToken.Scope.values))
    if not scopes or unknown:
        raise ValidationError({"scopes": _("Choose the scopes read and/or write.")})
    if expires_in_days is not None and not 1 <= expires_in_days <= 366:
        raise ValidationError({"expires_in_days": _("A token lives between 1 and 366 days.")})
    key = ApiToken.new_key()
    token = ApiToken(
        user=user, name=name, scopes=sorted(scopes), key_hash=ApiToken.hash_key(key), key_hint=key[:8],
        expires_at=timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    token.full_clean()
    token.save()
    return token, key


def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Owners revoke their own tokens; client administrators revoke anyone's."""
    if token.user_id != actor.pk and not actor.has_perm("core.change_user"):
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
