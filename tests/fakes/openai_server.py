"""A fake OpenAI-compatible server on 127.0.0.1, for exercising the real openai SDK over HTTP.

Chat completions answer deterministically with usage; given `tools`, they call the first one. A model's name
scripts its behaviour:
`fail-429` and `fail-500` always fail so; `slow` answers after `slow_seconds`; `flaky-<n>`
fails with 500 its first n calls, then answers. Asked to improve a prompt (a message holding
"Template:"), it answers the template with one sentence added. Every request is kept in `requests`.

Fine-tuning: `/v1/files` takes multipart uploads (and deletes them); `/v1/fine_tuning/jobs` creates
jobs (400 for an unknown training file) that move validating_files -> queued -> running -> succeeded,
one step per retrieve, with events (`/events`, newest first) and `fine_tuned_model` named
`ft:<model>:learnloop:<suffix>:<id>`; a job whose suffix is `fail` (or model `fail-ft`) fails instead
of succeeding; `/cancel` cancels an unfinished job (400 once finished). `GET /v1/fine_tuning/jobs` lists
jobs, newest first, filtered by `metadata[<key>]=<value>`. With `create_delay_seconds`, a job is created
at once but answered only after that delay (a client that gives up first never learns of it).
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import threading
import time
import urllib.parse
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeOpenAI:
    def __init__(self, slow_seconds: float = 2.0) -> None:
        self.slow_seconds = slow_seconds
        self.create_delay_seconds = 0.0
        self.requests: list[dict[str, Any]] = []
        self.calls: Counter[str] = Counter()
        self.files: dict[str, dict[str, Any]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.events: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- files and fine-tuning jobs (called with the lock held) ------------------------------------------

    def _upload(self, content_type: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + raw
        )
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            fields[name] = (part.get_filename(), part.get_payload(decode=True))
        if "file" not in fields or fields.get("purpose", (None, b""))[1] != b"fine-tune":
            return 400, {"error": {"message": "file and purpose=fine-tune are required", "type": "invalid_request_error"}}
        filename, data = fields["file"]
        file_id = f"file-{len(self.files) + 1:04d}{int(time.time() * 1000) % 100000:05d}"
        self.files[file_id] = {"id": file_id, "filename": filename, "data": data}
        answer = {
            "id": file_id,
            "object": "file",
            "bytes": len(data),
            "created_at": int(time.time()),
            "filename": filename,
            "purpose": "fine-tune",
            "status": "processed",
        }
        return 200, answer

    def _fine_tuning_post(self, path: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        parts = path.split("?")[0].rstrip("/").split("/")
        if parts[-1] == "jobs":
            for name in ("training_file", "validation_file"):
                if payload.get(name) is not None and payload[name] not in self.files:
                    return 400, {"error": {"message": f"invalid {name}: {payload[name]}", "type": "invalid_request_error"}}
            job_id = f"ftjob-{len(self.jobs) + 1:03d}"
            job = {
                "id": job_id,
                "object": "fine_tuning.job",
                "created_at": int(time.time()),
                "error": None,
                "fine_tuned_model": None,
                "finished_at": None,
                "hyperparameters": {"n_epochs": "auto", "batch_size": "auto", "learning_rate_multiplier": "auto"},
                "model": payload["model"],
                "organization_id": "org-learnloop",
                "result_files": [],
                "seed": 0,
                "status": "validating_files",
                "trained_tokens": None,
                "training_file": payload["training_file"],
                "validation_file": payload.get("validation_file"),
                "method": payload.get("method"),
                "metadata": payload.get("metadata"),
                "suffix": payload.get("suffix"),
            }
            self.jobs[job_id] = job
            self.events[job_id] = []
            self._event(job_id, "Validating training file")
            return 200, job
        job = self.jobs.get(parts[-2]) if parts[-1] == "cancel" else None
        if job is None:
            return 404, _missing(parts[-2])
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return 400, {"error": {"message": f"job is already {job['status']}", "type": "invalid_request_error"}}
        job |= {"status": "cancelled", "finished_at": int(time.time())}
        self._event(job["id"], "Job cancelled")
        return 200, job

    def _fine_tuning_get(self, path: str) -> tuple[int, dict[str, Any]]:
        clean = path.split("?")[0].rstrip("/")
        parts = clean.split("/")
        if clean.endswith("/fine_tuning/jobs"):
            query = urllib.parse.parse_qs(path.partition("?")[2])
            wanted = {k[len("metadata[") : -1]: v[0] for k, v in query.items() if k.startswith("metadata[")}
            found = [
                job
                for job in reversed(self.jobs.values())
                if all((job.get("metadata") or {}).get(k) == v for k, v in wanted.items())
            ]
            return 200, {"object": "list", "data": found, "has_more": False}
        if parts[-1] == "events":
            if parts[-2] not in self.jobs:
                return 404, _missing(parts[-2])
            return 200, {"object": "list", "data": list(reversed(self.events[parts[-2]])), "has_more": False}
        job = self.jobs.get(parts[-1])
        if job is None or "fine_tuning" not in clean:
            return 404, _missing(parts[-1])
        steps = ["validating_files", "queued", "running", "succeeded"]
        if job["status"] in steps[:-1]:
            job["status"] = steps[steps.index(job["status"]) + 1]
            fails = job["suffix"] == "fail" or job["model"] == "fail-ft"
            if job["status"] == "queued":
                self._event(job["id"], "Files validated, moving job to queued state")
            elif job["status"] == "running":
                self._event(job["id"], "Fine-tuning job started")
                self._event(
                    job["id"], "Step 5/10: training loss=0.82", "metrics", {"step": 5, "total_steps": 10, "train_loss": 0.82}
                )
            elif fails:
                job |= {
                    "status": "failed",
                    "finished_at": int(time.time()),
                    "error": {
                        "code": "invalid_training_file",
                        "message": "The training file is invalid (key sk-live-51Hx9SECRET0042 in line 3).",
                        "param": "training_file",
                    },
                }
                self._event(job["id"], "Fine-tuning job failed: sk-live-51Hx9SECRET0042 is not a valid line", level="error")
            else:
                self._event(
                    job["id"], "Step 10/10: training loss=0.31", "metrics", {"step": 10, "total_steps": 10, "train_loss": 0.31}
                )
                name = f"ft:{job['model']}:learnloop:{job['suffix'] or ''}:abc{job['id'][-3:]}"
                job |= {"fine_tuned_model": name, "finished_at": int(time.time()), "trained_tokens": 4096}
                self._event(job["id"], f"New fine-tuned model created: {name}")
                self._event(job["id"], "The job has successfully completed")
        return 200, job

    def _event(
        self, job_id: str, message: str, kind: str = "message", data: dict[str, Any] | None = None, level: str = "info"
    ) -> None:
        events = self.events[job_id]
        events.append(
            {
                "id": f"ftevent-{job_id}-{len(events) + 1:03d}",
                "object": "fine_tuning.job.event",
                "created_at": int(time.time()),
                "level": level,
                "message": message,
                "type": kind,
                "data": data or {},
            }
        )

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                with fake._lock:
                    fake.requests.append({"path": self.path, "method": "GET", "auth": self.headers.get("Authorization")})
                    status, payload = fake._fine_tuning_get(self.path)
                self._send(status, payload)

            def do_DELETE(self) -> None:
                with fake._lock:
                    fake.requests.append({"path": self.path, "method": "DELETE", "auth": self.headers.get("Authorization")})
                    file_id = self.path.rstrip("/").rsplit("/", 1)[-1]
                    found = fake.files.pop(file_id, None)
                self._send(
                    200 if found else 404,
                    {"id": file_id, "object": "file", "deleted": bool(found)} if found else _missing(file_id),
                )

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self.path.split("?")[0].endswith("/files"):
                    with fake._lock:
                        status, answer = fake._upload(self.headers.get("Content-Type", ""), raw)
                        fake.requests.append(
                            {
                                "path": self.path,
                                "body": {"purpose": answer.get("purpose")},
                                "auth": self.headers.get("Authorization"),
                            }
                        )
                    self._send(status, answer)
                    return
                if "/fine_tuning/jobs" in self.path:
                    payload = json.loads(raw or b"{}")
                    with fake._lock:
                        fake.requests.append({"path": self.path, "body": payload, "auth": self.headers.get("Authorization")})
                        status, answer = fake._fine_tuning_post(self.path, payload)
                    if self.path.split("?")[0].rstrip("/").endswith("/jobs") and fake.create_delay_seconds:
                        time.sleep(fake.create_delay_seconds)
                    self._send(status, answer)
                    return
                payload = json.loads(raw or b"{}")
                model = payload.get("model", "")
                with fake._lock:
                    fake.requests.append({"path": self.path, "body": payload, "auth": self.headers.get("Authorization")})
                    fake.calls[model] += 1
                    calls = fake.calls[model]
                if model == "fail-429":
                    self._send(429, {"error": {"message": "Rate limit reached", "type": "rate_limit_error"}})
                    return
                if model == "fail-500" or (model.startswith("flaky-") and calls <= int(model.split("-")[1])):
                    self._send(500, {"error": {"message": "The server had an error", "type": "server_error"}})
                    return
                if model == "slow":
                    time.sleep(fake.slow_seconds)
                if self.path.endswith("/chat/completions"):
                    prompt = " ".join(m.get("content", "") for m in payload.get("messages", []))
                    answer = f"[{model}] {prompt[:200]}"
                    if "\nTemplate:\n" in prompt:  # asked to improve a prompt template: keep it, add a line
                        answer = prompt.split("\nTemplate:\n", 1)[1].split("\n\n", 1)[0] + " Be vivid and specific."
                    message: dict[str, Any] = {"role": "assistant", "content": answer}
                    if payload.get("tools"):  # given tools, it calls the first one with the prompt as its argument
                        function = {
                            "name": payload["tools"][0]["function"]["name"],
                            "arguments": json.dumps({"text": prompt[:60]}),
                        }
                        message = {
                            "role": "assistant",
                            "content": None,
                            "tool_calls": [{"id": f"call_{calls}", "type": "function", "function": function}],
                        }
                    self._send(
                        200,
                        {
                            "id": f"chatcmpl-{calls}",
                            "object": "chat.completion",
                            "created": 1_700_000_000,
                            "model": model,
                            "choices": [
                                {
                                    "index": 0,
                                    "message": message,
                                    "finish_reason": "tool_calls" if payload.get("tools") else "stop",
                                }
                            ],
                            "usage": {
                                "prompt_tokens": len(prompt.split()) + 7,
                                "completion_tokens": len(answer.split()),
                                "total_tokens": len(prompt.split()) + 7 + len(answer.split()),
                            },
                        },
                    )
                    return
                if self.path.endswith("/images/generations"):
                    self._send(200, {"created": 1_700_000_000, "data": [{"url": f"https://images.example/{model}/{calls}.png"}]})
                    return
                self._send(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})

        return Handler


def _missing(what: str) -> dict[str, Any]:
    return {"error": {"message": f"no such object: {what}", "type": "invalid_request_error"}}
