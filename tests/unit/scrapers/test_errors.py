"""Fetching and extraction fail with named errors of two families: retry later, or keep the last good
snapshot and tell ops. Neither is ever a change."""

from __future__ import annotations

from scrapers import errors


def test_the_two_families():
    for fetch in (errors.HostNotAllowed, errors.ResponseTooLarge, errors.DeadlineExceeded):
        assert issubclass(fetch, errors.FetchError) and not issubclass(fetch, errors.ExtractionError)
    for extraction in (errors.LayoutNotRecognised, errors.DestinationNotRecognised, errors.FieldMissing):
        assert issubclass(extraction, errors.ExtractionError) and not issubclass(
            extraction, errors.FetchError
        )
    assert issubclass(errors.FetchError, errors.AdvisoryWatchError)
    assert issubclass(errors.ExtractionError, errors.AdvisoryWatchError)
