"""Digital signature (PAdES) of a signed plan's PDF, when the organisation's key and certificate are configured.

Settings: PLAN_SIGNING_KEY + PLAN_SIGNING_CERT (PEM files) or PLAN_SIGNING_PKCS12 (a .p12 file), with
PLAN_SIGNING_PASSPHRASE when the key is protected. Without them the PDF stays unsigned and pages say so.
"""

import io

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from lai_chau.installation import installation


def signing_configured() -> bool:
    return bool(getattr(settings, "PLAN_SIGNING_PKCS12", "") or getattr(settings, "PLAN_SIGNING_KEY", ""))


def _signer() -> signers.SimpleSigner:
    passphrase = (getattr(settings, "PLAN_SIGNING_PASSPHRASE", "") or "").encode() or None
    if getattr(settings, "PLAN_SIGNING_PKCS12", ""):
        signer = signers.SimpleSigner.load_pkcs12(settings.PLAN_SIGNING_PKCS12, passphrase=passphrase)
    else:
        signer = signers.SimpleSigner.load(
            settings.PLAN_SIGNING_KEY, settings.PLAN_SIGNING_CERT, key_passphrase=passphrase
        )
    if signer is None:
        raise ImproperlyConfigured("The plan signing key or certificate cannot be read.")
    return signer


def sign_pdf(pdf: bytes, *, signer_name: str, reason: str) -> bytes:
    """Return `pdf` with an invisible PAdES signature appended as an incremental update."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name="ChuKyKeHoach",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        name=signer_name,
        reason=reason,
        location=installation().place or None,  # where it was signed: the installation's issuer, not a fixed place
    )
    return signers.sign_pdf(writer, metadata, signer=_signer()).getvalue()
