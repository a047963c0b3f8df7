#!/usr/bin/env python3
"""Benchmark: fill 500 forms and sign 500 PDFs; prints milliseconds per document.

Goals: fill ≤ 20 ms, sign ≤ 30 ms (RSA-2048, key loaded once). Throwaway key and
certificate are generated at start; nothing is kept.

    .venv/bin/python benchmarks/forms_sign.py [ANZAHL]
"""
from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from kim_docs.pdf import signing  # noqa: E402
from kim_docs.pdf.fill import fill  # noqa: E402

FORM = ROOT / "kim_docs" / "templates" / "auszahlungsanforderung-formular.pdf"
VALUES = {
    "Zuwendungsempfaenger": "Stadt Müllheim an der Ruhr",
    "Aktenzeichen": "KIM-2025/0815",
    "Bescheiddatum": "15.01.2025",
    "Zuwendung": "248.000,00 €",
    "Rate": "2",
    "Betrag": "124.000,00 €",
    "Faelligkeit": "01.07.2025",
    "BereitsErhalten": "124.000,00 €",
    "Bank.IBAN": "DE02 1203 0000 0000 2020 51",
    "Bank.BIC": "BYLADEM1001",
    "Bank.Kreditinstitut": "Sparkasse Köln-Bonn",
    "AngabenRichtig": True,
    "OrtDatum": "Müllheim, 20.06.2025",
}


def make_p12(path: Path, password: bytes) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Benchmark")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"bench", key, cert, None, serialization.BestAvailableEncryption(password)))


def timed(label: str, count: int, action) -> float:
    start = time.perf_counter()
    for i in range(count):
        action(i)
    ms = (time.perf_counter() - start) * 1000 / count
    print(f"{label}: {ms:.1f} ms je Dokument ({count} Dokumente)")
    return ms


def main(count: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        make_p12(work / "bench.p12", b"bench")
        fill(FORM, VALUES, work / "warm.pdf")  # font parsing happens once per process
        fill_ms = timed("ausfüllen", count, lambda i: fill(FORM, VALUES, work / f"f{i}.pdf"))
        signer = signing.load_signer(work / "bench.p12", b"bench")
        sign_ms = timed("signieren", count, lambda i: signing.sign(work / f"f{i}.pdf", signer, work / f"s{i}.pdf"))
    print(f"Ziele: ausfüllen ≤ 20 ms ({'erreicht' if fill_ms <= 20 else 'verfehlt'}), "
          f"signieren ≤ 30 ms ({'erreicht' if sign_ms <= 30 else 'verfehlt'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 500))
