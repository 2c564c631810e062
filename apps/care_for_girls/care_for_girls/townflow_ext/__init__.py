"""Hand-written extension code of the Care for Girls app: what Frappe lacks, done by calling the
pure townflow layer (townflow.rules, townflow.expr, the spec models).

`townflow build` never generates or touches this package. hooks.py wires it: doc_events ->
events, override_whitelisted_methods -> api, scheduler_events -> scheduler, after_install and
after_migrate -> install. The spec it reads is the bundle `townflow build` writes beside
hooks.py (care_for_girls/townflow_spec.json), so the app and the YAML cannot drift.
"""
