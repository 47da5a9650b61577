"""The fallback that asks any OpenAI-compatible chat-completions endpoint (llama.cpp's server, vLLM,
Ollama, a hosted API) for the reply, with the domain's retrieved facts and the recent history.

Only the standard library is used (``urllib.request``). Whatever goes wrong (connection refused, a
slow server, HTTP 4xx/5xx, a body that is not JSON, JSON without ``choices[0].message.content``, an
empty or enormous reply) gives the retrieval answer (FAQ, fact or steer-back line, see
:class:`~tod.fallback.retrieval.RetrievalFallback`) within ``timeout`` seconds and a warning on the
``tod.fallback`` logger. The reply is only a string: the dialogue state is never touched.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from typing import Any, Sequence
from urllib.parse import urlsplit, urlunsplit

from tod.domain.context import BuildContext
from tod.errors import ConfigError
from tod.fallback.checks import whole
from tod.fallback.guard import LOG
from tod.fallback.knowledge import Knowledge
from tod.fallback.llm import LLMFallback
from tod.fallback.prompt import Message
from tod.fallback.retrieval import knowledge_from_config
from tod.nlu.encoders import DEFAULT_ENCODER

#: A response body larger than this is refused (a runaway or hostile server).
MAX_RESPONSE_BYTES = 1_000_000
#: A reply longer than this is refused as a runaway generation (shorter ones are cut to fit).
MAX_CONTENT_CHARS = 20_000
_CHUNK = 65536


class BackendError(Exception):
    """The endpoint answered, but not with a usable reply (internal: the guard turns it into a warning)."""


def chat_endpoint(url: str) -> str:
    """The chat-completions URL for ``url``: a server root, a ``.../v1`` base, or the full endpoint.

    ConfigError unless ``url`` is an http(s) URL with a host.
    """
    parts = urlsplit(url.strip()) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"url must be an http:// or https:// URL of an OpenAI-compatible server, found {url!r}")
    path = parts.path.rstrip("/")
    if not path.endswith("/chat/completions"):
        path += "/chat/completions" if path.endswith("/v1") else "/v1/chat/completions"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def reply_content(data: Any) -> str:
    """``choices[0].message.content`` of a chat-completions response (text parts joined); BackendError
    when it is missing, not text, empty or longer than :data:`MAX_CONTENT_CHARS`."""
    try:
        content = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise BackendError("the response has no choices[0].message.content") from None
    if isinstance(content, list):  # the newer "content parts" form
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    if not isinstance(content, str):
        raise BackendError(f"choices[0].message.content is {type(content).__name__}, not text")
    if not content.strip():
        raise BackendError("the reply is empty")
    if len(content) > MAX_CONTENT_CHARS:
        raise BackendError(f"the reply is {len(content)} characters long; at most {MAX_CONTENT_CHARS} are accepted")
    return content


class OpenAIFallback(LLMFallback):
    """Answers out-of-task turns with a model behind ``url`` (see :func:`chat_endpoint`) called ``model``.

    ``api_key_env`` names the environment variable holding the API key (none for local servers);
    ``knowledge`` gives the facts for the prompt and the polite answer (default: none, a generic line).
    """

    def __init__(
        self,
        url: str,
        model: str,
        *,
        api_key_env: str | None = None,
        timeout: float = 5.0,
        max_tokens: int = 200,
        temperature: float = 0.7,
        history_turns: int = 6,
        facts: int = 3,
        knowledge: Knowledge | None = None,
    ) -> None:
        self.endpoint = chat_endpoint(url)
        if not isinstance(model, str) or not model.strip():
            raise ConfigError(f"model must name the served model (e.g. 'llama3.2'), found {model!r}")
        self.model = model.strip()
        self.api_key: str | None = None
        if api_key_env:
            self.api_key = os.environ.get(api_key_env) or None
            if self.api_key is None:
                raise ConfigError(f"api_key_env names {api_key_env!r}, but that environment variable is not set")
        super().__init__(
            timeout=timeout, temperature=temperature, history_turns=history_turns, facts=facts, knowledge=knowledge
        )
        self.max_tokens = whole("max_tokens", max_tokens, 1)

    @classmethod
    def from_config(
        cls,
        context: BuildContext,
        *,
        url: str = "",
        model: str = "",
        api_key_env: str | None = None,
        timeout: float = 5.0,
        max_tokens: int = 200,
        temperature: float = 0.7,
        history_turns: int = 6,
        facts: int = 3,
        encoder: str = DEFAULT_ENCODER,
        faq: str | None = None,
    ) -> OpenAIFallback:
        """``url`` and ``model`` are required; ``encoder``/``faq`` as for the retrieval fallback, which
        gives the facts (``facts`` of them) and the answer when the endpoint fails."""
        fallback = cls(  # checks every parameter before anything is embedded
            url,
            model,
            api_key_env=api_key_env,
            timeout=timeout,
            max_tokens=max_tokens,
            temperature=temperature,
            history_turns=history_turns,
            facts=facts,
        )
        fallback.knowledge = knowledge_from_config(context, encoder, faq)
        fallback.knowledge.warm_up()
        return fallback

    @property
    def label(self) -> str:
        return f"openai fallback ({self.endpoint})"

    def answer(self, messages: Sequence[Message], deadline: float) -> str:
        """The endpoint's reply to ``messages``; raises on any failure or when ``deadline`` (a
        ``time.monotonic()`` value) passes."""
        payload = {
            "model": self.model,
            "messages": list(messages),
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "stream": False,
        }
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(self.endpoint, data=body, headers=headers, method="POST")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no time left to call the endpoint")
        try:
            with urllib.request.urlopen(request, timeout=remaining) as response:
                raw = _read_bounded(response, deadline)
        except urllib.error.HTTPError as exc:
            detail = exc.read(300).decode("utf-8", "replace") if exc.fp is not None else ""
            raise BackendError(f"HTTP {exc.code} {exc.reason}: {detail}") from None
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BackendError(f"the response is not JSON ({exc})") from None
        content = reply_content(data)
        LOG.debug("openai fallback: %d characters from %s", len(content), self.endpoint)
        return content


def _read_bounded(response: Any, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError("the response did not arrive in time")
        chunk = response.read(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise BackendError(f"the response is larger than {MAX_RESPONSE_BYTES} bytes")
        chunks.append(chunk)
