"""Sources: how to fetch each one and how to extract its records. See scrapers/registry.py."""
