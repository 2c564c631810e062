"""townflow: low-code forms and approval workflows for a township office, on Frappe."""

from setuptools import find_packages, setup

setup(
    name="townflow",
    version="0.1.0",
    description="Low-code forms and approval workflows (YAML spec -> embedded runtime or a Frappe app)",
    python_requires=">=3.10",
    package_dir={"townflow": "apps/townflow"},
    packages=["townflow"] + ["townflow." + p for p in find_packages("apps/townflow")],
    include_package_data=True,
    package_data={"townflow": ["web/templates/**/*", "web/static/**/*", "py.typed"]},
    # The pure layer (spec, expr, rules) needs only the first two, so a Frappe bench can install it.
    # push and pull (townflow.client, compile.sync) talk HTTP and edit YAML keeping its layout.
    install_requires=["pydantic>=2.7,<3", "PyYAML>=6", "requests>=2.31", "ruamel.yaml>=0.18"],
    extras_require={
        # the embedded runtime (townflow.runtime): password hashing
        "runtime": ["argon2-cffi>=23.1", "chinese-calendar>=1.9", "pypinyin>=0.50"],
        "web": [
            "fastapi>=0.110",
            "uvicorn>=0.29",
            "jinja2>=3.1",
            "python-multipart>=0.0.9",
            "argon2-cffi>=23.1",
            "itsdangerous>=2.1",
            "requests>=2.31",
            "ruamel.yaml>=0.18",  # townflow pull: edits doctypes/*.yaml keeping comments and layout
            # working days (public holidays, 调休 make-up days); townflow.rules.workdays imports it lazily
            "chinese-calendar>=1.9",
            "openpyxl>=3.1",  # report Export Excel (.xlsx)
            "pypinyin>=0.50",  # search by pinyin (zxy finds 张小燕), townflow.rules.pinyin
            "segno>=1.6",  # the QR code on printed certificates and notices
            "weasyprint>=60",  # certificates and notices as PDF (needs Debian's pango, `make browser`)
            "lxml>=5",  # openpyxl streams .xlsx through lxml when present (import/export speed, issue 15)
        ],
        "test": [
            "pytest>=8",
            "hypothesis>=6.100",
            "httpx>=0.27",
            "playwright>=1.44",
            "schemathesis>=3.30",
            "ruff>=0.6",
            # Frappe v15's sandbox for workflow conditions; tests run generated conditions through it.
            "RestrictedPython~=7.0",
            # tests/install builds townflow's wheel offline (setuptools < 70 needs it for bdist_wheel)
            "wheel>=0.42",
            "pypdf>=4",  # the certificate PDFs' text, read back by the tests
            "pypdfium2>=4",  # renders the PDF page the QR code is read from
            "zxing-cpp>=2.2",  # decodes the printed QR code in the tests
        ],
    },
    entry_points={"console_scripts": ["townflow=townflow.cli:main"]},
)
