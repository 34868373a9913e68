"""In-app notifications: every app tells people things through `notify`.

    from django.utils.translation import gettext_noop
    notify([agent_user], gettext_noop("Evaluation of contact %(ref)s is ready"),
           {"ref": interaction.external_id}, url=evaluation.get_absolute_url())

The message is a msgid (marked with gettext_noop so makemessages finds it) rendered in the
reader's language at display time. Recipients who are inactive are skipped; duplicates in
`recipients` receive one notification.
"""

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from steward.core.models import Notification, User


def notify(recipients: Iterable[User], message: str, params: dict | None = None, url: str = "") -> list[Notification]:
    unique = {user.pk: user for user in recipients if user is not None and user.is_active}
    return Notification.objects.bulk_create(
        Notification(recipient=user, message=message, params=params or {}, url=url) for user in unique.values()
    )


def notifications_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.visible_to(user).filter(recipient=user)


def notification_get(*, user: User, pk: int) -> Notification:
    return notifications_for(user).get(pk=pk)


def unread_count(user: User) -> int:
    return notifications_for(user).filter(read_at__isnull=True).count()


def mark_read(user: User, pk: int | None = None) -> int:
    """Mark one (pk) or all of the user's unread notifications as read; returns how many."""
    unread = notifications_for(user).filter(read_at__isnull=True)
    if pk is not None:
        unread = unread.filter(pk=pk)
    return unread.update(read_at=timezone.now())
