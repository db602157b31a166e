"""Decks: TOML and spreadsheet reading and validation, loading, edits, and writing them back."""
