"""The game's rules: judging, names, scoring and standings, discretion, echo dates, moderation."""
