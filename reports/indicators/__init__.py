"""The indicator registry: every figure of the annual report, computed once (issue 4)."""
