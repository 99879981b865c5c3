"""Keep a fresh GitHub Actions OIDC token in a file for as long as a long `pulumi up` runs.

GitHub's ID tokens live for minutes, and the Azure CLI session that `azure/login` opens cannot renew itself
once the token it was opened with has expired, so anything that authenticates through the CLI fails about an
hour into a run. Pulumi's state backend (azblob) and secrets provider (azurekeyvault) authenticate with the
Azure SDK's default credential chain, whose workload-identity credential reads a federated token from the file
named by AZURE_FEDERATED_TOKEN_FILE and reads it again when it needs a new Entra token. This program keeps that
file current: it asks the job's token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL, authorised by
ACTIONS_ID_TOKEN_REQUEST_TOKEN, both set by GitHub when the job has `id-token: write`) for a token with the
audience Entra expects, and replaces the file atomically, readable by the owner only. It never prints a token.

    python -m scripts.oidc_token_file --file "$RUNNER_TEMP/oidc/token" --once   # one token, then exit
    python -m scripts.oidc_token_file --file "$RUNNER_TEMP/oidc/token" &        # keep it fresh

Standard library only, so it runs with any Python 3.11 on the runner. See docs/ci-hardening.md.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import os
import signal
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

AUDIENCE = "api://AzureADTokenExchange"
"""The audience of the federated credentials the bootstrap creates (and azure/login's default)."""

URL_VARIABLE = "ACTIONS_ID_TOKEN_REQUEST_URL"
BEARER_VARIABLE = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"


class TokenRequestError(Exception):
    """The token endpoint gave no usable token. The message never contains a token."""


def request_url(base: str, audience: str) -> str:
    """The endpoint's URL (which already carries a query) with `audience` set, replacing any audience in it."""
    parts = urllib.parse.urlsplit(base)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if k != "audience"]
    query.append(("audience", audience))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def fetch_token(
    url: str,
    bearer: str,
    audience: str = AUDIENCE,
    timeout: float = 30.0,
    opener: Callable[..., Any] = urllib.request.urlopen,
) -> str:
    """One ID token from the job's token endpoint."""
    request = urllib.request.Request(
        request_url(url, audience),
        headers={"Authorization": f"Bearer {bearer}", "Accept": "application/json"},
    )
    try:
        with opener(request, timeout=timeout) as response:
            body = json.load(response)
    except urllib.error.HTTPError as error:
        raise TokenRequestError(f"the token endpoint answered HTTP {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        raise TokenRequestError(f"the token endpoint could not be reached: {error}") from None
    except ValueError:
        raise TokenRequestError("the token endpoint answered with something other than JSON") from None
    value = body.get("value") if isinstance(body, dict) else None
    if not isinstance(value, str) or value.count(".") != 2:
        raise TokenRequestError("the token endpoint's answer holds no token in `value`")
    return value


def expires_at(token: str) -> float | None:
    """The token's `exp` claim (seconds since the epoch), read without checking the signature; None if absent."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return None
    expiry = claims.get("exp") if isinstance(claims, dict) else None
    return float(expiry) if isinstance(expiry, int | float) and not isinstance(expiry, bool) else None


def write_token(path: Path, token: str) -> None:
    """Replace `path` with `token` in one step (a reader sees the old token or the new one), mode 0600."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # created 0600
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(token)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass
class Refresher:
    """Writes a new token every `interval` seconds, sooner when a token has less than twice that left.

    Time comes from `clock` and passes through `wait`, so tests run it on a fake clock. A failed request
    leaves the previous token in place and is retried after `retry` seconds.
    """

    fetch: Callable[[], str]
    write: Callable[[str], None]
    clock: Callable[[], float] = time.time
    wait: Callable[[float], None] = time.sleep
    log: Callable[[str], None] = lambda message: print(message, file=sys.stderr, flush=True)
    interval: float = 60.0
    retry: float = 10.0
    written: int = field(default=0, init=False)
    failed: int = field(default=0, init=False)

    def refresh(self) -> float | None:
        """Fetch and write one token; its expiry, if it has one."""
        try:
            token = self.fetch()
            self.write(token)
        except (TokenRequestError, OSError):
            self.failed += 1
            raise
        self.written += 1
        return expires_at(token)

    def delay_after(self, expiry: float | None) -> float:
        """Seconds until the next refresh: the interval, or half of what the token has left if that is less."""
        if expiry is None:
            return self.interval
        return max(1.0, min(self.interval, (expiry - self.clock()) / 2))

    def run(self, duration: float) -> None:
        """Refresh until `duration` seconds have passed."""
        end = self.clock() + duration
        failures = 0
        while self.clock() < end:
            try:
                expiry = self.refresh()
            except (TokenRequestError, OSError) as error:
                failures += 1
                self.log(f"oidc_token_file: refresh failed ({failures} in a row), keeping the last token: {error}")
                delay = min(self.retry, self.interval)
            else:
                if self.written == 1:
                    self.log("oidc_token_file: first token written; later refreshes are logged only when they fail")
                if failures:
                    self.log(f"oidc_token_file: refreshed again after {failures} failure(s)")
                failures = 0
                delay = self.delay_after(expiry)
            self.wait(max(0.0, min(delay, end - self.clock())))


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.oidc_token_file", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--file", required=True, type=Path, help="the token file (AZURE_FEDERATED_TOKEN_FILE)")
    parser.add_argument("--audience", default=AUDIENCE, help=f"the token's audience (default {AUDIENCE})")
    parser.add_argument("--once", action="store_true", help="write one token and exit (non-zero on failure)")
    parser.add_argument("--interval", type=float, default=60.0, help="seconds between refreshes (default 60)")
    parser.add_argument("--retry", type=float, default=10.0, help="seconds before retrying a failure (default 10)")
    parser.add_argument(
        "--duration", type=float, default=6 * 3600.0, help="seconds to keep refreshing (default 6 h, a job's limit)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    arguments = parse_arguments(argv)
    url, bearer = environ.get(URL_VARIABLE, ""), environ.get(BEARER_VARIABLE, "")
    if not url or not bearer:
        print(
            f"oidc_token_file: {URL_VARIABLE} and {BEARER_VARIABLE} are not set: "
            "run it in a GitHub Actions job with `permissions: id-token: write`",
            file=sys.stderr,
        )
        return 2
    refresher = Refresher(
        fetch=lambda: fetch_token(url, bearer, arguments.audience),
        write=lambda token: write_token(arguments.file, token),
        interval=arguments.interval,
        retry=arguments.retry,
    )
    if arguments.once:
        try:
            refresher.refresh()
        except (TokenRequestError, OSError) as error:
            print(f"oidc_token_file: no token written: {error}", file=sys.stderr)
            return 1
        print(f"oidc_token_file: wrote a token to {arguments.file}", file=sys.stderr)
        return 0
    # The workflow's last step stops it with SIGTERM: leave through `finally`, with a summary for the job's log.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    print(
        f"oidc_token_file: refreshing {arguments.file} every {arguments.interval:g} s "
        f"for at most {arguments.duration:g} s",
        file=sys.stderr,
        flush=True,
    )
    try:
        refresher.run(arguments.duration)
    finally:
        print(
            f"oidc_token_file: stopped after writing {refresher.written} token(s); {refresher.failed} request(s) failed",
            file=sys.stderr,
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
