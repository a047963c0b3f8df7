"""Electronic signatures (kim_docs.pdf.signing, `pdf sign`/`pdf verify`) with a throwaway CA.

The CA and signer keys are generated per test session; no private key is committed.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pypdf import PdfReader

from kim_docs.cli.pdf import pdf
from kim_docs.errors import InputError, KimDocsError
from kim_docs.pdf import signing
from kim_docs.templating import SHIPPED_TEMPLATES

FIXTURES = Path(__file__).parent / "fixtures" / "forms"
FORM = FIXTURES / "libreoffice-form.pdf"
PASSWORD = b"geheim-123"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _usage(**on) -> x509.KeyUsage:
    flags = dict.fromkeys(
        ["digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
         "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"], False)
    flags.update(on)
    return x509.KeyUsage(**flags)


def _cert(subject: str, issuer: str, public_key, issuer_key, *, ca: bool) -> x509.Certificate:
    now = dt.datetime.now(dt.timezone.utc)
    builder = (
        x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
        .public_key(public_key).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    usage = _usage(key_cert_sign=True, crl_sign=True) if ca else _usage(digital_signature=True, content_commitment=True)
    return builder.add_extension(usage, critical=True).sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> dict[str, Path]:
    """Test CA, a signer certificate issued by it (in a .p12), and an unrelated CA."""
    work = tmp_path_factory.mktemp("pki")
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = _cert("Test-CA KIM", "Test-CA KIM", ca_key.public_key(), ca_key, ca=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _cert("Erika Mustermann", "Test-CA KIM", key.public_key(), ca_key, ca=False)
    p12 = pkcs12.serialize_key_and_certificates(
        b"signer", key, cert, [ca], serialization.BestAvailableEncryption(PASSWORD))
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = _cert("Fremde CA", "Fremde CA", other_key.public_key(), other_key, ca=True)
    paths = {"p12": work / "signer.p12", "ca": work / "ca.pem", "other": work / "other.pem",
             "pw": work / "passwort.txt"}
    paths["p12"].write_bytes(p12)
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["other"].write_bytes(other.public_bytes(serialization.Encoding.PEM))
    paths["pw"].write_bytes(PASSWORD + b"\n")
    return paths


@pytest.fixture(scope="session")
def signer(pki):
    return signing.load_signer(pki["p12"], PASSWORD)


@pytest.fixture()
def form(tmp_path) -> Path:
    path = tmp_path / "antrag.pdf"
    shutil.copy(FORM, path)
    return path


def test_sign_and_verify(form, signer, pki):
    out = signing.sign(form, signer, reason="Auszahlungsanforderung", location="Köln")
    assert out == form.with_name("antrag-signiert.pdf")
    assert form.read_bytes() == FORM.read_bytes()  # input untouched
    assert out.read_bytes().startswith(FORM.read_bytes())  # incremental update
    [report] = signing.verify(out, [pki["ca"]])
    assert report.signer == "Erika Mustermann"
    assert report.intact and report.valid and report.trusted and report.ok
    assert report.covers_whole_file and not report.changed_after_signing
    assert report.modification_level == "keine"
    assert abs(report.signing_time - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(minutes=5)
    sig = PdfReader(out).trailer["/Root"]["/AcroForm"]["/Fields"][-1].get_object()["/V"]
    assert sig["/SubFilter"] == "/ETSI.CAdES.detached"
    assert sig["/Reason"] == "Auszahlungsanforderung" and sig["/Location"] == "Köln"


def test_untrusted_without_or_with_wrong_anchor(form, signer, pki):
    out = signing.sign(form, signer)
    for anchors in ([], [pki["other"]]):
        [report] = signing.verify(out, anchors)
        assert report.intact and report.valid
        assert not report.trusted and not report.ok
        assert report.problem == "Zertifikat führt zu keinem der angegebenen Vertrauensanker."


def test_second_signature_keeps_first_valid(form, signer, pki, tmp_path):
    first = signing.sign(form, signer)
    second = signing.sign(first, signer, tmp_path / "zweimal.pdf", visible=(1, 300, 60, 200, 50))
    one, two = signing.verify(second, [pki["ca"]])
    assert (one.field_name, two.field_name) == ("Signatur1", "Signatur2")
    assert one.intact and one.trusted and one.changes_permitted and one.ok
    assert one.changed_after_signing
    assert one.modification_level == "Formularfelder oder weitere Signaturen"
    assert two.ok and two.covers_whole_file


def test_flipped_byte_is_not_intact(form, signer, pki, tmp_path):
    out = signing.sign(form, signer)
    data = bytearray(out.read_bytes())
    # the prefilled value "Alice" (UTF-16 hex), inside the signed range: "Alice" → "Elice"
    pos = data.index(b"<FEFF0041006C006900630065>") + 8
    data[pos] = ord("5")
    bad = tmp_path / "manipuliert.pdf"
    bad.write_bytes(bytes(data))
    [report] = signing.verify(bad, [pki["ca"]])
    assert not report.intact and not report.ok
    assert "beschädigt" in report.problem


def test_no_signature_gives_empty_list(form, pki):
    assert signing.verify(form, [pki["ca"]]) == []


def test_unreadable_file_is_input_error(tmp_path):
    broken = tmp_path / "kaputt.pdf"
    broken.write_bytes(b"das ist kein PDF")
    with pytest.raises(InputError, match="kaputt.pdf: PDF-Datei kann nicht gelesen werden"):
        signing.verify(broken, [])


def test_wrong_password(pki):
    with pytest.raises(InputError, match="Passwort falsch oder keine PKCS#12-Datei"):
        signing.load_signer(pki["p12"], b"falsch")


def test_refuses_to_overwrite_input(form, signer):
    with pytest.raises(InputError, match="wird nicht überschrieben"):
        signing.sign(form, signer, form)


def test_signing_uses_empty_form_signature_field(tmp_path, signer, pki):
    template = SHIPPED_TEMPLATES / "auszahlungsanforderung-formular.pdf"
    out = signing.sign(template, signer, tmp_path / "a.pdf")
    [report] = signing.verify(out, [pki["ca"]])
    assert report.field_name == "Unterschrift" and report.ok


# --------------------------------------------------------------------------- pdfsig


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils (pdfsig) nicht installiert")
def test_pdfsig_confirms(form, signer, tmp_path):
    out = signing.sign(form, signer)
    result = subprocess.run(["pdfsig", str(out)], capture_output=True, text=True)
    assert "Signer Certificate Common Name: Erika Mustermann" in result.stdout
    assert "Signature Validation: Signature is Valid." in result.stdout
    assert "Signature Type: ETSI.CAdES.detached" in result.stdout
    data = bytearray(out.read_bytes())
    data[data.index(b"<FEFF0041006C006900630065>") + 8] = ord("5")
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(bytes(data))
    result = subprocess.run(["pdfsig", str(bad)], capture_output=True, text=True)
    assert "Signature Validation: Digest Mismatch." in result.stdout


# --------------------------------------------------------------------------- PDF/A metadata


@pytest.fixture(scope="module")
def pdfa(tmp_path_factory) -> Path:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) nicht installiert")
    work = tmp_path_factory.mktemp("pdfa")
    (work / "brief.html").write_text("<html><body><p>Auszahlungsanforderung für Köln</p></body></html>",
                                     encoding="utf-8")
    export = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'
    subprocess.run([soffice, f"-env:UserInstallation=file://{work}/profile", "--headless",
                    "--infilter=HTML (StarWriter)", "--convert-to", export, "brief.html"],
                   check=True, capture_output=True, timeout=180, cwd=work)
    return work / "brief.pdf"


def _xmp(path: Path) -> str:
    return PdfReader(path).trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")


def _xmp_value(xmp: str, tag: str) -> str:
    match = re.search(rf"<{tag}>([^<]*)</{tag}>", xmp) or re.search(rf'{tag}="([^"]*)"', xmp)
    assert match, f"{tag} fehlt im XMP"
    return match.group(1)


@pytest.mark.libreoffice
def test_pdfa_metadata_stays_consistent(pdfa, signer, pki, tmp_path):
    assert _xmp_value(_xmp(pdfa), "pdfaid:part") == "2"
    out = signing.sign(pdfa, signer, tmp_path / "brief-signiert.pdf")
    xmp = _xmp(out)
    info = PdfReader(out).metadata
    assert _xmp_value(xmp, "pdfaid:part") == "2" and _xmp_value(xmp, "pdfaid:conformance") == "B"
    assert _xmp_value(xmp, "pdf:Producer") == info["/Producer"]
    assert info["/Producer"].startswith("LibreOffice") and "pyHanko" in info["/Producer"]
    moddate = dt.datetime.fromisoformat(_xmp_value(xmp, "xmp:ModifyDate"))
    assert abs(moddate - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(minutes=5)
    # LibreOffice writes no Info /ModDate; when one exists it must equal xmp:ModifyDate
    assert info.modification_date is None or info.modification_date == moddate
    [report] = signing.verify(out, [pki["ca"]])
    assert report.ok


# --------------------------------------------------------------------------- PKCS#11 (SoftHSM)


SOFTHSM_LIBS = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
TOKEN, PIN, SO_PIN = "kim-test", "123456", "12345678"


@pytest.fixture(scope="module")
def softhsm(tmp_path_factory):
    """A throwaway SoftHSM token with an RSA key and its certificate (both labelled
    "karte"), issued by a CA of its own. Yields the module path and the CA file."""
    pkcs11 = pytest.importorskip("pkcs11")
    lib = next((p for p in SOFTHSM_LIBS if Path(p).exists()), None)
    if lib is None or shutil.which("softhsm2-util") is None:
        pytest.skip("SoftHSM nicht installiert (Debian-Paket softhsm2)")
    work = tmp_path_factory.mktemp("softhsm")
    (work / "tokens").mkdir()
    conf = work / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {work / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = _cert("Test-CA Karte", "Test-CA Karte", ca_key.public_key(), ca_key, ca=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _cert("Karla Karte", "Test-CA Karte", key.public_key(), ca_key, ca=False)
    (work / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (work / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    # the library reads SOFTHSM2_CONF when it is loaded: set for the whole module
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOFTHSM2_CONF", str(conf))
        util = dict(check=True, capture_output=True, timeout=60)
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", TOKEN,
                        "--so-pin", SO_PIN, "--pin", PIN], **util)
        subprocess.run(["softhsm2-util", "--import", str(work / "key.pem"), "--token", TOKEN,
                        "--label", "karte", "--id", "01", "--pin", PIN], **util)
        (work / "key.pem").unlink()
        # softhsm2-util imports keys only; the certificate goes in through PKCS#11
        a = pkcs11.Attribute
        with pkcs11.lib(lib).get_token(token_label=TOKEN).open(rw=True, user_pin=PIN) as session:
            session.create_object({
                a.CLASS: pkcs11.ObjectClass.CERTIFICATE, a.CERTIFICATE_TYPE: pkcs11.CertificateType.X_509,
                a.TOKEN: True, a.LABEL: "karte", a.ID: b"\x01", a.SUBJECT: cert.subject.public_bytes(),
                a.VALUE: cert.public_bytes(serialization.Encoding.DER),
            })
        yield {"lib": lib, "ca": work / "ca.pem"}


def test_pkcs11_token_signs_and_verifies(softhsm, form):
    signer = signing.load_pkcs11_signer(softhsm["lib"], token_label=TOKEN, user_pin=PIN, key_label="karte")
    out = signing.sign(form, signer, reason="Auszahlungsanforderung")
    [report] = signing.verify(out, [softhsm["ca"]])
    assert report.signer == "Karla Karte"
    assert report.intact and report.valid and report.trusted and report.ok


def test_pkcs11_unknown_token_is_reported_in_german(softhsm):
    with pytest.raises(KimDocsError, match="Signaturkarte kann nicht geöffnet werden"):
        signing.load_pkcs11_signer(softhsm["lib"], token_label="gibt-es-nicht", user_pin=PIN, key_label="karte")


# --------------------------------------------------------------------------- CLI


def test_cli_sign_and_verify(form, pki, tmp_path):
    runner = CliRunner()
    out_dir = tmp_path / "signiert"
    copy = tmp_path / "zweites.pdf"
    shutil.copy(FORM, copy)
    result = runner.invoke(pdf, ["sign", str(form), str(copy), "--cert", str(pki["p12"]),
                                 "--password-file", str(pki["pw"]), "-o", str(out_dir)])
    assert result.exit_code == 0, result.output
    signed = sorted(out_dir.glob("*-signiert.pdf"))
    assert [p.name for p in signed] == ["antrag-signiert.pdf", "zweites-signiert.pdf"]

    ok = runner.invoke(pdf, ["verify", *map(str, signed), "--trust", str(pki["ca"])])
    assert ok.exit_code == 0, ok.output
    assert ok.output.count("Ergebnis: in Ordnung") == 2

    untrusted = runner.invoke(pdf, ["verify", str(signed[0])])
    assert untrusted.exit_code == 1
    assert "vertrauenswürdig: nein" in untrusted.output

    unsigned = runner.invoke(pdf, ["verify", str(FORM), "--trust", str(pki["ca"])])
    assert unsigned.exit_code == 1 and "keine Signatur" in unsigned.output

    missing = runner.invoke(pdf, ["verify", str(signed[0]), str(tmp_path / "fehlt.pdf"), "--trust", str(pki["ca"])])
    assert missing.exit_code == 2
    assert "Fehler: " in missing.output and "Traceback" not in missing.output


def test_cli_password_from_env_and_prompt(form, pki, tmp_path):
    runner = CliRunner()
    env = runner.invoke(pdf, ["sign", str(form), "--cert", str(pki["p12"]), "-o", str(tmp_path / "a")],
                        env={"KIM_DOCS_CERT_PASSWORD": PASSWORD.decode()})
    assert env.exit_code == 0, env.output
    prompt = runner.invoke(pdf, ["sign", str(form), "--cert", str(pki["p12"]), "-o", str(tmp_path / "b")],
                           input=PASSWORD.decode() + "\n", env={"KIM_DOCS_CERT_PASSWORD": None})
    assert prompt.exit_code == 0, prompt.output
    assert PASSWORD.decode() not in prompt.output  # hidden input
    wrong = runner.invoke(pdf, ["sign", str(form), "--cert", str(pki["p12"]), "-o", str(tmp_path / "c")],
                          env={"KIM_DOCS_CERT_PASSWORD": "falsch"})
    assert wrong.exit_code == 2
    assert "Fehler: " in wrong.output and "Passwort falsch" in wrong.output
    assert not (tmp_path / "c").exists() or not list((tmp_path / "c").iterdir())


@pytest.mark.parametrize("option", ["--password", "--pass", "-p"])
def test_cli_never_accepts_password_option(form, pki, option):
    result = CliRunner().invoke(pdf, ["sign", str(form), "--cert", str(pki["p12"]), option, PASSWORD.decode()])
    assert result.exit_code == 2
    assert not form.with_name("antrag-signiert.pdf").exists()


def test_cli_visible_option_is_checked(form, pki):
    result = CliRunner().invoke(pdf, ["sign", str(form), "--cert", str(pki["p12"]), "--password-file",
                                      str(pki["pw"]), "--visible", "1,2,3"])
    assert result.exit_code == 2
    assert "SEITE,X,Y,BREITE,HÖHE" in result.output


# --------------------------------------------------------------------------- changes after signing (issue 12)


def _incremental_change(signed: Path, out: Path, change) -> Path:
    """An incremental update after the signature, made with pyHanko's writer."""
    from io import BytesIO

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(signed.read_bytes()))
    change(writer)
    buffer = BytesIO()
    writer.write(buffer)
    out.write_bytes(buffer.getvalue())
    return out


