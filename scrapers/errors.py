"""The error hierarchy of fetching and extraction.

Callers distinguish "the upstream is unhappy" (FetchError: retry later) from "the page no longer looks
like what we know" (ExtractionError: keep the last good snapshot, tell ops). Neither may ever turn
into a change.
"""


class AdvisoryWatchError(Exception):
    """Base of every error this project raises on purpose."""


class FetchError(AdvisoryWatchError):
    """The source could not be fetched (network, status, size cap, refused redirect)."""


class HostNotAllowed(FetchError):
    """A URL, or a redirect, points outside the source's allow-list."""


class ResponseTooLarge(FetchError):
    """The body exceeded the configured size cap."""


class ExtractionError(AdvisoryWatchError):
    """The content does not have the structure the extractor knows: a layout change or bad bytes."""


class DeadlineExceeded(FetchError):
    """The fetch did not complete within its overall deadline (a slow-drip or stalled server)."""


class LayoutNotRecognised(ExtractionError):
    """The document is not the kind of page the extractor reads (no title, no section it needs)."""


class DestinationNotRecognised(ExtractionError):
    """Neither the page nor the hints (its URL, its folder, --country) name a known destination."""


class FieldMissing(ExtractionError):
    """The page is the right kind but lacks a field every version of it has had (level, date)."""
