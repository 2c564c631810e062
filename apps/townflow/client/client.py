"""A requests client for any Frappe-compatible site: the embedded runtime or real Frappe v15.

It speaks only the REST contract both sites answer (docs/architecture.md, DESIGN.md):
`/api/method/login`, `/api/resource/<DocType>`, `/api/method/<dotted.name>`, token auth
(`Authorization: token key:secret`) and Frappe's error format, raised as typed exceptions
(`townflow.client.errors`). Nothing here knows about townflow's DocTypes, so `townflow push/pull`
and tests can point it at any site.

Cookie sessions: after `login`, a site that hands out a CSRF token (the embedded runtime does, in
the login answer) gets it back in `X-Frappe-CSRF-Token` on every change; real Frappe gives API
logins no token and asks for none.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from townflow.client.errors import (
    FrappeClientConfigError,
    FrappeError,
    MethodNotFoundError,
    NotAFrappeSiteError,
    SiteUnreachableError,
    error_for,
)

DEFAULT_TIMEOUT = 30.0


def _json_arg(value: Any) -> Any:
    """Lists and dicts travel as JSON text, as Frappe's own JS client sends them."""
    return json.dumps(value, default=str) if isinstance(value, list | dict | tuple) else value


class FrappeClient:
    """`FrappeClient(url, token="key:secret")` or `FrappeClient(url, usr=..., pwd=...)`."""

    def __init__(
        self,
        url: str,
        token: str | tuple[str, str] | None = None,
        *,
        usr: str | None = None,
        pwd: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        verify: bool | str = True,
        session: requests.Session | None = None,
    ):
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise FrappeClientConfigError(f"not an http(s) URL: {url!r}")
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.http = session or requests.Session()
        self.http.verify = verify
        self.http.headers.update({"Accept": "application/json"})
        self.csrf_token: str | None = None
        self.user: str | None = None
        if token:
            self.set_token(token)
        elif usr:
            self.login(usr, pwd or "")

    # -- authentication --------------------------------------------------------------------

    def set_token(self, token: str | tuple[str, str]) -> None:
        key, secret = token if isinstance(token, tuple) else ([*token.split(":", 1), ""])[:2]
        if not key or not secret:
            raise FrappeClientConfigError("a token is 'api_key:api_secret'")
        self.http.headers["Authorization"] = f"token {key}:{secret}"

    def login(self, usr: str, pwd: str) -> dict[str, Any]:
        """Start a cookie session. Answers Frappe's `{"message": "Logged In", ...}`."""
        self.http.headers.pop("Authorization", None)
        body = self._request("POST", "/api/method/login", json={"usr": usr, "pwd": pwd})
        self.csrf_token = body.get("csrf_token") if isinstance(body, dict) else None
        self.user = usr
        return body

    def logout(self) -> None:
        self._request("POST", "/api/method/logout")
        self.csrf_token = None
        self.user = None

    def ping(self) -> str:
        """ "pong" from any Frappe site; raises SiteUnreachableError / NotAFrappeSiteError otherwise."""
        return self.call("ping", _http_method="GET")

    def get_logged_user(self) -> str:
        return self.call("frappe.auth.get_logged_user", _http_method="GET")

    def generate_keys(self, user: str) -> str:
        """Give `user` an API key (if none) and a new secret; answers the secret (System Manager)."""
        return self.call("frappe.core.doctype.user.user.generate_keys", user=user)["api_secret"]

    # -- documents -------------------------------------------------------------------------

    def get_list(
        self,
        doctype: str,
        fields: Iterable[str] | None = None,
        filters: Any = None,
        or_filters: Any = None,
        order_by: str | None = None,
        limit_start: int = 0,
        limit_page_length: int | None = 20,
    ) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"limit_start": limit_start}
        # Frappe treats 0 as "no limit"; None means the same here.
        params["limit_page_length"] = 0 if limit_page_length is None else limit_page_length
        if fields is not None:
            params["fields"] = json.dumps(list(fields))
        if filters:
            params["filters"] = _json_arg(filters)
        if or_filters:
            params["or_filters"] = _json_arg(or_filters)
        if order_by:
            params["order_by"] = order_by
        return self._request("GET", self._resource(doctype), params=params)["data"]

    def get_doc(self, doctype: str, name: str) -> dict[str, Any]:
        return self._request("GET", self._resource(doctype, name))["data"]

    def insert(self, doc: dict[str, Any]) -> dict[str, Any]:
        """Create `doc` (its `doctype` key says which); answers the saved document."""
        doctype = doc.get("doctype")
        if not doctype:
            raise FrappeClientConfigError("insert needs a doc with a 'doctype' key")
        return self._request("POST", self._resource(doctype), json=doc)["data"]

    def update(self, doc: dict[str, Any]) -> dict[str, Any]:
        """Save changes to an existing document (`doctype` and `name` keys); answers it."""
        if not doc.get("doctype") or not doc.get("name"):
            raise FrappeClientConfigError("update needs a doc with 'doctype' and 'name' keys")
        return self._request("PUT", self._resource(doc["doctype"], doc["name"]), json=doc)["data"]

    def delete(self, doctype: str, name: str) -> None:
        self._request("DELETE", self._resource(doctype, name))

    def submit(self, doc: dict[str, Any]) -> dict[str, Any]:
        """Submit a draft without a workflow (Frappe's frappe.client.submit)."""
        return self.call("frappe.client.submit", doc=_json_arg(doc))

    def cancel(self, doctype: str, name: str) -> dict[str, Any]:
        """Cancel a submitted document (Frappe's frappe.client.cancel)."""
        return self.call("frappe.client.cancel", doctype=doctype, name=name)

    def get_count(self, doctype: str, filters: Any = None) -> int:
        """Count with the user's permissions applied (Frappe's `frappe.client.get_count` does not)."""
        return int(
            self.call("frappe.desk.reportview.get_count", doctype=doctype, filters=_json_arg(filters or []))
        )

    def get_value(self, doctype: str, fieldname: str | list[str], filters: Any = None) -> Any:
        return self.call(
            "frappe.client.get_value",
            _http_method="GET",
            doctype=doctype,
            fieldname=_json_arg(fieldname),
            filters=_json_arg(filters),
        )

    # -- workflow (Frappe's own calls) -----------------------------------------------------

    def get_transitions(self, doc: dict[str, Any]) -> list[dict[str, Any]]:
        return self.call("frappe.model.workflow.get_transitions", doc=_json_arg(doc))

    def apply_workflow(self, doc: dict[str, Any], action: str, comment: str | None = None) -> dict[str, Any]:
        """Frappe's apply_workflow; `comment` (required on reject/return here) is ignored by Frappe."""
        return self.call(
            "frappe.model.workflow.apply_workflow", doc=_json_arg(doc), action=action, comment=comment
        )

    # -- reports (Frappe's query_report.run, the same answer from both runtimes) -------------

    def run_report(self, report_name: str, filters: dict[str, Any] | None = None) -> dict[str, Any]:
        """Frappe's `frappe.desk.query_report.run`: {"result", "columns", "chart", "report_summary", ...}."""
        return self.call(
            "frappe.desk.query_report.run",
            _http_method="GET",
            report_name=report_name,
            filters=_json_arg(filters or {}),
        )

    # -- townflow's approval calls (`townflow.api.*`, also in the Frappe app) ---------------

    def inbox(self, tab: str = "todo", **kwargs: Any) -> dict[str, Any]:
        return self.call("townflow.api.inbox", _http_method="GET", tab=tab, **kwargs)

    def return_to(
        self, doc: dict[str, Any], to_state: str | None = None, comment: str = ""
    ) -> dict[str, Any]:
        return self.call("townflow.api.return_to", doc=_json_arg(doc), to_state=to_state, comment=comment)

    def withdraw(self, doc: dict[str, Any], comment: str = "") -> dict[str, Any]:
        return self.call("townflow.api.withdraw", doc=_json_arg(doc), comment=comment)

    def delegate(self, doc: dict[str, Any], to_user: str, comment: str = "") -> dict[str, Any]:
        return self.call("townflow.api.delegate", doc=_json_arg(doc), to_user=to_user, comment=comment)

    def comment(self, doctype: str, name: str, content: str) -> dict[str, Any]:
        return self.call("townflow.api.comment", doctype=doctype, name=name, content=content)

    def timeline(self, doctype: str, name: str) -> list[dict[str, Any]]:
        return self.call("townflow.api.timeline", _http_method="GET", doctype=doctype, name=name)

    def bulk_apply(self, doctype: str, names: list[str], action: str, comment: str = "") -> dict[str, Any]:
        return self.call(
            "townflow.api.bulk_apply", doctype=doctype, names=_json_arg(names), action=action, comment=comment
        )

    # -- any whitelisted method ------------------------------------------------------------

    def call(self, method: str, _http_method: str = "POST", **kwargs: Any) -> Any:
        """Call `/api/method/<method>` and answer its `message`."""
        args = {k: v for k, v in kwargs.items() if v is not None}
        path = "/api/method/" + quote(method, safe=".")
        if _http_method.upper() == "GET":
            params = {k: _json_arg(v) for k, v in args.items()}
            body = self._request("GET", path, params=params, method_call=True)
        else:
            body = self._request(_http_method.upper(), path, json=args, method_call=True)
        return body.get("message") if isinstance(body, dict) else body

    # -- plumbing --------------------------------------------------------------------------

    def _resource(self, doctype: str, name: str | None = None) -> str:
        path = "/api/resource/" + quote(doctype, safe="")
        return path + ("/" + quote(str(name), safe="") if name is not None else "")

    def _request(self, http_method: str, path: str, *, method_call: bool = False, **kwargs: Any) -> Any:
        url = self.url + path
        headers = {}
        if self.csrf_token and http_method not in {"GET", "HEAD", "OPTIONS"}:
            headers["X-Frappe-CSRF-Token"] = self.csrf_token
        try:
            response = self.http.request(http_method, url, headers=headers, timeout=self.timeout, **kwargs)
        except requests.exceptions.ConnectionError as exc:
            raise SiteUnreachableError(f"cannot connect to {self.url}: {_reason(exc)}") from None
        except requests.exceptions.Timeout:
            raise SiteUnreachableError(f"{self.url} did not answer within {self.timeout:g} s") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            if body is None:
                if method_call and response.status_code == 404:
                    raise MethodNotFoundError(404, None, [f"no method at {path}"], None, url)
                raise NotAFrappeSiteError(
                    f"{url} answered {response.status_code} without Frappe's JSON: is the URL a Frappe site?"
                )
            raise error_for(response.status_code, body, url, method_call=method_call)
        if body is None:
            raise NotAFrappeSiteError(f"{url} answered {response.status_code} but not with JSON")
        return body


def _reason(exc: Exception) -> str:
    text = str(exc)
    if "Connection refused" in text or "ConnectionRefusedError" in text:
        return "connection refused (is the site running on that host and port?)"
    if "Name or service not known" in text or "NameResolutionError" in text:
        return "unknown host name"
    return text


__all__ = ["FrappeClient", "FrappeClientConfigError", "FrappeError"]
