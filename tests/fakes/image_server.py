"""A fake image provider on 127.0.0.1: OpenAI's images API and Stability's SD3 REST API, answering real PNGs.

- `POST /v1/images/generations` (the openai SDK): `n` PNGs of the asked size, as `b64_json` when asked for
  (or for the gpt-image family, which always answers so) and otherwise as `url`s served by this server
  (`GET /files/<name>.png`, each link readable while the server runs). Models named `fail-500` and `fail-429`
  fail so; `flaky-<n>` fails with 500 its first n calls.
- `POST /v2beta/stable-image/generate/sd3` (multipart form, `Accept: application/json`): `{"image": <base64 PNG>,
  "finish_reason", "seed"}` sized by the aspect ratio; model `fail-500` fails, a prompt containing `forbidden` is
  answered `CONTENT_FILTERED`, a missing bearer token 401.

Every request (path, fields, auth) is kept in `requests`, every PNG served in `served` (name -> bytes).
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import io
import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SD3_SIZES = {"1:1": (1024, 1024), "16:9": (1344, 768), "9:16": (768, 1344)}


def png(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


class FakeImages:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.served: dict[str, bytes] = {}
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def root(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        return f"{self.root}/v1"

    def start(self) -> FakeImages:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _failure(self, model: str) -> tuple[int, dict[str, Any]] | None:
        with self._lock:
            self.calls[model] += 1
            calls = self.calls[model]
        if model == "fail-429":
            return 429, {"error": {"message": "Rate limit reached", "type": "rate_limit_error"}}
        if model == "fail-500" or (model.startswith("flaky-") and calls <= int(model.split("-")[1])):
            return 500, {"error": {"message": "The server had an error", "type": "server_error"}}
        return None

    def _openai(self, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        model = payload.get("model", "")
        failed = self._failure(model)
        if failed:
            return failed
        width, height = (int(v) for v in payload.get("size", "1024x1024").split("x"))
        data = []
        for i in range(int(payload.get("n", 1))):
            image = png(width, height, (200, 40 + 40 * i, 90))
            if payload.get("response_format") == "b64_json" or model.startswith("gpt-image-"):
                data.append({"b64_json": base64.b64encode(image).decode(), "revised_prompt": None})
            else:
                with self._lock:
                    name = f"{model}-{len(self.served) + 1}.png"
                    self.served[name] = image
                data.append({"url": f"{self.root}/files/{name}", "revised_prompt": f"{payload['prompt']} (revised)"})
        return 200, {"created": 1_700_000_000, "data": data}

    def _sd3(self, fields: dict[str, str], auth: str | None) -> tuple[int, dict[str, Any]]:
        if not auth or not auth.startswith("Bearer ") or auth == "Bearer ":
            return 401, {"name": "unauthorized", "errors": ["missing authorization"]}
        failed = self._failure(fields.get("model", ""))
        if failed:
            return failed[0], {"name": "server_error", "errors": ["internal"]}
        if fields.get("aspect_ratio") not in SD3_SIZES:
            return 400, {"name": "bad_request", "errors": ["aspect_ratio: invalid"]}
        if "forbidden" in fields.get("prompt", ""):
            return 200, {"image": base64.b64encode(png(8, 8, (0, 0, 0))).decode(), "finish_reason": "CONTENT_FILTERED", "seed": 1}
        width, height = SD3_SIZES[fields["aspect_ratio"]]
        image = base64.b64encode(png(width, height, (30, 120, 200))).decode()
        return 200, {"image": image, "finish_reason": "SUCCESS", "seed": 42}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

            def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                name = self.path.rsplit("/", 1)[-1]
                with fake._lock:
                    fake.requests.append({"path": self.path, "method": "GET"})
                    image = fake.served.get(name)
                if image is None:
                    self._send(404, b'{"error": "no such file"}')
                else:
                    self._send(200, image, "image/png")

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                auth = self.headers.get("Authorization")
                if self.path.endswith("/stable-image/generate/sd3"):
                    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                        f"Content-Type: {self.headers.get('Content-Type', '')}\r\n\r\n".encode() + raw
                    )
                    fields = {
                        part.get_param("name", header="content-disposition"): (part.get_payload(decode=True) or b"").decode()
                        for part in message.iter_parts()
                    }
                    with fake._lock:
                        fake.requests.append({"path": self.path, "fields": fields, "auth": auth})
                    status, answer = fake._sd3(fields, auth)
                elif self.path.endswith("/images/generations"):
                    payload = json.loads(raw or b"{}")
                    with fake._lock:
                        fake.requests.append({"path": self.path, "body": payload, "auth": auth})
                    status, answer = fake._openai(payload)
                else:
                    status, answer = 404, {"error": {"message": f"no route {self.path}"}}
                self._send(status, json.dumps(answer).encode())

        return Handler
