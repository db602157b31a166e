"""Read back the QR codes that pages draw as SVG paths."""

from __future__ import annotations

import re

import zxingcpp
from PIL import Image, ImageDraw


def decode_svg_qr(svg: str) -> str:
    """Draw the QR code's path (``Mx0,y0Hx1Vy1Hx0z`` squares, qrcode's SVG) and read it back."""
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    scale = 8
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    for x0, y0, x1, y1 in re.findall(r"M(\d+),(\d+)H(\d+)V(\d+)", svg):
        x0, y0, x1, y1 = int(x0), int(y0), int(x1), int(y1)
        draw.rectangle([x0 * scale, y0 * scale, x1 * scale - 1, y1 * scale - 1], fill=0)
    return zxingcpp.read_barcodes(image)[0].text
