"""Handler of ``tod serve-actions``: build the pipeline once, then run the Rasa action server."""

from __future__ import annotations

import argparse
import importlib.util
import logging

from tod.errors import ConfigError


def serve_actions(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("rasa_sdk") is None:
        raise ConfigError("tod serve-actions needs rasa-sdk: pip install 'tod[rasa]' (or rasa-sdk==3.21.1)")

    from tod.cli.chat_commands import build_pipeline
    from tod.integrations.rasa.actions import build_executor
    from tod.integrations.rasa.server import ServerSettings, serve
    from tod.integrations.rasa.service import NAMESPACE, RasaConversations
    from tod.integrations.rasa.understanding import RasaMapping, load_mapping
    from tod.store import StateStore, default_store_path

    mapping = load_mapping(args.rasa_map) if args.rasa_map else RasaMapping()
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    pipeline = build_pipeline(args)
    store = StateStore(args.store or default_store_path(pipeline.name), NAMESPACE)
    executor, actions = build_executor(RasaConversations(pipeline, store, mapping), args.actions)
    logging.getLogger("tod.rasa").info("pipeline %s ready; conversation states in %s", pipeline.name, store.path)

    def stop() -> None:
        actions.close()
        store.close()

    settings = ServerSettings(host=args.host, port=args.port, max_body=args.max_body_kb * 1024, cors=args.cors)
    serve(executor, settings, on_stop=stop)
    return 0
