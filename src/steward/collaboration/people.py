"""How a person is named to a viewer. A meeting or a risk may involve two vendors; neither
learns whom the other sent, so another vendor's staff appear only as such."""

from django.utils.translation import gettext as _


def may_name(person, viewer) -> bool:
    return (viewer.is_superuser or viewer.is_client_side or person.vendor_id is None
            or person.vendor_id == viewer.vendor_id)


def label_for(person, viewer) -> str:
    if person is None:
        return ""
    if not may_name(person, viewer):
        return _("Staff of another vendor")
    name = person.get_full_name() or person.username
    if person.vendor_id:
        return f"{name} ({person.vendor.name})"
    return name
