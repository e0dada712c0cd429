"""The gettext catalog the domain's texts are written through, and the English one.

Message ids are the English text, so the identity catalog writes English; the views pass the
buyer's catalog (`bot.i18n.translations(language)`) for "what it says" in their language.
"""

from __future__ import annotations

import gettext
from typing import Final, Protocol

__all__ = ["ENGLISH", "Catalog"]


class Catalog(Protocol):
    """A gettext catalog: `gettext.NullTranslations` (English) or Babel's `Translations`."""

    def gettext(self, message: str, /) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int, /) -> str: ...


#: The identity catalog: message ids are the English text.
ENGLISH: Final[Catalog] = gettext.NullTranslations()
