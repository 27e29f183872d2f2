"""Diffing: typed field changes, text diffs and the rule that decides what counts as a change."""
