# Copyright (c) 2024, townflow and Contributors
# See license.txt

# import frappe
from frappe.tests.utils import FrappeTestCase


class TestNoticeOutbox(FrappeTestCase):
    pass
