"""RFID tag data for library items and patron cards (ISO 28560).

Public API (contract in docs/ARCHITECTURE.md, "Tags")::

    decode_tag(data, dsfid=None) -> ItemTag | Unreadable     never raises
    encode_tag(tag) -> bytes                                  raises TagEncodeError

Models: ISO 28560-3 fixed length ("danish", :mod:`kiosk.tags.danish`) and ISO
28560-2 / ISO/IEC 15962 ("28560-2", :mod:`kiosk.tags.iso28560_2`). Security values
(AFI, EAS) live in :mod:`kiosk.tags.security`; multi-part items are grouped by
:func:`group_sets` (:mod:`kiosk.tags.sets`).
"""

from kiosk.tags.detect import DSFID_DANISH, decode_tag, dsfid_for, encode_tag
from kiosk.tags.iso28560_2 import DSFID as DSFID_28560_2
from kiosk.tags.model import MODELS, SHORT_READ_MARK, ItemTag, TagEncodeError, Unreadable, Usage
from kiosk.tags.security import AFI_ON_LOAN, AFI_SECURED, SecurityMode, SecurityPolicy
from kiosk.tags.sets import PartSet, group_sets

__all__ = [
    "AFI_ON_LOAN", "AFI_SECURED", "DSFID_28560_2", "DSFID_DANISH", "MODELS", "ItemTag", "PartSet",
    "SHORT_READ_MARK", "SecurityMode", "SecurityPolicy", "TagEncodeError", "Unreadable", "Usage",
    "decode_tag", "dsfid_for", "encode_tag", "group_sets",
]
