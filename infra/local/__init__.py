"""The local runtime: the whole leadflow stack from template.yaml in one process on moto. Never shipped in the layer."""
