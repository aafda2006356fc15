"""Read a PDF the way a person would: its text (pdftotext), its pages as pictures (pdftoppm), the QR on them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

POPPLER = "pdftoppm and pdftotext (Debian poppler-utils: `make browser` installs it)"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: install {POPPLER}")
    return path


def pdf_text(pdf: bytes, folder: Path) -> str:
    """The text of every page, as pdftotext extracts it (UTF-8, exact diacritics)."""
    source = folder / "paper.pdf"
    source.write_bytes(pdf)
    result = subprocess.run([_tool("pdftotext"), "-enc", "UTF-8", str(source), "-"], check=True,
                            capture_output=True, timeout=60)
    return result.stdout.decode("utf-8")


def pdf_pages(pdf: bytes, folder: Path, dpi: int = 100) -> list[Path]:
    """Each page rendered to PNG by pdftoppm."""
    source = folder / "paper.pdf"
    source.write_bytes(pdf)
    subprocess.run([_tool("pdftoppm"), "-png", "-r", str(dpi), str(source), str(folder / "page")], check=True,
                   capture_output=True, timeout=60)
    return sorted(folder.glob("page*.png"))


def qr_links(pdf: bytes, folder: Path) -> list[str]:
    """What every QR code on the rendered pages says."""
    found: list[str] = []
    for page in pdf_pages(pdf, folder):
        with Image.open(page) as image:
            found += [code.text for code in zxingcpp.read_barcodes(image.convert("L"))
                      if code.format == zxingcpp.BarcodeFormat.QRCode]
    return found
