"""Loads the rethink pytest plugin (options --scale, --dataset, ...; fixtures scale, lab, record)."""

pytest_plugins = ["rethink_core.plugin"]
