// Runs the compiled 随访 page (followups.js, path in argv[2]) over a stand-in of the Frappe desk:
// loads the page, clicks a due visit's "record visit" button, fills the dialog (the drawn
// signature as a data URL) and prints, as JSON, the page's HTML, the dialog's fields and every
// upload and save it made. Used by tests/compile/test_compile_followups_signature.py.
const fs = require("fs");
const calls = [];
const html = [];
let dialog = null;
let click = null;
global.__ = (s) => s;
global.FormData = class {
	constructor() { this.entries = []; }
	append(key, value, filename) { this.entries.push([key, typeof value === "object" ? `blob:${filename}` : String(value)]); }
};
global.fetch = (url, opts) => {
	if (url.startsWith("data:")) return Promise.resolve({ blob: () => Promise.resolve({}) });
	calls.push({ url, form: opts.body.entries, csrf: opts.headers["X-Frappe-CSRF-Token"] });
	return Promise.resolve({ json: () => Promise.resolve({ message: { file_url: "/private/files/signature-PR-1.png" } }) });
};
const body = {
	html(h) { html.push(h); return body; },
	find() { return { on(event, fn) { click = fn; } }; },
};
global.$ = (x) => (typeof x === "string" ? { appendTo: () => body } : { attr: (k) => x[k] });
global.frappe = {
	pages: { followups: {} },
	csrf_token: "csrf-1",
	session: { user_fullname: "王敏" },
	ui: {
		make_app_page: () => ({ main: {}, set_primary_action() {} }),
		Dialog: class {
			constructor(opts) { this.opts = opts; dialog = this; }
			show() { this.shown = true; }
			hide() { this.hidden = true; }
			disable_primary_action() {}
			enable_primary_action() {}
		},
	},
	call(opts) {
		if (opts.method.endsWith("followups_page")) {
			return Promise.resolve({ message: [
				{ record: "PR-1", kind: "visit", title: "<b>李秀英</b>", label: "随访", due_text: "已超期3天", overdue: true },
				{ record: "PR-2", kind: "outcome", title: "张兰", label: "妊娠结局", due_text: "", overdue: false },
			] });
		}
		calls.push({ method: opts.method, doc: opts.args.doc });
		return Promise.resolve({});
	},
	model: { with_doctype: (doctype, fn) => fn() },
	meta: { get_docfield: () => ({ options: "Home Visit\nPregnancy Check" }) },
	datetime: { get_today: () => "2026-03-02" },
	utils: { escape_html: (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;") },
	db: { get_doc: (doctype, name) => Promise.resolve({ doctype, name, visits: [{ name: "V-1", visit_date: "2026-02-01" }] }) },
	show_alert() {},
	msgprint(m) { calls.push({ msgprint: m }); },
};
eval(fs.readFileSync(process.argv[2], "utf8"));
frappe.pages.followups.on_page_load({});
setTimeout(() => {
	click.call({ "data-record": "PR-1", "data-kind": "visit" });
	const fields = dialog.opts.fields.map((f) => [f.fieldname, f.fieldtype, f.reqd || 0, f.default || null]);
	dialog.opts.primary_action({
		visit_date: "2026-03-02", visit_type: "Home Visit", visitor: "王敏", findings: "孕妇情况良好",
		signed_by: "李秀英", signature: "data:image/png;base64,iVBORw0KGgo=",
	});
	setTimeout(() => {
		console.log(JSON.stringify({ html: html[html.length - 1], fields, calls, hidden: !!dialog.hidden }));
	}, 50);
}, 20);
