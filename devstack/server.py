"""The API on 127.0.0.1 through Chalice's local server, answering unknown paths with the API's 404, and the local
stack's own `GET /_local/probes` (devstack/probes.py: what the chaos benchmark checks), which is never deployed."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from chalice.cli.factory import CLIFactory
from chalice.local import ChaliceRequestHandler, ForbiddenError, LocalDevServer, LocalGateway, ThreadedHTTPServer

from .gate import Gate, GatedHandler
from .probes import PATH as PROBES_PATH
from .probes import Probes


class _Gateway(LocalGateway):
    probes: Probes | None = None

    def handle_request(self, method: str, path: str, headers: Any, body: Any) -> Any:
        if method == "GET" and path.split("?", 1)[0] == PROBES_PATH and self.probes is not None:
            return {
                "statusCode": 200,
                "headers": {"Content-Type": "application/json"},
                "multiValueHeaders": {},
                "body": json.dumps(self.probes.snapshot()),
            }
        try:
            return super().handle_request(method, path, headers, body)
        except ForbiddenError:
            # Chalice local (like API Gateway) answers an unknown path with 403 "Missing Authentication Token".
            return {
                "statusCode": 404,
                "headers": {"Content-Type": "application/json"},
                "multiValueHeaders": {},
                "body": '{{"error":{{"code":"not_found","message":"no such route: {} {}","details":[]}}}}'.format(
                    method, path.split("?", 1)[0].replace('"', "")
                ),
            }


class _Handler(GatedHandler, ChaliceRequestHandler):
    def __init__(self, request: Any, client_address: Any, server: Any, app_object: Any, config: Any) -> None:
        self.local_gateway = _Gateway(app_object, config)
        super(ChaliceRequestHandler, self).__init__(request, client_address, server)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the app logs each request as JSON
        return


class _Server(ThreadedHTTPServer):
    # socketserver's default backlog of 5 resets bursts of concurrent clients.
    request_queue_size = 256
    gate: Gate
    stopping = False


class ApiServer:
    def __init__(self, project_dir: Path, host: str, port: int, stage: str = "dev") -> None:
        import app as chalice_app

        config = CLIFactory(str(project_dir)).create_config_obj(chalice_stage_name=stage)
        self._server = LocalDevServer(chalice_app.app, config, host, port, handler_cls=_Handler, server_cls=_Server)
        self._server.server.gate = self.gate = Gate()  # devstack/gate.py: a quick stop, no acknowledged write lost
        self.host, self.port = self._server.server.server_address[:2]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        _Gateway.probes = Probes()
        _Gateway.probes.start()
        self._thread = threading.Thread(target=self._server.server.serve_forever, name="api", daemon=True)
        self._thread.start()

    def stop(self, grace_seconds: float = 5.0) -> int:
        """Stop accepting, let the requests in flight finish for up to `grace_seconds`, then send no more answers.
        Returns the number of requests cut off (their clients get no answer: nothing they did is acknowledged)."""
        self._server.server.stopping = True
        self._server.shutdown()
        self._server.server.server_close()
        left = self.gate.drain(grace_seconds)
        self.gate.close()
        return left
