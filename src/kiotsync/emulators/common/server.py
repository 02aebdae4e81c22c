"""Serve a WSGI app on a real socket (threaded, HTTP/1.1 keep-alive, quiet)."""

from __future__ import annotations

import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


def make_wsgi_server(app: Any, host: str = "127.0.0.1", port: int = 0) -> BaseWSGIServer:
    return make_server(host, port, app, threaded=True, request_handler=_QuietHandler)


def serve_forever(app: Any, host: str = "127.0.0.1", port: int = 8000) -> None:
    make_wsgi_server(app, host, port).serve_forever()


class ServerThread:
    """Run a WSGI app on a free port in a daemon thread; ``url`` is its base URL."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server = make_wsgi_server(app, host, port)
        self.host = host
        self.port = self.server.socket.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> ServerThread:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
