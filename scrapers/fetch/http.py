"""One HTTP fetcher for every source.

Why it looks like this: upstream sites rate-limit and fail; we must be polite (Retry-After, backoff,
conditional GET so an unchanged page costs one 304), safe (only allow-listed hosts, redirects vetted,
a size cap) and testable (every URL passes through the rewrite, so tests hit a loopback server).
"""

from __future__ import annotations

import email.utils
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, stop_after_delay

from advisory_watch.settings import Settings, get_settings
from scrapers.errors import DeadlineExceeded, FetchError, HostNotAllowed, ResponseTooLarge
from scrapers.fetch.url_rewrite import UrlRewriter

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 5


@dataclass(frozen=True)
class FetchResult:
    url: str
    status: int
    content: bytes | None
    etag: str | None = None
    last_modified: str | None = None
    fetched_from: str = ""
    attempts: int = 1
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class _RetryableStatus(Exception):
    def __init__(self, status: int, retry_after: float | None, url: str) -> None:
        super().__init__(f"HTTP {status} from {url}")
        self.status = status
        self.retry_after = retry_after


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After is either seconds or an HTTP date; anything else is ignored."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else time.time()
    return max(0.0, when.timestamp() - current)


def host_allowed(url: str, allowed_hosts: frozenset[str]) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == h or host.endswith("." + h) for h in allowed_hosts)


@lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """The system's trust store, loaded once per process: loading it costs more CPU than a whole
    unchanged cycle otherwise does (docs/benchmarks.md)."""
    return ssl.create_default_context()


class Fetcher:
    """Fetches upstream URLs through the rewrite, with retries, conditional GET and guards."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings or get_settings()
        self.rewriter = UrlRewriter.parse(self.settings.url_rewrite)
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(
                self.settings.fetch_timeout, connect=min(10.0, self.settings.fetch_timeout)
            ),
            follow_redirects=False,
            headers={"User-Agent": self.settings.user_agent},
            verify=_tls_context(),
        )
        self._sleep = sleep

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _RetryableStatus) and exc.retry_after is not None:
            wanted = min(exc.retry_after, self.settings.fetch_backoff_max)
        else:
            wanted = min(0.5 * 2 ** (state.attempt_number - 1), self.settings.fetch_backoff_max)
        # Never sleep past the fetch's deadline: the attempt after it would be refused anyway.
        spent = state.seconds_since_start or 0.0
        return max(0.0, min(wanted, self.settings.fetch_deadline - spent))

    def session(self) -> Fetcher:
        """A fetcher with its own cookie jar, for sites that need a cookie between requests."""
        return Fetcher(self.settings, sleep=self._sleep)

    def post(self, url: str, *, allowed_hosts: frozenset[str], data: dict[str, str]) -> FetchResult:
        return self.get(url, allowed_hosts=allowed_hosts, method="POST", data=data)

    def get(
        self,
        url: str,
        *,
        allowed_hosts: frozenset[str],
        etag: str | None = None,
        last_modified: str | None = None,
        method: str = "GET",
        data: dict[str, str] | None = None,
    ) -> FetchResult:
        if not host_allowed(url, allowed_hosts):
            raise HostNotAllowed(f"{url} is not on the allow-list {sorted(allowed_hosts)}")
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        # One deadline for the whole fetch (every attempt, wait and read), not only per read: a server
        # that drips a byte every few seconds never trips a read timeout, and must not hold a cycle.
        deadline = time.monotonic() + self.settings.fetch_deadline
        retrying = Retrying(
            stop=stop_after_attempt(max(1, self.settings.fetch_attempts))
            | stop_after_delay(self.settings.fetch_deadline),
            wait=self._wait,
            retry=retry_if_exception_type((httpx.TransportError, _RetryableStatus)),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    result = self._get_once(url, headers, allowed_hosts, method, data, deadline)
                    return FetchResult(**{**result.__dict__, "attempts": attempt.retry_state.attempt_number})
        except _RetryableStatus as exc:
            raise FetchError(f"{url}: gave up after HTTP {exc.status}") from exc
        except httpx.TransportError as exc:
            if time.monotonic() >= deadline:
                raise DeadlineExceeded(
                    f"{url}: no complete response within the {self.settings.fetch_deadline:g} s deadline"
                ) from exc
            raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc
        raise FetchError(f"{url}: no attempt was made")  # pragma: no cover - tenacity always attempts

    def _get_once(
        self,
        url: str,
        headers: dict[str, str],
        allowed_hosts: frozenset[str],
        method: str,
        data: dict[str, str] | None,
        deadline: float,
    ) -> FetchResult:
        logical = url
        actual = self.rewriter.rewrite(logical)
        for _ in range(MAX_REDIRECTS + 1):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DeadlineExceeded(f"{url}: the {self.settings.fetch_deadline:g} s deadline passed")
            timeout = httpx.Timeout(
                min(self.settings.fetch_timeout, remaining),
                connect=min(10.0, self.settings.fetch_timeout, remaining),
            )
            with self._client.stream(method, actual, headers=headers, data=data, timeout=timeout) as response:
                if response.has_redirect_location:
                    location = response.headers.get("location", "")
                    actual = urljoin(actual, location)
                    logical = self.rewriter.unrewrite(actual)
                    if not host_allowed(logical, allowed_hosts):
                        raise HostNotAllowed(f"redirect from {url} to {logical} refused")
                    actual = self.rewriter.rewrite(logical)
                    method, data = "GET", None  # a redirect after a POST is followed with a GET
                    continue
                if response.status_code in RETRYABLE_STATUSES:
                    raise _RetryableStatus(
                        response.status_code, parse_retry_after(response.headers.get("retry-after")), actual
                    )
                if response.status_code == 304:
                    return self._result(url, response, actual, None)
                if response.status_code != 200:
                    raise FetchError(f"{url}: HTTP {response.status_code}")
                return self._result(url, response, actual, self._read_capped(response, url, deadline))
        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")

    def _read_capped(self, response: httpx.Response, url: str, deadline: float) -> bytes:
        cap = self.settings.fetch_max_bytes
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise ResponseTooLarge(f"{url}: {declared} bytes is over the cap of {cap}")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > cap:
                raise ResponseTooLarge(f"{url}: body is over the cap of {cap} bytes")
            if time.monotonic() > deadline:
                raise DeadlineExceeded(
                    f"{url}: {size} bytes read when the {self.settings.fetch_deadline:g} s deadline passed"
                )
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _result(url: str, response: httpx.Response, actual: str, content: bytes | None) -> FetchResult:
        return FetchResult(
            url=url,
            status=response.status_code,
            content=content,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            fetched_from=actual,
            headers={k.lower(): v for k, v in response.headers.items()},
        )


def utcnow() -> datetime:
    return datetime.now(UTC)
