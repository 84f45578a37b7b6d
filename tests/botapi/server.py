"""A loopback fake Telegram Bot API server for pytest and subprocess end-to-end tests.

Usage::

    with FakeBotApiServer() as server:
        alice = server.add_user(first_name="Alice")
        app = ApplicationBuilder().token(server.token).base_url(server.base_url).build()
        ...
        server.push_text(alice.id, "/start")
        [reply] = server.wait_for_messages(alice.id, 1)

The test-side API (users, chats, ``push_*``, waits, call log, faults, rate
limits) is inherited from :class:`tests.botapi.engine.BotApiEngine`.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tests.botapi.engine import BotApiEngine
from tests.botapi.params import decode_body
from tests.botapi.ratelimit import RateLimits
from tests.botapi.rules import ApiError
from tests.botapi.state import DEFAULT_TOKEN, Reply

if TYPE_CHECKING:
    from telegram import Bot
    from telegram.ext import ApplicationBuilder

__all__ = ["DEFAULT_TOKEN", "FakeBotApiServer", "RateLimits", "WebhookDelivery"]


@dataclass
class WebhookDelivery:
    """One POST of an update to the webhook URL."""

    update_id: int
    url: str
    status: int | None
    secret_token: str | None
    error: str | None = None
    at: float = field(default_factory=time.time)


class _HttpServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that remembers open connections so stop() can cut them."""

    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default listen backlog is 5: a bot opening its pool's 256 connections at once had some reset
    # (httpx.ReadError, the answer lost), which Telegram's servers do not do.
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], fake: FakeBotApiServer) -> None:
        self.fake = fake
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def cut_connections(self) -> None:
        with self.connections_lock:
            sockets, self.connections = list(self.connections), set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    """Routes ``/bot<token>/<method>`` to the engine."""

    protocol_version = "HTTP/1.1"
    timeout = 60
    server: _HttpServer

    def setup(self) -> None:
        """Answers go out at once: without TCP_NODELAY each waited ~45 ms for the client's delayed ACK."""
        super().setup()
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging."""

    def do_GET(self) -> None:
        """GET requests carry params in the query string."""
        self._serve()

    def do_POST(self) -> None:
        """POST with JSON, urlencoded or multipart body."""
        self._serve()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            self.rfile.readline()
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _serve(self) -> None:
        fake = self.server.fake
        url = urlsplit(self.path)
        body = self._read_body()
        if fake.closing:
            self._drop()
            return
        segments = url.path.strip("/").split("/")
        if len(segments) != 2 or not segments[0].startswith("bot"):
            self._send(Reply(404, ApiError(404, "Not Found").payload()))
            return
        token, method = segments[0][3:], segments[1]
        try:
            raw, files = decode_body(self.headers.get("Content-Type", ""), body, url.query)
        except ApiError as err:
            self._send(Reply(err.error_code, err.payload()))
            return
        reply = fake.handle(token, method, raw, files)
        if reply.dropped:
            self._drop()
        else:
            self._send(reply)

    def _drop(self) -> None:
        """Close the socket without any response (the client sees a disconnect)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send(self, reply: Reply) -> None:
        data = reply.body()
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True


