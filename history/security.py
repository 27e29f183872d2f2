"""The history browser's defences: a strict content policy on every answer, a Host allow-list
against DNS rebinding, and the token guard for a server bound beyond localhost."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBasic, HTTPBasicCredentials, HTTPBearer
from starlette.middleware.trustedhost import TrustedHostMiddleware

# No inline scripts anywhere in this app: scripts are refused outright. Inline styles are the one
# allowance (the pages carry their small stylesheet inline).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def token_guard(token: str) -> Callable[..., None]:
    """Bearer token, or basic auth with the token as password: for a server bound beyond localhost."""
    bearer, basic = HTTPBearer(auto_error=False), HTTPBasic(auto_error=False)

    def guard(
        credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
        login: HTTPBasicCredentials | None = Depends(basic),
    ) -> None:
        given = (
            credentials.credentials if credentials and credentials.scheme.lower() == "bearer" else None
        ) or (login.password if login else None)
        # Compared as bytes: a non-ASCII token must be a 401, not a TypeError (500).
        if not given or not secrets.compare_digest(given.encode(), token.encode()):
            raise HTTPException(401, "authentication required", headers={"WWW-Authenticate": "Basic"})

    return guard


def install(app: FastAPI, allowed_hosts: Sequence[str] | None) -> None:
    """The Host allow-list (when given) and the security headers on every response."""
    if allowed_hosts is not None:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[..., Any]) -> Response:
        response = await call_next(request)
        # The interactive docs load their own scripts; every other response gets the strict policy.
        docs = request.url.path.rstrip("/").endswith(("/docs", "/redoc"))
        for name, value in SECURITY_HEADERS.items():
            if not (docs and name == "Content-Security-Policy"):
                response.headers.setdefault(name, value)
        return response