def _set_last_name(writer) -> None:
    from pyhanko.pdf_utils import generic

    for ref in writer.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field.get("/T") == "Last Name":
            field["/V"] = generic.TextStringObject("Mallory")
            writer.update_container(field)


def _replace_page_content(writer) -> None:
    from pyhanko.pdf_utils import generic

    page = writer.root["/Pages"]["/Kids"][0].get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 100 Td (Gefaelscht) Tj ET")
    page["/Contents"] = writer.add_object(stream)
    writer.update_container(page)


def test_field_changed_after_signing_is_named_and_not_ok(form, signer, pki, tmp_path):
    signed = signing.sign(form, signer)
    changed = _incremental_change(signed, tmp_path / "geaendert.pdf", _set_last_name)
    [report] = signing.verify(changed, [pki["ca"]])
    assert report.intact and report.valid and report.trusted
    assert report.changed_fields == ("Last Name",) and not report.ok
    result = CliRunner().invoke(pdf, ["verify", str(changed), "--trust", str(pki["ca"])])
    assert result.exit_code == 1
    assert "geänderte Felder: Last Name" in result.output and "Ergebnis: NICHT in Ordnung" in result.output


def test_field_changed_is_not_ok_with_fields_left_open(form, signer, pki, tmp_path):
    signed = signing.sign(form, signer, lock_fields=False)
    assert "/Lock" not in PdfReader(signed).trailer["/Root"]["/AcroForm"]["/Fields"][-1].get_object()
    changed = _incremental_change(signed, tmp_path / "geaendert.pdf", _set_last_name)
    [report] = signing.verify(changed, [pki["ca"]])
    assert report.changed_fields == ("Last Name",) and not report.ok


