"""The ontology of a domain as frozen values, loaded from ``domains/<name>/ontology.yaml``.

A :class:`Domain` (``multiwoz``, ``crosswoz``, ``cityguide``) has sub-domains (``hotel``, ``餐馆``),
each a :class:`Schema`: its slots, how each slot's values compare, its database and its booking
details. The query engine, the booker and validation read everything they know from here.
See :mod:`tod.domain.loader` for the YAML format and its checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import cached_property
from pathlib import Path
from typing import Literal

from tod._schema import FrozenMap

#: What a slot's values are. ``categorical`` has a value set; ``name`` is the entity's name;
#: ``list`` holds several values (a constraint asks that the list contains a value); ``relation``
#: is a list of names of entities in another sub-domain.
SlotKind = Literal["categorical", "text", "name", "number", "time", "list", "relation"]
SLOT_KINDS: tuple[str, ...] = ("categorical", "text", "name", "number", "time", "list", "relation")

#: How a constraint value compares with the database value: ``eq`` equality after normalisation,
#: ``ge``/``le``/``gt``/``lt`` the database value against the given one (train leaveAt is ``ge``),
#: ``between`` within a range, ``contains`` a list containing the value, ``substring`` text inclusion.
Op = Literal["eq", "ne", "ge", "le", "gt", "lt", "between", "contains", "substring"]
OPS: tuple[str, ...] = ("eq", "ne", "ge", "le", "gt", "lt", "between", "contains", "substring")

#: Where a database file path is relative to: the domain directory (our own data) or the corpus
#: folder the user passes as ``data_dir`` (third-party corpora, never copied into the repository).
DatabaseRoot = Literal["domain", "data_dir"]

#: How a database file is laid out: ``records`` a list of objects, ``pairs`` a list of
#: ``[name, {fields}]`` (CrossWOZ), ``generated`` entities built from lists of choices (MultiWOZ taxi).
DatabaseFormat = Literal["records", "pairs", "generated"]
DATABASE_FORMATS: tuple[str, ...] = ("records", "pairs", "generated")


@dataclass(frozen=True)
class ValueForm:
    """A written form of a constraint value, e.g. ``100-150元`` meaning "between 100 and 150".

    ``pattern`` is matched against the whole value; the named groups ``value``, ``low`` and ``high``
    give the numbers unless ``value`` here fixes one (``免费`` means 0).
    """

    pattern: re.Pattern[str]
    op: Op
    value: float | None = None


@dataclass(frozen=True)
class ValueRange:
    """The values a booking detail may take: ``low`` to ``high`` inclusive (``None``: unbounded)."""

    low: float | None = None
    high: float | None = None

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value != value:  # NaN
            return False
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)


@dataclass(frozen=True)
class ItemSlots:
    """Slots that stand for one item of a list slot: ``酒店设施-中式餐厅`` = ``是``.

    A constraint slot ``<list slot><separator><item>`` with a value in ``yes`` asks that the list
    contains the item; a value in ``no`` asks that it does not.
    """

    separator: str
    yes: tuple[str, ...]
    no: tuple[str, ...] = ()


@dataclass(frozen=True)
class Slot:
    """One slot of a sub-domain: what the user can constrain (informable), ask (requestable) or book with."""

    name: str
    kind: SlotKind = "text"
    informable: bool = False
    requestable: bool = False
    bookable: bool = False
    #: The database field holding the slot's value; ``None`` for slots the database does not hold
    #: (booking details, taxi departure), which queries ignore.
    field: str | None = None
    op: Op = "eq"
    values: tuple[str, ...] = ()
    #: Normalised variant -> canonical value, merged with the domain-wide synonyms.
    synonyms: FrozenMap[str, str] = dc_field(default_factory=FrozenMap)
    forms: tuple[ValueForm, ...] = ()
    #: For ``relation`` slots: the sub-domain the listed names belong to.
    target: str | None = None
    items: ItemSlots | None = None
    description: str = ""
    #: What people call the slot when they ask for it or refer to it ("phone number", "part of town"),
    #: normalised; the slot's own name counts too (:attr:`called`).
    words: tuple[str, ...] = ()
    #: Words written right before a value of the slot ("from" cambridge, "to" ely), normalised: they tell
    #: two values the NLU gave one slot apart (:mod:`tod.pipeline.twin_values`).
    marked_by: tuple[str, ...] = ()

    @property
    def called(self) -> tuple[str, ...]:
        """Every word or phrase that names the slot: its own name (lower case), then :attr:`words`."""
        return tuple(dict.fromkeys((self.name.lower(), *self.words)))
    #: For ``number`` and ``time`` slots: the lowest and highest value a booking may take (minutes after
    #: midnight for times), either end ``None`` for no bound; ``None`` for the defaults (a number: a
    #: positive whole number; a time: any clock time). A value outside is refused and asked for again.
    range: ValueRange | None = None
    #: For ``time`` slots: the plausible hours (minutes after midnight, low and high) that a time written
    #: without am/pm is read into ("at 8" for a dinner is 20:00); ``None``: such a time is read as written.
    likely: tuple[int, int] | None = None
    #: For ``number`` booking details: the words written after the number ("nights"), by which the
    #: pipeline finds a detail the NLU missed ("a couple of nights").
    units: tuple[str, ...] = ()
    #: For a ``number`` booking detail: it counts people, so the language's party phrases ("just me",
    #: "me and my wife") fill it.
    party: bool = False

    def item_slot(self, item: str) -> str:
        """The item slot that stands for ``item`` of this list slot (``酒店设施`` + ``中式餐厅`` ->
        ``酒店设施-中式餐厅``); :meth:`Schema.resolve` reads it back. A ``ValueError`` for a slot
        without items or an empty item."""
        if self.items is None:
            raise ValueError(f"slot {self.name!r} has no item slots (it declares no items)")
        if not item:
            raise ValueError(f"an item slot of {self.name!r} needs an item, found {item!r}")
        return f"{self.name}{self.items.separator}{item}"


@dataclass(frozen=True)
class SlotRef:
    """What a slot name means in a sub-domain (:meth:`Schema.resolve`).

    ``slot`` is the declared slot the name stands for: the slot itself, or for an item slot
    (``酒店设施-中式餐厅``) its list slot (``酒店设施``). ``item`` is ``None`` for a declared slot and
    the item (``中式餐厅``, never empty) for an item slot.
    """

    slot: Slot
    item: str | None = None

    @property
    def base(self) -> str:
        """The name of the declared slot (the list slot of an item slot)."""
        return self.slot.name


@dataclass(frozen=True)
class DatabaseSpec:
    """Where a sub-domain's database is and how it is laid out."""

    file: str
    root: DatabaseRoot = "domain"
    format: DatabaseFormat = "records"
    #: The field holding the entity's name (``name``, ``trainID``, ``名称``, ``department``).
    name_field: str = "name"
    #: For ``generated`` databases: field -> key in the file of the list of choices. A choice list
    #: of regular expressions (``^[0-9]{10}$``) generates matching strings.
    generate: FrozenMap[str, str] = dc_field(default_factory=FrozenMap)


