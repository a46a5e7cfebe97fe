"""`flask --app wsgi ...` commands: seed-demo, create-officer, revoke-device, audit verify,
backup create/verify/restore."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from .clock import local_today
from .errors import ApiError


def register_cli(app: Flask) -> None:
    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Load the demo street, grids, matters and logins, and a few general cases for the desk (idempotent)."""
        from .demo.cases import seed_demo_cases
        from .demo.seed import seed_demo as run

        summary = run()
        cases = seed_demo_cases()
        click.echo(
            f"demo data: {summary['jurisdictions']} jurisdictions, {summary['grids']} grids, "
            f"{summary['matters']} matters, {summary['officers']} officers, {cases} new general cases"
        )

    @app.cli.command("create-officer")
    @click.option("--username", required=True)
    @click.option("--name", required=True)
    @click.option("--role", type=click.Choice(["officer", "auxiliary", "supervisor", "admin"]), required=True)
    @click.option("--jurisdiction", "jurisdiction_code", help="jurisdiction code (omit for a district admin)")
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, envvar="OFFICER_PASSWORD")
    @click.option("--phone")
    @click.option("--certificate-number", help="执法证号 (officers only)")
    @click.option("--domains", help="comma-separated certificate domains (门类)")
    @click.option("--valid-until", type=click.DateTime(formats=["%Y-%m-%d"]))
    def create_officer(username, name, role, jurisdiction_code, password, phone, certificate_number, domains, valid_until) -> None:
        """Create an account (password from the prompt or $OFFICER_PASSWORD)."""
        from .auth import service
        from .catalog.models import Jurisdiction
        from .extensions import db

        jurisdiction_id = None
        if jurisdiction_code:
            jurisdiction_id = db.session.scalar(select(Jurisdiction.id).where(Jurisdiction.code == jurisdiction_code))
            if jurisdiction_id is None:
                raise click.ClickException(f"no jurisdiction with code {jurisdiction_code}")
        certificate = None
        if certificate_number:
            if not (domains and valid_until):
                raise click.ClickException("--certificate-number needs --domains and --valid-until")
            certificate = {
                "number": certificate_number,
                "domains": [d.strip() for d in domains.split(",") if d.strip()],
                "valid_from": local_today(),
                "valid_until": valid_until.date(),
            }
        try:
            officer = service.create_officer(
                username=username, name=name, role=role, password=password,
                jurisdiction_id=jurisdiction_id, phone=phone, certificate=certificate,
            )
        except ApiError as exc:
            raise click.ClickException(f"{exc.code}: {exc.message_en} / {exc.message_zh}") from exc
        click.echo(f"created {officer.role} {officer.username} (id {officer.id})")

    @app.cli.group("audit")
    def audit_group() -> None:
        """The hash-chained audit trail (执法全过程记录)."""

    @audit_group.command("verify")
    @click.option("--manifest", "manifest_path", type=click.Path(exists=True, dir_okay=False), default=None,
                  help="a case file's manifest (GET /api/v1/cases/<id>/file/manifest): check each item against the trail")
    def audit_verify(manifest_path: str | None) -> None:
        """Recompute every chain; exit 1 and name the first broken link if tampered. With
        --manifest, also check a case file's SHA-256 values against the trail."""
        import json

        from .audit.service import verify_all

        broken = 0
        checked = 0
        for chain, problem in verify_all():
            checked += 1
            if problem is None:
                click.echo(f"chain {chain}: intact")
            else:
                broken += 1
                click.echo(f"BROKEN {problem}", err=True)
        click.echo(f"{checked} chain(s) checked, {broken} broken")
        problems: list[str] = []
        if manifest_path:
            from .cases.desk import verify_manifest

            data = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
            problems = verify_manifest(data)
            for p in problems:
                click.echo(f"MANIFEST {p}", err=True)
            click.echo(f"manifest of case {data.get('case_number') or data.get('case_id')}: {len(data.get('items') or [])} item(s), "
                       f"{len(problems)} problem(s)")
        if broken or problems:
            sys.exit(1)

    @app.cli.group("backup")
    def backup_group() -> None:
        """Online backup of the database and the evidence photos, and restore."""

    def _backup_args() -> tuple[str, Path, list[str]]:
        from flask import current_app

        from .extensions import db

        return (current_app.config["SQLALCHEMY_DATABASE_URI"], Path(current_app.config["MEDIA_ROOT"]),
                [t.name for t in db.metadata.sorted_tables])

    @backup_group.command("create")
    @click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
    def backup_create(dest: Path) -> None:
        """Back up into DEST (a new directory) while the service keeps running."""
        from .backup.service import BackupError, create_backup

        url, media, tables = _backup_args()
        try:
            manifest = create_backup(url, media, dest, tables)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"backup written to {dest}: {manifest['database']['file']} ({manifest['database']['bytes']} bytes), "
                   f"{manifest['media']['originals']} photos ({manifest['media']['bytes']} bytes)")

    @backup_group.command("verify")
    @click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
    def backup_verify(src: Path) -> None:
        """Check a backup's checksums (database file and every photo)."""
        from .backup.service import BackupError, verify_backup

        try:
            manifest = verify_backup(src)
        except BackupError as exc:
            click.echo(f"backup damaged: {exc}", err=True)
            sys.exit(1)
        click.echo(f"backup ok: {manifest['database']['file']}, {manifest['media']['originals']} photos, taken {manifest['started_at']}")

    @backup_group.command("restore")
    @click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
    @click.option("--force", is_flag=True, help="replace a database that already holds data (stop the service first)")
    def backup_restore(src: Path, force: bool) -> None:
        """Restore SRC into the configured database and MEDIA_ROOT (service stopped)."""
        from .backup.service import BackupError, restore_backup
        from .extensions import db

        url, media, tables = _backup_args()
        db.session.remove()
        db.engine.dispose()  # no pooled connection may outlive the file being replaced
        try:
            result = restore_backup(src, url, media, tables, force=force)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from None
        rows = sum(result["restored_rows"].values())
        click.echo(f"restored {rows} rows and {result['media']['originals']} photos from {src}")

    @app.cli.group("holidays")
    def holidays_group() -> None:
        """The working-day calendar: State Council holiday notices (docs/tickets.md)."""

    @holidays_group.command("load")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def holidays_load(path: Path) -> None:
        """Load a notice from JSON: {"year", "holidays": [ISO dates], "workdays": [...], "source"}."""
        import json

        from .cases import holidays

        spec = json.loads(path.read_text(encoding="utf-8"))
        try:
            out = holidays.load_notice(int(spec["year"]), spec["holidays"], spec.get("workdays", []), spec["source"])
        except ApiError as exc:
            click.echo(f"{exc.code}: {exc.message_en} {exc.details}", err=True)
            sys.exit(1)
        click.echo(f"loaded {out['year']} ({out['source']}); {out['recomputed_cases']} open cases recounted")

    @holidays_group.command("show")
    def holidays_show() -> None:
        """Each year's source: notice, package or statutory (provisional)."""
        from .cases import holidays
        from .clock import local_today

        for y in holidays.years(local_today().year - 1, local_today().year + 2):
            click.echo(f"{y['year']}: {y['source']}{' (provisional)' if y['provisional'] else ''} {y['notice'] or ''}")

    @app.cli.command("revoke-device")
    @click.argument("device_id")
    @click.option("--reason", default="lost or stolen", show_default=True)
    def revoke_device(device_id: str, reason: str) -> None:
        """Cut a phone off at once: the device and all its sessions."""
        from .auth import service

        try:
            device = service.revoke_device(service.get_device(device_id), reason)
        except ApiError as exc:
            click.echo(f"{exc.code}: {exc.message_en}", err=True)
            sys.exit(1)
        click.echo(f"revoked device {device.device_id} at {device.revoked_at.isoformat()}")

    from .patrols.partitions_cli import fixes_group; app.cli.add_command(fixes_group)  # noqa: E702 - flask fixes … (docs/patrol-storage.md)
