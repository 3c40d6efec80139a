"""The local stack's HTTP servers: the gateway, the emulators and moto, on persistent connections.

The real endpoints the connector talks to (DynamoDB, SQS, Secrets Manager, SSM, Salesforce, the
platforms) keep an HTTP/1.1 connection open between requests, and the connector's clients keep it
in their pools for the container's life, so a warm invocation opens no TCP connection. werkzeug's
development server cannot show that: since werkzeug 2.1 it answers every request with
`Connection: close` ("They aren't handled well by Python's http.server because it doesn't know how
to drain the stream before the next request line", werkzeug/serving.py `run_wsgi`), so each
DynamoDB call of a warm registration paid for a new connection and a new server thread, and local
figures measured that instead of the function.

waitress serves the same WSGI apps with HTTP/1.1 persistent connections (its `channel_timeout`
closes a connection idle that long; a client's pool notices a dropped connection and opens a new
one before reusing it), a fixed pool of worker threads, and idle connections held in its event
loop rather than in a thread each.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import waitress

log = logging.getLogger("devstack")

# Worker threads: requests served at once. Generous, because a request may hold its thread for a
# long time: an SQS long poll in moto, an emulator's injected latency (up to 60 s), a gateway
# request waiting for a free function slot. werkzeug's server had no limit (a thread per connection).
DEFAULT_THREADS = 48
# Open connections a server accepts (waitress's default, 100, is below what the stack's clients hold:
# every function process keeps a pool per AWS client and per platform client).
CONNECTION_LIMIT = 1000
# A connection idle this long is closed by the server (waitress's default: 120 s).
IDLE_SECONDS = 300


class LocalServer:
    """A WSGI app served in a daemon thread on `host:port` (0: a free port), keep-alive on."""

    def __init__(self, app: Any, host: str, port: int, name: str, threads: int = DEFAULT_THREADS) -> None:
        self._server: Any = waitress.create_server(
            app,
            host=host,
            port=port,
            threads=threads,
            connection_limit=CONNECTION_LIMIT,
            channel_timeout=IDLE_SECONDS,
            # Every header reaches the app as the client sent it (X-Forwarded-*, too): the gateway
            # maps them into the HttpApi event as API Gateway does, and no proxy stands in front.
            clear_untrusted_proxy_headers=False,
            # poll(), not select(): the stack's processes may hold more than 1024 descriptors.
            asyncore_use_poll=True,
            ident="devstack",
        )
        self.host = host
        self.server_port = int(self._server.effective_port)
        self._stopped = False
        self.thread = threading.Thread(target=self._server.run, name=name, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.server_port}"

    def shutdown(self, timeout: float = 2.0) -> None:
        """Stop listening, close every connection and stop the workers (a request still running
        after `timeout` is left to its daemon thread)."""
        if self._stopped:
            return
        self._stopped = True
        server = self._server
        # The workers first: one that finishes a request wakes the loop through its wake-up pipe,
        # which must still be open then.
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=timeout)

        def close_all() -> None:
            # Run in the server's own loop thread: with the listening socket, the connections and
            # the loop's wake-up pipe closed, its socket map is empty and `run` returns.
            for channel in list(server._map.values()):
                channel.handle_close()

        try:
            server.trigger.pull_trigger(close_all)
        except OSError:
            # The loop has closed its wake-up pipe already (it found it broken): nothing to wake.
            log.warning("server %s: its loop had stopped already", self.thread.name)
            return
        self.thread.join(timeout)

    def server_close(self) -> None:
        """For callers written for werkzeug's server: `shutdown` has closed everything already."""
        self.shutdown()
