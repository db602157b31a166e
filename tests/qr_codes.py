"""Read back the QR codes that pages draw as SVG paths."""

from __future__ import annotations

import re

import zxingcpp
from PIL import Image, ImageDraw


def decode_svg_qr(svg: str) -> str:
    """Draw the QR code's path (``M x y h w v1 h-w z`` runs) and read it back."""
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    scale = 8
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y, w in re.findall(r"M(\d+) (\d+)h(\d+)", svg):
        x, y, w = int(x), int(y), int(w)
        draw.rectangle([x * scale, y * scale, (x + w) * scale - 1, (y + 1) * scale - 1], fill=0)
    return zxingcpp.read_barcodes(image)[0].text
