"""Small text helpers shared by the edges."""
from __future__ import annotations

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


def fold_umlauts(text: str) -> str:
    """'Städteregion Süd' → 'Staedteregion Sued': for file names, and so that either
    spelling of a column header matches."""
    return text.translate(_UMLAUTS)
