"""What every page shares: security headers and cookies, error pages, languages and links."""
