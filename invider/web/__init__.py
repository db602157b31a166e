"""What every page shares: security headers, error pages, languages, links, the answer form."""
