"""Loads the rethink pytest plugin (options --scale, --dataset, ...; fixtures scale, lab, record)
and pytester, which the plugin's own tests in tests/ use."""

pytest_plugins = ["rethink_core.plugin", "pytester"]
