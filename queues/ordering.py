"""The order of a queue, as arithmetic (RULES.md section 3). Pure: no database, no Django models.

Inside one queue, every class is ordered by submission time, then registration
order. The classes are merged like this: all out-of-turn entries first; then
first-turn and general entries one to three, one first-turn after every three
general, the rest of either list following in its own order once the other
runs out. Because the merge is positional, an entry's position follows from
four numbers: its rank inside its class and the sizes of the three classes.
That is the closed form below; a page of the queue uses the same arithmetic,
so both agree by construction. ``selectors.py`` feeds these functions from
indexed SQL counts; nothing else in the project computes a position.
"""

from dataclasses import dataclass

from .choices import BenefitClass

GENERAL_PER_FIRST_TURN = 3


@dataclass(frozen=True)
class ClassSizes:
    """How many entries of each class stand in a queue."""

    out_of_turn: int
    first_turn: int
    general: int

    @property
    def total(self) -> int:
        return self.out_of_turn + self.first_turn + self.general

    def of(self, benefit_class: int) -> int:
        return {
            BenefitClass.OUT_OF_TURN: self.out_of_turn,
            BenefitClass.FIRST_TURN: self.first_turn,
            BenefitClass.GENERAL: self.general,
        }[benefit_class]


@dataclass(frozen=True)
class Standing:
    """Where an entry stands, and who stands ahead of it, by class.

    The three ``*_ahead`` numbers add up to ``position - 1``; they are what the
    explanation shown to parents and operators is made of.
    """

    benefit_class: int
    rank_in_class: int
    position: int
    out_of_turn_ahead: int
    first_turn_ahead: int
    general_ahead: int
    sizes: ClassSizes


def first_turn_ahead_of_general(general_rank: int, first_turn_total: int) -> int:
    """First-turn entries before the g-th general one: one after every three general."""
    return min(first_turn_total, (general_rank - 1) // GENERAL_PER_FIRST_TURN)


def general_ahead_of_first_turn(first_turn_rank: int, general_total: int) -> int:
    """General entries before the p-th first-turn one: three before each first-turn."""
    return min(general_total, GENERAL_PER_FIRST_TURN * first_turn_rank)


def standing(benefit_class: int, rank_in_class: int, sizes: ClassSizes) -> Standing:
    """The position of the entry with ``rank_in_class`` (1-based) inside ``benefit_class``."""
    if not 1 <= rank_in_class <= sizes.of(benefit_class):
        raise ValueError("rank_in_class must be between 1 and the size of its class")
    ahead = _ahead(benefit_class, rank_in_class, sizes.out_of_turn, sizes.first_turn, sizes.general)
    return Standing(
        benefit_class=benefit_class,
        rank_in_class=rank_in_class,
        position=sum(ahead) + 1,
        out_of_turn_ahead=ahead[0],
        first_turn_ahead=ahead[1],
        general_ahead=ahead[2],
        sizes=sizes,
    )


def position(benefit_class: int, rank_in_class: int, out_of_turn: int, first_turn: int, general: int) -> int:
    """``standing(...).position`` from plain numbers, for a caller that needs thousands of them at once.

    A position history replays one per event of a queue's year (``history.replay``,
    issue 12's page at the back of the largest queue), where making the two objects
    of ``standing`` was most of the cost. The caller keeps the rank inside the class.
    """
    return sum(_ahead(benefit_class, rank_in_class, out_of_turn, first_turn, general)) + 1


def _ahead(
    benefit_class: int, rank: int, out_of_turn: int, first_turn: int, general: int
) -> tuple[int, int, int]:
    """Entries ahead by class (out-of-turn, first-turn, general) of the ``rank``-th of ``benefit_class``."""
    if benefit_class == BenefitClass.OUT_OF_TURN:
        return (rank - 1, 0, 0)
    if benefit_class == BenefitClass.FIRST_TURN:
        return (out_of_turn, rank - 1, general_ahead_of_first_turn(rank, general))
    return (out_of_turn, first_turn_ahead_of_general(rank, first_turn), rank - 1)


def first_turn_within(slots: int, sizes: ClassSizes) -> int:
    """How many first-turn entries stand among the first ``slots`` places after the out-of-turn ones.

    The p-th first-turn entry sits in slot ``p + min(G, 3p)``: slot ``4p`` while
    general entries last (p <= G // 3), slot ``p + G`` after they ran out. The
    slot grows with p, so the count is the largest p whose slot fits.
    """
    general_blocks = sizes.general // GENERAL_PER_FIRST_TURN
    per_block = GENERAL_PER_FIRST_TURN + 1
    if slots // per_block < general_blocks:
        count = slots // per_block
    else:
        count = max(general_blocks, slots - sizes.general)
    return max(0, min(sizes.first_turn, count))


@dataclass(frozen=True)
class PageWindow:
    """Which ranks of each class can appear on a page, so that each class is read by one range scan.

    ``*_from`` is the number of entries of that class before the page (the
    SQL offset); ``*_count`` an upper bound of how many of them the page holds.
    """

    out_of_turn_from: int
    out_of_turn_count: int
    first_turn_from: int
    first_turn_count: int
    general_from: int
    general_count: int


def page_window(offset: int, limit: int, sizes: ClassSizes) -> PageWindow:
    """The ranks to read for positions ``offset + 1 .. offset + limit``."""
    if offset < 0 or limit < 0:
        raise ValueError("offset and limit must not be negative")
    end = min(offset + limit, sizes.total)
    out_of_turn_from = min(offset, sizes.out_of_turn)
    out_of_turn_count = max(0, min(end, sizes.out_of_turn) - out_of_turn_from)
    merged_start = max(0, offset - sizes.out_of_turn)
    merged_end = max(0, end - sizes.out_of_turn)
    first_turn_from = first_turn_within(merged_start, sizes)
    general_from = merged_start - first_turn_from
    first_turn_count = first_turn_within(merged_end, sizes) - first_turn_from
    general_count = (merged_end - first_turn_within(merged_end, sizes)) - general_from
    return PageWindow(
        out_of_turn_from=out_of_turn_from,
        out_of_turn_count=out_of_turn_count,
        first_turn_from=first_turn_from,
        first_turn_count=first_turn_count,
        general_from=general_from,
        general_count=general_count,
    )


def position_sql(*, benefit_class: str, rank: str, out_of_turn: str, first_turn: str, general: str) -> str:
    """The closed form of ``standing(...).position`` as a SQL expression over the named columns.

    The same arithmetic as ``standing``, ``first_turn_ahead_of_general`` and
    ``general_ahead_of_first_turn``, for a query that positions many entries
    at once (``queues.bulk``): the arguments are SQL expressions for an entry's
    class, its 1-based rank in the class and the three class sizes of its
    queue. Integer division and ``CASE`` for the minimum, so PostgreSQL and
    SQLite read it alike. A property test keeps the two in step.
    """
    per = GENERAL_PER_FIRST_TURN

    def least(a: str, b: str) -> str:
        return f"CASE WHEN {a} < {b} THEN {a} ELSE {b} END"

    general_ahead = least(general, f"{per} * {rank}")
    first_turn_ahead = least(first_turn, f"({rank} - 1) / {per}")
    return (
        f"CASE {benefit_class}"
        f" WHEN {BenefitClass.OUT_OF_TURN:d} THEN {rank}"
        f" WHEN {BenefitClass.FIRST_TURN:d} THEN {out_of_turn} + {rank} + {general_ahead}"
        f" WHEN {BenefitClass.GENERAL:d} THEN {out_of_turn} + {rank} + {first_turn_ahead}"
        " END"
    )