@dataclass(frozen=True)
class BookingSpec:
    """The details a booking needs: every ``required`` slot, and one slot of each ``one_of`` group."""

    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    one_of: tuple[tuple[str, ...], ...] = ()

    @property
    def slots(self) -> tuple[str, ...]:
        """Every slot a booking may carry."""
        grouped = tuple(s for group in self.one_of for s in group)
        return tuple(dict.fromkeys((*self.required, *self.optional, *grouped)))


@dataclass(frozen=True)
class Schema:
    """One sub-domain: its slots (in declaration order), database and booking details."""

    name: str
    slots: FrozenMap[str, Slot]
    database: DatabaseSpec | None = None
    booking: BookingSpec | None = None
    description: str = ""
    #: What people call the sub-domain ("somewhere to stay"), normalised; its own name counts too
    #: (:attr:`called`).
    words: tuple[str, ...] = ()
    #: Words written right before a value of the slot ("from" cambridge, "to" ely), normalised: they tell
    #: two values the NLU gave one slot apart (:mod:`tod.pipeline.twin_values`).
    marked_by: tuple[str, ...] = ()

    @property
    def called(self) -> tuple[str, ...]:
        """Every word or phrase that names the sub-domain: its own name (lower case), then :attr:`words`."""
        return tuple(dict.fromkeys((self.name.lower(), *self.words)))

    @property
    def informable(self) -> tuple[str, ...]:
        return tuple(n for n, s in self.slots.items() if s.informable)

    @property
    def requestable(self) -> tuple[str, ...]:
        return tuple(n for n, s in self.slots.items() if s.requestable)

    @property
    def bookable(self) -> tuple[str, ...]:
        return tuple(n for n, s in self.slots.items() if s.bookable)

    @cached_property  # read for every act the tracker and the conversation memory look at
    def name_slots(self) -> tuple[str, ...]:
        """The slots of kind ``name`` (what an entity is called), in declaration order."""
        return tuple(n for n, s in self.slots.items() if s.kind == "name")

    @property
    def name_slot(self) -> str:
        """The slot holding the entity's name (the first of :attr:`name_slots`), or ``""`` when it has none."""
        return next(iter(self.name_slots), "")

    def slot(self, name: str) -> Slot | None:
        """The slot called ``name``, or ``None``."""
        return self.slots.get(name)

    def resolve(self, name: str) -> SlotRef | None:
        """What the slot name ``name`` stands for: a declared slot, or an item of a list slot
        (``<list slot><separator><item>``, the item not empty, the first list slot in declaration
        order whose prefix fits); ``None`` when it is neither (an unknown slot, ``""``, a list
        slot's prefix without an item). A declared slot wins over an item reading of its name."""
        declared = self.slots.get(name)
        if declared is not None:
            return SlotRef(declared)
        for slot in self.slots.values():
            if slot.items is None:
                continue
            prefix = slot.name + slot.items.separator
            if len(name) > len(prefix) and name.startswith(prefix):
                return SlotRef(slot, name[len(prefix) :])
        return None


@dataclass(frozen=True)
class Domain:
    """A whole domain definition: language, description and its sub-domains by name."""

    name: str
    language: str
    description: str
    schemas: FrozenMap[str, Schema]
    directory: Path
    #: The corpus folder third-party databases are read from; ``None`` when none was given.
    data_dir: Path | None = None
    source: Path | None = None

    @property
    def subdomains(self) -> tuple[str, ...]:
        return tuple(self.schemas)

    def schema(self, name: str) -> Schema:
        """The sub-domain ``name``; a KeyError listing the known ones otherwise."""
        try:
            return self.schemas[name]
        except KeyError:
            raise KeyError(
                f"unknown sub-domain {name!r} of {self.name}: expected one of {list(self.schemas)}"
            ) from None

    def database_path(self, subdomain: str) -> Path | None:
        """The resolved database file of ``subdomain`` (``None`` when it has no database)."""
        spec = self.schema(subdomain).database
        if spec is None:
            return None
        base = self.directory if spec.root == "domain" else self.data_dir
        return (base or Path(".")) / spec.file
