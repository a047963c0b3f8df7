"""The options of a batch run, and the converter each worker process makes from them."""
from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..pdf import Converter


@dataclass(frozen=True)
class BatchOptions:
    arten: tuple[str, ...] = ("bescheid",)    # or ("alle",): what each case has data for
    formats: tuple[str, ...] = ("docx", "pdf")
    jobs: int = 0                              # 0: os.cpu_count()
    budget: Decimal | None = None
    overwrite: bool = False
    draft: bool = False
    make_zip: bool = False
    templates_dir: Path | None = None
    rules_dirs: tuple[Path, ...] = ()
    chunk: int = 0                             # cases per worker task; 0: automatic
    timeout: float = 120.0                     # seconds per LibreOffice process
    # Called once in each worker process (a converter may hold a process of its own, and
    # workers must not share one); None: LibreOffice, see `make_converter`.
    converter_factory: Callable[[], Converter] | None = None

    @property
    def signature(self) -> str:
        """The options that change a document's bytes; recorded in the manifest."""
        return f"formate={','.join(sorted(self.formats))};entwurf={'ja' if self.draft else 'nein'}"

    def worker_count(self, tasks: int) -> int:
        return max(1, min(self.jobs or os.cpu_count() or 1, tasks))

    def make_converter(self) -> Converter:
        if self.converter_factory is not None:
            return self.converter_factory()
        from ..pdf import LibreOfficeConverter

        # No limit of documents per process: a worker converts a chunk (after a failure: one
        # case) per call, so LibreOffice, about 1.5 s to start, starts once per chunk.
        return LibreOfficeConverter(timeout=self.timeout, max_docs_per_process=sys.maxsize)
