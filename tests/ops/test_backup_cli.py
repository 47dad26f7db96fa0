"""`flask backup` and `flask restore` from the command line."""

from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from sharing import create_app
from sharing.extensions import db
from sharing.models import Site
from tests.conftest import make_test_config


def test_backup_and_restore_commands(spare_database_url, tmp_path):
    app = create_app(make_test_config(spare_database_url))
    runner = app.test_cli_runner()
    with app.app_context():
        upgrade()
        db.session.add(Site(name="Lindenhof", timezone="Europe/Berlin"))
        db.session.commit()
        target = tmp_path / "nightly.bak"

        result = runner.invoke(args=["backup", str(target)])
        assert result.exit_code == 0, result.output
        assert "backup written" in result.output and target.stat().st_size > 0
        again = runner.invoke(args=["backup", str(target)])
        assert again.exit_code != 0 and "exists already" in again.output

        db.session.add(Site(name="Added after the backup", timezone="UTC"))
        db.session.commit()
        refused = runner.invoke(args=["restore", str(target)], input="n\n")
        assert refused.exit_code != 0 and "Aborted" in refused.output
        assert db.session.scalar(select(func.count()).select_from(Site)) == 2

        restored = runner.invoke(args=["restore", str(target), "--yes"])
        assert restored.exit_code == 0, restored.output
        assert db.session.scalars(select(Site.name)).all() == ["Lindenhof"]

        default = runner.invoke(args=["backup"])
        assert default.exit_code == 0 and "/backups/quartierauto-" in default.output
        db.session.remove()
        db.engine.dispose()


def test_restore_refuses_a_file_that_is_no_backup(spare_database_url, tmp_path):
    app = create_app(make_test_config(spare_database_url))
    junk = tmp_path / "junk.bak"
    junk.write_bytes(b"not a database at all" * 100)
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["restore", str(junk), "--yes"])
        assert result.exit_code != 0 and ("failed" in result.output or "not a usable" in result.output)
        db.engine.dispose()


def test_postgresql_restore_as_a_database_owner_who_is_no_superuser(db_kind, tmp_path):
    """Production: the app's user owns the database, a superuser created btree_gist once."""
    if db_kind != "postgresql":
        pytest.skip("PostgreSQL roles")
    import uuid

    import psycopg

    from sharing.services import backup
    from tests.conftest import PG_ADMIN_URL

    name = f"qa_owner_{uuid.uuid4().hex[:8]}"
    host_part = PG_ADMIN_URL.split("@", 1)[1].rsplit("/", 1)[0]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{name}" LOGIN')
        conn.execute(f'CREATE DATABASE "{name}" OWNER "{name}"')
    with psycopg.connect(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", autocommit=True) as conn:
        conn.execute("CREATE EXTENSION btree_gist")
    url = f"postgresql+psycopg://{name}@{host_part}/{name}"
    try:
        app = create_app(make_test_config(url))
        with app.app_context():
            upgrade()
            db.session.add(Site(name="Lindenhof", timezone="Europe/Berlin"))
            db.session.commit()
            dump = backup.backup(url, tmp_path / "owner.dump").path
            db.session.add(Site(name="Later", timezone="UTC"))
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
            backup.restore(url, dump)  # DROP EXTENSION would need the superuser: it is left alone
            assert db.session.scalars(select(Site.name)).all() == ["Lindenhof"]
            db.session.remove()
            db.engine.dispose()
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'DROP ROLE IF EXISTS "{name}"')
