// Copyright (c) 2024, townflow and contributors
// For license information, please see license.txt

// frappe.ui.form.on("Public Notice", {
// 	refresh(frm) {

// 	},
// });
