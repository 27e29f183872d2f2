"""What the registered sources declare about themselves, for the faces above the application (the
history browser must not import the sources layer: it never fetches upstream). Each government is
declared by its sources (``Source.government``), nowhere else."""

from __future__ import annotations

from scrapers.registry import GovernmentSources, government_of, governments, searchable

__all__ = ["GovernmentSources", "government_of", "governments", "searchable"]