class FakeBotApiServer(BotApiEngine):
    """The fake Bot API on ``127.0.0.1:<free port>`` (start/stop or use as a context manager)."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limits: RateLimits | None = None,
        strict_html: bool = True,
        webhook_retry_delay: float = 0.2,
        bot_username: str = "carebot_test_bot",
        bot_name: str = "CareBot",
    ) -> None:
        """Configure (not start) the server; ``port=0`` picks a free port at start()."""
        super().__init__(
            token, bot_username=bot_username, bot_name=bot_name, rate_limits=rate_limits, strict_html=strict_html
        )
        self._host, self._requested_port = host, port
        self._httpd: _HttpServer | None = None
        self._threads: list[threading.Thread] = []
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_deliveries: list[WebhookDelivery] = []

    # ------------------------------------------------------------ lifecycle
    def start(self) -> FakeBotApiServer:
        """Bind and serve in background threads; returns self."""
        if self._httpd is not None:
            raise RuntimeError("server already started")
        self._closing = False
        self._httpd = _HttpServer((self._host, self._requested_port), self)
        serve = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-bot-api", daemon=True
        )
        hook = threading.Thread(target=self._webhook_loop, name="fake-bot-api-webhook", daemon=True)
        self._threads = [serve, hook]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: long polls end, open connections are cut, threads joined."""
        httpd, self._httpd = self._httpd, None
        self.close()
        if httpd is None:
            return
        httpd.shutdown()
        httpd.cut_connections()
        httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> FakeBotApiServer:
        """Start the server."""
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop the server."""
        self.stop()

    async def __aenter__(self) -> FakeBotApiServer:
        """Start the server (``async with`` works too)."""
        return self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop the server."""
        self.stop()

    # ------------------------------------------------------------------ URLs
    @property
    def port(self) -> int:
        """The bound port (after start())."""
        if self._httpd is None:
            raise RuntimeError("server not started")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self._host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Value for ``ApplicationBuilder.base_url`` / ``Bot(base_url=...)``; PTB appends the token."""
        return f"{self.url}/bot"

    @property
    def file_base_url(self) -> str:
        """Value for ``ApplicationBuilder.base_file_url``."""
        return f"{self.url}/file/bot"

    def make_bot(self, **kwargs: Any) -> Bot:
        """A ``telegram.Bot`` pointed at this server (``async with`` it before use)."""
        from telegram import Bot

        return Bot(self.token, base_url=self.base_url, base_file_url=self.file_base_url, **kwargs)

    def application_builder(self) -> ApplicationBuilder:
        """An ``ApplicationBuilder`` with token, base_url and base_file_url set."""
        from telegram.ext import ApplicationBuilder

        return ApplicationBuilder().token(self.token).base_url(self.base_url).base_file_url(self.file_base_url)

    # --------------------------------------------------------------- webhook
    def _next_webhook_job(self) -> tuple[dict[str, Any], str, str | None] | None:
        with self._cond:
            while not self._closing:
                if self.webhook and self._updates:
                    return dict(self._updates[0]), self.webhook["url"], self.webhook["secret_token"]
                self._cond.wait(0.5)
            return None

    def _webhook_loop(self) -> None:
        while (job := self._next_webhook_job()) is not None:
            update, url, secret = job
            headers = {"Content-Type": "application/json"}
            if secret:
                headers["X-Telegram-Bot-Api-Secret-Token"] = secret
            request = urllib.request.Request(url, json.dumps(update).encode(), headers, method="POST")
            status: int | None = None
            error: str | None = None
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    status = response.status
            except urllib.error.HTTPError as err:
                status, error = err.code, f"Wrong response from the webhook: {err.code} {err.reason}"
            except OSError as err:
                error = f"Connection failed: {err}"
            with self._cond:
                self.webhook_deliveries.append(WebhookDelivery(update["update_id"], url, status, secret, error))
                if status is not None and 200 <= status < 300:
                    self._updates = [u for u in self._updates if u["update_id"] != update["update_id"]]
                else:
                    self.webhook_error = (int(time.time()), error or "unknown error")
                self._cond.notify_all()
            if error:
                time.sleep(self.webhook_retry_delay)

    def wait_for_webhook_delivery(self, update_id: int, timeout: float = 5.0) -> WebhookDelivery:
        """Block until ``update_id`` was successfully POSTed to the webhook."""
        with self._cond:

            def delivered() -> WebhookDelivery | None:
                return next((d for d in self.webhook_deliveries if d.update_id == update_id and d.error is None), None)

            if not self._cond.wait_for(lambda: delivered() is not None, timeout):
                raise TimeoutError(f"update {update_id} not delivered: {self.webhook_deliveries!r}")
            result = delivered()
            assert result is not None
            return result
