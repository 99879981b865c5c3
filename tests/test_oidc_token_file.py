"""scripts/oidc_token_file.py: the token file stays fresh, on a fake clock and against a fake token endpoint."""

from __future__ import annotations

import base64
import json
import os
import signal
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from scripts import oidc_token_file
from scripts.oidc_token_file import AUDIENCE, Refresher, TokenRequestError

ROOT = Path(__file__).resolve().parent.parent


def jwt(claims: dict[str, object]) -> str:
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


class FakeClock:
    """Time that passes only when the code under test waits."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def wait(self, seconds: float) -> None:
        assert seconds >= 0
        self.waits.append(seconds)
        self.now += seconds


class FakeEndpoint(BaseHTTPRequestHandler):
    """GitHub's token endpoint as the job sees it: GET with a bearer, answers {"value": <JWT>}."""

    bearer: ClassVar[str] = "request-token"
    status: ClassVar[int] = 200
    body: ClassVar[bytes] = b""
    seen: ClassVar[list[tuple[str, str | None]]] = []

    def do_GET(self) -> None:
        type(self).seen.append((self.path, self.headers.get("Authorization")))
        if self.headers.get("Authorization") != f"Bearer {self.bearer}":
            self.send_response(401)
            self.end_headers()
            return
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def endpoint(status: int = 200, body: bytes | None = None) -> Iterator[str]:
    """A fake endpoint on the loopback address; yields its URL, which carries a query like GitHub's."""
    FakeEndpoint.status = status
    FakeEndpoint.body = json.dumps({"value": jwt({"exp": 2_000_000_000})}).encode() if body is None else body
    FakeEndpoint.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeEndpoint)
    # A short poll: shutdown() waits for the loop to look again (0.5 s by default, in every test).
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/token?api-version=2.0"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_the_audience_is_added_to_the_query_the_endpoint_already_has() -> None:
    url = oidc_token_file.request_url("https://host.invalid/x?api-version=2.0&audience=other", AUDIENCE)
    query = parse_qs(urlsplit(url).query)
    assert query == {"api-version": ["2.0"], "audience": [AUDIENCE]}


def test_a_token_is_fetched_with_the_bearer_and_the_entra_audience() -> None:
    with endpoint() as url:
        token = oidc_token_file.fetch_token(url, "request-token", timeout=5)
    assert oidc_token_file.expires_at(token) == 2_000_000_000
    [(path, authorization)] = FakeEndpoint.seen
    assert authorization == "Bearer request-token"
    assert parse_qs(urlsplit(path).query) == {"api-version": ["2.0"], "audience": [AUDIENCE]}


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (500, b"{}", "HTTP 500"),
        (200, b"<html>", "other than JSON"),
        (200, b'{"value": ""}', "no token"),
        (200, b'{"count": 1}', "no token"),
    ],
)
def test_a_bad_answer_is_an_error_that_names_no_token(status: int, body: bytes, message: str) -> None:
    with endpoint(status, body) as url, pytest.raises(TokenRequestError, match=message):
        oidc_token_file.fetch_token(url, "request-token", timeout=5)


def test_a_wrong_bearer_is_refused() -> None:
    with endpoint() as url, pytest.raises(TokenRequestError, match="HTTP 401"):
        oidc_token_file.fetch_token(url, "not-the-request-token", timeout=5)


def test_expiry_is_read_from_the_claims_and_is_none_when_unreadable() -> None:
    assert oidc_token_file.expires_at(jwt({"exp": 1234})) == 1234
    assert oidc_token_file.expires_at(jwt({"sub": "repo:o/r:environment:prod"})) is None
    assert oidc_token_file.expires_at(jwt({"exp": True})) is None
    assert oidc_token_file.expires_at("not-a-jwt") is None
    assert oidc_token_file.expires_at("a.%%%.c") is None


def test_the_file_is_replaced_whole_and_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "oidc" / "token"
    oidc_token_file.write_token(path, "first")
    oidc_token_file.write_token(path, "second")
    assert path.read_text() == "second"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["token"]  # no temporary file left behind


def refresher(clock: FakeClock, tokens: list[str], written: list[tuple[float, str]], **kwargs: float) -> Refresher:
    def fetch() -> str:
        token = tokens.pop(0)
        if token == "fail":
            raise TokenRequestError("the token endpoint answered HTTP 503")
        return token

    return Refresher(
        fetch=fetch,
        write=lambda token: written.append((clock.now, token)),
        clock=clock,
        wait=clock.wait,
        log=lambda message: None,
        **kwargs,
    )


