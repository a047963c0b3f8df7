"""Batch: all documents of many cases in one run, with report, Kasse list, manifest, resume.

The library behind ``kim-docs batch``; it prints nothing and reports progress through a
callback. One run (``run.run_batch``):

1. reads the input (folder of case files, workbook, CSV folder) into one ``Eingabe`` per
   case (``input``); a workbook that cannot be read raises ``InputError``;
2. checks and calculates every case in this process (``check``); the totals and the
   budget check need all cases before a single Bescheid is made;
3. plans each good case (``plan``): which files, whether the existing ones are unchanged
   (then the case is skipped), which existing files may be replaced;
4. renders and converts the rest in worker processes (``pool``, ``worker``), in chunks,
   each chunk through ``kim_docs.pipeline.render_cases`` with one LibreOffice process of
   its own, restarted after every chunk and killed on a hang; a chunk that fails is redone
   case by case, so one bad document fails only its own case;
5. records each finished chunk in ``manifest.json`` at once (a killed run keeps it), then
   writes the report files (``reports``); ``verify`` checks a folder against its manifest.

Files appear in the output folder only complete: workers build everything in their own
hidden folder ``.kim-batch-<pid>`` (LibreOffice profiles included) and rename finished
files into place. Hidden leftovers of a killed run are removed at the next start, under
a lock that keeps two runs out of the same folder (``lock``).
"""
from __future__ import annotations

from .check import parse_budget
from .input import Eingabe, read_input
from .lock import LOCK_NAME, clean_stale
from .options import BatchOptions
from .reports import AUSZAHLUNGSLISTE, BERICHT_CSV, BERICHT_JSON, REPORT_FILES, ZIP_NAME, ZUSAMMENFASSUNG, bericht_data
from .results import STATUS, Fallbericht, Fortschritt, Lauf, Status
from .run import RETIRED, run_batch
from .verify import Pruefung, verify

__all__ = ["AUSZAHLUNGSLISTE", "BERICHT_CSV", "BERICHT_JSON", "BatchOptions", "Eingabe", "Fallbericht", "Fortschritt",
           "LOCK_NAME", "Lauf", "Pruefung", "REPORT_FILES", "RETIRED", "STATUS", "Status", "ZIP_NAME",
           "ZUSAMMENFASSUNG", "bericht_data", "clean_stale", "parse_budget", "read_input", "run_batch", "verify"]
