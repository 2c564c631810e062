"""The web layer: one FastAPI app per site serving the Frappe-compatible REST API and the pages.

    from townflow.web.app import create_app
    app = create_app(site)                 # site: townflow.runtime.site.Site

Modules: `app` (factory), `auth` (cookie sessions, API tokens, CSRF; dependencies
`current_session` / `SessionDep` for routes, `csrf_token(request)` for templates), `errors`
(Frappe's error answers), `api_auth`, `api_resource`, `api_methods` (the REST API),
`openapi`, `security` (headers, `WebSettings`), `commands` (`townflow serve`, `townflow demo`),
`demo*` (demo data), `pages/` (HTML, installed by `create_app` when present).
The web layer adds no rules: everything a user may see or do is what the runtime answers.
"""