def test_tokens_are_refreshed_every_interval_for_the_whole_duration() -> None:
    clock = FakeClock()
    tokens = [jwt({"exp": clock.now + 300 + 60 * i}) for i in range(200)]
    written: list[tuple[float, str]] = []
    refresher(clock, tokens, written, interval=60).run(duration=3 * 3600)
    times = [t - 1_000_000.0 for t, _ in written]
    assert times == [60.0 * i for i in range(180)]  # a fresh token each minute, for three hours
    assert clock.now == 1_000_000.0 + 3 * 3600  # and then it stops


def test_a_short_lived_token_is_replaced_at_half_its_remaining_life() -> None:
    clock = FakeClock()
    written: list[tuple[float, str]] = []
    tokens = [jwt({"exp": clock.now + 40}), jwt({"exp": clock.now + 1000}), jwt({})]
    refresher(clock, tokens, written, interval=60).run(duration=100)
    assert [t - 1_000_000.0 for t, _ in written] == [0.0, 20.0, 80.0]
    assert clock.waits == [20.0, 60.0, 20.0]  # the last wait ends at the duration


def test_a_failed_refresh_keeps_the_last_token_and_is_retried_soon() -> None:
    clock = FakeClock()
    written: list[tuple[float, str]] = []
    good = [jwt({"exp": clock.now + 3600}) for _ in range(3)]
    messages: list[str] = []
    refresh = refresher(clock, [good[0], "fail", "fail", good[1], good[2]], written, interval=60, retry=10)
    refresh.log = messages.append
    refresh.run(duration=150)
    assert [(t - 1_000_000.0, token) for t, token in written] == [(0.0, good[0]), (80.0, good[1]), (140.0, good[2])]
    assert clock.waits == [60.0, 10.0, 10.0, 60.0, 10.0]
    assert len(messages) == 4 and "first token written" in messages[0]
    assert "2 in a row" in messages[2] and "after 2 failure(s)" in messages[3]
    assert not any(token in message for message in messages for token in good)
    assert (refresh.written, refresh.failed) == (3, 2)


def test_without_the_job_token_variables_it_says_what_the_job_lacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert oidc_token_file.main(["--file", str(tmp_path / "token"), "--once"], environ={}) == 2
    assert "id-token: write" in capsys.readouterr().err
    assert not (tmp_path / "token").exists()


def test_once_writes_one_token_from_the_endpoint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "oidc" / "token"
    with endpoint() as url:
        environ = {oidc_token_file.URL_VARIABLE: url, oidc_token_file.BEARER_VARIABLE: "request-token"}
        assert oidc_token_file.main(["--file", str(path), "--once"], environ=environ) == 0
    assert oidc_token_file.expires_at(path.read_text()) == 2_000_000_000
    assert path.read_text() not in capsys.readouterr().err


def test_once_fails_without_writing_when_the_endpoint_refuses(tmp_path: Path) -> None:
    path = tmp_path / "token"
    with endpoint(status=403, body=b"{}") as url:
        environ = {oidc_token_file.URL_VARIABLE: url, oidc_token_file.BEARER_VARIABLE: "request-token"}
        assert oidc_token_file.main(["--file", str(path), "--once"], environ=environ) == 1
    assert not path.exists()


def test_in_the_background_it_keeps_the_file_until_sigterm_and_then_sums_up(tmp_path: Path) -> None:
    """As the workflow runs it: `python -m scripts.oidc_token_file --file ... &`, stopped by `kill`."""
    path = tmp_path / "oidc" / "token"
    with endpoint() as url:
        environ = {**os.environ, oidc_token_file.URL_VARIABLE: url, oidc_token_file.BEARER_VARIABLE: "request-token"}
        process = subprocess.Popen(
            [sys.executable, "-m", "scripts.oidc_token_file", "--file", str(path)],
            cwd=ROOT,
            env=environ,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert process.stderr is not None
            assert "refreshing" in process.stderr.readline()
            assert "first token written" in process.stderr.readline()
            assert oidc_token_file.expires_at(path.read_text()) == 2_000_000_000
            process.send_signal(signal.SIGTERM)
            _, rest = process.communicate(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
    assert process.returncode == 0
    assert "stopped after writing 1 token(s); 0 request(s) failed" in rest
    assert path.read_text() not in rest
