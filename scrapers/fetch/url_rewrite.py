"""ADVISORY_WATCH_URL_REWRITE: point every outgoing URL somewhere else (a loopback fixture server).

The rewrite is applied at the very edge (the fetcher), so records, snapshots and alerts keep the
upstream URLs while the bytes come from the replacement.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UrlRewriter:
    pairs: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, spec: str | None) -> UrlRewriter:
        pairs: list[tuple[str, str]] = []
        for chunk in (spec or "").split(","):
            chunk = chunk.strip()
            if not chunk:
                continue
            if "=" not in chunk:
                raise ValueError(f"ADVISORY_WATCH_URL_REWRITE entry {chunk!r} is not prefix=replacement")
            prefix, replacement = chunk.split("=", 1)
            pairs.append((prefix.strip(), replacement.strip()))
        # Longest prefix first, so a specific rule wins over a general one.
        pairs.sort(key=lambda p: len(p[0]), reverse=True)
        return cls(tuple(pairs))

    def rewrite(self, url: str) -> str:
        for prefix, replacement in self.pairs:
            if url.startswith(prefix):
                return replacement + url[len(prefix) :]
        return url

    def unrewrite(self, url: str) -> str:
        """Map a URL on a replacement back to the upstream it stands for (used to vet redirects)."""
        for prefix, replacement in sorted(self.pairs, key=lambda p: len(p[1]), reverse=True):
            if url.startswith(replacement):
                return prefix + url[len(replacement) :]
        return url
