"""The pixel-art space invader drawn for every invider key."""
