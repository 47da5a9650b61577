"""Handler of ``tod serve-actions``: build the pipeline once, then run the Rasa action server."""

from __future__ import annotations

import argparse
import importlib.util
import logging
from typing import Any

from tod.errors import ConfigError


def build_server_pipeline(args: argparse.Namespace) -> Any:
    """The pipeline of ``args`` as ``tod chat`` builds it, or with ``--acts-only`` without its NLU and
    fallback (nothing trained or loaded; text that Rasa's understanding does not map is read by nobody)."""
    from tod.cli.chat_commands import build_pipeline
    from tod.pipeline.config import load_pipeline_config, parse_overrides, with_data_dir
    from tod.pipeline.pipeline import Pipeline

    if not args.acts_only:
        return build_pipeline(args)
    config = with_data_dir(load_pipeline_config(args.pipeline, parse_overrides(args.overrides)), args.data)
    return Pipeline.from_config(config, cache_dir=args.cache_dir, progress=not args.no_progress, acts_only=True)


def serve_actions(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("rasa_sdk") is None:
        raise ConfigError("tod serve-actions needs rasa-sdk: pip install 'tod[rasa]' (or rasa-sdk==3.21.1)")

    from tod.integrations.rasa.actions import build_executor
    from tod.integrations.rasa.server import ServerSettings, serve
    from tod.integrations.rasa.service import NAMESPACE, RasaConversations
    from tod.integrations.rasa.understanding import RasaMapping, load_mapping
    from tod.store import SQLiteStateStore, default_store_path, open_store

    mapping = load_mapping(args.rasa_map) if args.rasa_map else RasaMapping()
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # a given --store is opened before the (possibly minutes-long) build, so that a bad one fails at once
    store = open_store(args.store, NAMESPACE) if args.store else None
    try:
        pipeline = build_server_pipeline(args)
    except BaseException:
        if store is not None:
            store.close()
        raise
    if store is None:
        store = open_store(default_store_path(pipeline.name), NAMESPACE)
    # acts-only turns take about a millisecond of CPU: run them on the event loop, not in the worker
    # thread, unless each also waits for a PostgreSQL server (two round trips and a flushed commit, about
    # 4 ms here): in the worker thread the loop goes on serving while a turn waits (docs/rasa.md)
    conversations = RasaConversations(pipeline, store, mapping, history_turns=args.history_turns)
    in_loop = args.acts_only and isinstance(store, SQLiteStateStore)
    executor, actions = build_executor(conversations, args.actions, in_loop=in_loop)
    logging.getLogger("tod.rasa").info(
        "pipeline %s ready%s; conversation states in %s",
        pipeline.name,
        " (acts only: Rasa's intent and entities, no tod NLU)" if args.acts_only else "",
        store.location,
    )

    def stop() -> None:
        actions.close()
        store.close()

    settings = ServerSettings(host=args.host, port=args.port, max_body=args.max_body_kb * 1024, cors=args.cors)
    serve(executor, settings, on_stop=stop)
    return 0
