"""RACI matrix rules. Pure: no Django.

Responsible does the work, Accountable answers for it (exactly one per activity), Consulted
give input before, Informed hear after. One letter per cell.
"""

LETTERS = ("R", "A", "C", "I")


def problems(activities: dict[int, str], cells: dict[tuple[int, int], str]) -> dict[int, str]:
    """{activity id: what is wrong} for every activity that breaks a rule.

    `cells` maps (activity id, party id) to a letter; empty cells are left out.
    Rules: exactly one A per activity; at least one R.
    """
    found: dict[int, str] = {}
    for activity_id in activities:
        letters = [letter for (a, _p), letter in cells.items() if a == activity_id]
        accountable = letters.count("A")
        if accountable == 0:
            found[activity_id] = "no_accountable"
        elif accountable > 1:
            found[activity_id] = "many_accountable"
        elif "R" not in letters:
            found[activity_id] = "no_responsible"
    return found


def clean_letter(value: str) -> str:
    """'' for an empty cell, else one of R/A/C/I (case-insensitive); ValueError otherwise."""
    value = (value or "").strip().upper()
    if value and value not in LETTERS:
        raise ValueError(value)
    return value
