"""advisory-watch application layer (settings, pipeline, CLI) over scrapers, diffing, models, alerts."""
