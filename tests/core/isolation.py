"""Notifications for the walker: personal rows for each vendor user."""

from steward.core.notifications import notify


def seed(world) -> None:
    notify([world.user("a-manager")], "Alpha manager private notice")
    notify([world.user("a-agent1")], "Alpha agent one private notice")
    notify([world.user("a-agent2")], "Alpha agent two private notice")
    notify([world.user("b-manager")], "Bravo manager private notice")
    notify([world.user("b-agent1")], "Bravo agent private notice")
