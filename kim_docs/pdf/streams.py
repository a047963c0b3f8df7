"""Small builders shared by the appearance, font and flattening code."""
from __future__ import annotations

import zlib
from typing import Any

from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, IndirectObject, NameObject, StreamObject

from .. import _compat

__all__ = ["add_stream", "num"]


def add_stream(writer: PdfWriter, data: bytes, extra: dict[str, Any] | None = None,
               compress: bool = False) -> IndirectObject:
    """A stream object with ``data`` (Flate-compressed if asked) and ``extra`` entries,
    added to ``writer``."""
    stream: StreamObject
    if compress:
        # compressed here, at level 6, so that the bytes do not depend on pypdf's choice
        stream = StreamObject()
        stream.set_data(zlib.compress(data, 6))
        stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    else:
        stream = DecodedStreamObject()
        stream.set_data(data)
    for key, value in (extra or {}).items():
        stream[NameObject(key)] = value
    return _compat.add_object(writer, stream)


def num(v: float) -> str:
    """A number operand for content streams: at most three decimals, no "-0"."""
    text = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
