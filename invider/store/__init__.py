"""Storage: typed models, database settings and schema, worker caches, rate limits, backups."""
