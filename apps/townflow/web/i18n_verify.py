"""Page words of the public verification page, the certificates' QR box and PDF downloads
(issue 17 point 3), zh and en; merged into `townflow.web.i18n.STRINGS`."""

from __future__ import annotations

VERIFY_STRINGS: dict[str, tuple[str, str]] = {
    "birth_certificate_title": ("生育服务证", "Birth Service Certificate"),
    "verify_code": ("核验码", "Verification code"),
    "verify_hint": (
        "扫描二维码或访问以下网址，输入编号和核验码可查验真伪",
        "Scan the QR code or open this address to check the paper with its serial and code",
    ),
    "download_pdf": ("下载 PDF", "Download PDF"),
    "print_selected_pdf": ("所选批量打印（PDF）", "Print selected (PDF)"),
    "verify_title": ("证件核验", "Verify a certificate"),
    "verify_intro": (
        "输入证件或通知书上的编号和核验码，查验其是否有效。本页不显示任何个人信息。",
        "Type the serial and the verification code printed on the certificate or notice. "
        "This page shows no personal data.",
    ),
    "verify_serial": ("编号", "Serial"),
    "verify_submit": ("核验", "Verify"),
    "verify_not_found": (
        "未找到：编号或核验码不正确",
        "Not found: the serial or the verification code is wrong",
    ),
    "verify_too_many": (
        "查询过于频繁，请稍后再试",
        "Too many lookups from your address; try again shortly",
    ),
    "verify_status_valid": ("有效", "Valid"),
    "verify_status_used": ("已使用", "Used"),
    "verify_status_expired": ("已过期", "Expired"),
    "verify_status_revoked": ("已撤销", "Revoked"),
    "verify_kind_certificate": ("终止妊娠手术凭证", "Termination certificate"),
    "verify_kind_birth_certificate": ("生育服务证", "Birth service certificate"),
    "verify_kind_notice": ("审批通知书", "Approval notice"),
    "verify_kind": ("证件类别", "Kind"),
    "verify_office": ("签发单位", "Issued by"),
    "verify_facility": ("指定机构", "Facility"),
    "verify_valid_from": ("有效期自", "Valid from"),
    "verify_valid_until": ("有效期至", "Valid until"),
    "verify_no_expiry": ("长期有效", "No expiry"),
}
