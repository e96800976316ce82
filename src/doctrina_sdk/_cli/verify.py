"""``doctrina verify CODE``: the public certificate check, as a table."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from ._app import (
    EXIT_NOT_VALID,
    AdminKeyOption,
    JsonOption,
    ProjectRootOption,
    ServiceDataDirOption,
    UrlOption,
    app,
    connect,
    console,
    one_line_errors,
    print_json,
)

EXAMPLES = """
Examples:

    doctrina verify K7Q2-9XJD-4MPA           # a table; exit 0 only for a valid certificate
    doctrina verify K7Q2-9XJD-4MPA --json    # {"code": ..., "valid": true, "certificate": {...}}
"""


@app.command(epilog=EXAMPLES)
def verify(
    code: Annotated[str, typer.Argument(help="The certificate's verification code.")],
    json_output: JsonOption = False,
    url: UrlOption = None,
    admin_key: AdminKeyOption = None,
    data_dir: ServiceDataDirOption = None,
    project_root: ProjectRootOption = None,
) -> int:
    """Check a certificate by its verification code (exit 3 unless it is valid)."""
    connection = connect(url=url, admin_key=admin_key, data_dir=data_dir, project_root=project_root)
    with one_line_errors(), connection as client:
        found = client.certificates.verify(code)
    valid = found is not None and found.status == "valid"
    if json_output:
        certificate = None if found is None else found.model_dump(mode="json", by_alias=False)
        print_json({"code": code, "valid": valid, "certificate": certificate})
    elif found is None:
        console().print(f"No certificate has the verification code {code}.", markup=False)
    else:
        table = Table(title=f"Certificate {code}", show_header=False)
        table.add_column("field", style="bold")
        table.add_column("value")
        rows = {
            "status": found.status,
            "learner": found.user_name,
            "course": found.course_name,
            "instructor": found.instructor_name,
            "issued": _date(found.issue_date),
            "expires": _date(found.expiry_date),
            "revoked": _date(found.revoked_at),
        }
        for field, value in rows.items():
            table.add_row(field, value)
        console().print(table)
    if not valid:
        raise typer.Exit(EXIT_NOT_VALID)
    return 0


def _date(value: datetime | None) -> str:
    return "-" if value is None else f"{value:%Y-%m-%d}"
