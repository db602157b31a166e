"""Printables: posters, stickers, start poster and placement sheet, as vector PDFs and PNGs."""
