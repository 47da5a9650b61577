"""A small rasa-sdk action package for the tests: a booking, a refusal, a failure, a slow action, a counter."""
