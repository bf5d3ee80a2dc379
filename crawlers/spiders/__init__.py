"""One thin spider per CMS family; sources (columns) are configured in policywatch.toml."""
