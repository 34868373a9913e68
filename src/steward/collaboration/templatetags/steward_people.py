from django import template

from steward.collaboration.people import label_for

register = template.Library()


@register.filter
def person(person, viewer) -> str:
    """{{ item.owner|person:user }}: the person's name, or "staff of another vendor"."""
    return label_for(person, viewer)