def test_signature_sets_field_lock(form, signer):
    signed = signing.sign(form, signer)
    field = PdfReader(signed).trailer["/Root"]["/AcroForm"]["/Fields"][-1].get_object()
    lock = field["/Lock"]
    assert lock["/Action"] == "/Include" and "Last Name" in list(lock["/Fields"])


def test_page_content_changed_after_signing_is_not_ok(form, signer, pki, tmp_path):
    signed = signing.sign(form, signer)
    changed = _incremental_change(signed, tmp_path / "seite.pdf", _replace_page_content)
    [report] = signing.verify(changed, [pki["ca"]])
    assert not report.ok and not report.changes_permitted
    result = CliRunner().invoke(pdf, ["verify", str(changed), "--trust", str(pki["ca"])])
    assert result.exit_code == 1


def test_sign_refuses_to_overwrite_signed_file(form, signer):
    signing.sign(form, signer)
    with pytest.raises(InputError, match="antrag-signiert.pdf: Datei existiert bereits; wird nicht überschrieben."):
        signing.sign(form, signer)


def test_visible_stamp_embeds_font_and_shows_berlin_time(form, signer, tmp_path):
    out = signing.sign(form, signer, tmp_path / "s.pdf", visible=(1, 300, 60, 220, 60))
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"Zeitpunkt: (\d\d)\.(\d\d)\.(\d{4}) (\d\d):(\d\d)", text)
    assert match, text
    day, month, year, hour, minute = map(int, match.groups())
    stamp = dt.datetime(year, month, day, hour, minute, tzinfo=signing.BERLIN)
    assert abs(stamp - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(minutes=5)
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    stamp_fonts = [line for line in fonts.splitlines() if "DejaVu" in line or "Liberation" in line]
    assert stamp_fonts and all(" yes " in line for line in stamp_fonts)
    assert "Courier" not in fonts


def test_pdf_pyhanko_cannot_read_is_rewritten_with_note(signer, pki, tmp_path):
    source = Path(__file__).parent / "fixtures" / "real-forms" / "ppf_pdfgear_xref_stream.pdf"
    notes: list[str] = []
    out = signing.sign(source, signer, tmp_path / "gear.pdf", on_note=notes.append)
    assert notes and "mit qpdf neu geschrieben" in notes[0]
    [report] = signing.verify(out, [pki["ca"]])
    assert report.ok
