"""Out-of-task fallbacks: the reply to a user turn the task stages cannot handle.

``retrieval`` (FAQ, database facts, a steer back; no LLM), ``openai`` (an OpenAI-compatible
chat-completions endpoint) and ``local-lm`` (a local transformers causal LM); see docs/fallback.md.
Importing this package imports nothing heavy.
"""
