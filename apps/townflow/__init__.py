"""townflow: low-code forms and approval workflows, one YAML spec, two runtimes.

Layers (imports only point downwards):
  spec, expr, rules    pure: pydantic + PyYAML only, installable on a Frappe bench
  runtime              embedded engine on SQLite
  web                  FastAPI app: REST API + pages over the runtime
  compile, client      the Frappe app generator and a requests client for any Frappe-compatible site
"""

__version__ = "0.1.0"
