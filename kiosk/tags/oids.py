"""ISO 28560-1 data elements as ISO 28560-2 relative OIDs (root 1.0.15961.8).

The numbering is ISO 28560-1:2014 table 1; the names are the ones staff see in
``kiosk tag decode``.
"""

from __future__ import annotations

PRIMARY_ITEM_ID = 1
CONTENT_PARAMETER = 2
OWNER_ISIL = 3
SET_INFORMATION = 4
TYPE_OF_USAGE = 5
SHELF_LOCATION = 6
ILL_BORROWING_ISIL = 11
TITLE = 17
MEDIA_FORMAT_OTHER = 19
SUPPLY_CHAIN_STAGE = 20

OID_NAMES: dict[int, str] = {
    1: "primary item identifier",
    2: "content parameter",
    3: "owner institution (ISIL)",
    4: "set information",
    5: "type of usage",
    6: "shelf location",
    7: "ONIX media format",
    8: "MARC media format",
    9: "supplier identifier",
    10: "order number",
    11: "ILL borrowing institution (ISIL)",
    12: "ILL borrowing transaction number",
    13: "GS1 product identifier",
    14: "alternative unique item identifier",
    15: "local data A",
    16: "local data B",
    17: "title",
    18: "product identifier local",
    19: "media format (other)",
    20: "supply chain stage",
    21: "supplier invoice number",
    22: "alternative item identifier",
    23: "alternative owner institution",
    24: "subsidiary of an owner institution",
    25: "alternative ILL borrowing institution",
    26: "local data C",
}

# Elements that ISO 28560-2 encodes with its own ISIL compaction (application-defined
# compaction code 000), see :mod:`kiosk.tags.isil`.
ISIL_OIDS = frozenset({OWNER_ISIL, ILL_BORROWING_ISIL})

# Elements that carry a one-byte code with application-defined compaction.
CODE_OIDS = frozenset({TYPE_OF_USAGE, MEDIA_FORMAT_OTHER, SUPPLY_CHAIN_STAGE})

# The first-class fields of ItemTag; every other OID lives in ItemTag.elements.
FIELD_OIDS = frozenset({PRIMARY_ITEM_ID, CONTENT_PARAMETER, OWNER_ISIL, SET_INFORMATION, TYPE_OF_USAGE})


def oid_name(oid: int) -> str:
    return OID_NAMES.get(oid, f"relative OID {oid}")


def oid_by_name(text: str) -> int:
    """Accept ``6``, ``shelf-location`` or ``shelf location``."""
    key = text.strip().lower().replace("-", " ").replace("_", " ")
    if key.isascii() and key.isdigit():
        oid = int(key)
        if 1 <= oid <= 127:
            return oid
    for oid, name in OID_NAMES.items():
        if key == name or key == name.split(" (")[0]:
            return oid
    raise ValueError(f"unknown data element {text!r} (use a relative OID 1-127 or a name such as 'shelf location')")
