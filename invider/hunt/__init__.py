"""The game's rules: judging answers, names, scoring and standings, moderation, resume links."""
