"""Build-time checks of what `sam build` produces (never shipped in the layer)."""
