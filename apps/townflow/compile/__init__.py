"""townflow.compile: the spec compiled into a standard Frappe v15 app (apps/care_for_girls).

`build_files(project)` answers every generated file as bytes (deterministic: the same spec gives
byte-identical files on every run); `write_tree` writes them and removes stale ones;
`differences` is what `townflow build --check` reports. The app's hand-written extension code
(`care_for_girls/townflow_ext/`) is never generated or touched.
"""

from townflow.compile.tree import API_METHODS, build_files, differences, write_tree

__all__ = ["API_METHODS", "build_files", "differences", "write_tree"]
