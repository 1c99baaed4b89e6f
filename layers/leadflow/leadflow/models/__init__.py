"""Pydantic models: what leadflow accepts, stores, publishes and is configured with."""
