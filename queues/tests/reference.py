"""A plain reference for the queue order, written from RULES.md section 3 without the closed form.

It sorts each class and merges them the way a person would read the rule:
all out-of-turn first, then three general, one first-turn, three general, ...
and whatever is left of either list. Tests compare the SQL-backed engine with it.
"""

from queues.choices import BenefitClass


def reference_order(entries):
    """``entries``: (key, benefit_class, submitted_at, registration_no) tuples; returns the keys in order."""

    def in_class(benefit_class):
        chosen = [entry for entry in entries if entry[1] == benefit_class]
        return [entry[0] for entry in sorted(chosen, key=lambda entry: (entry[2], entry[3]))]

    out_of_turn = in_class(BenefitClass.OUT_OF_TURN)
    first_turn = in_class(BenefitClass.FIRST_TURN)
    general = in_class(BenefitClass.GENERAL)
    merged = []
    while general or first_turn:
        for _ in range(3):
            if general:
                merged.append(general.pop(0))
        if first_turn:
            merged.append(first_turn.pop(0))
    return out_of_turn + merged
