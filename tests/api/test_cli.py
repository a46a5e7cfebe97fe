"""`flask` commands: seed-demo (idempotent), create-officer, revoke-device."""
from __future__ import annotations

from sqlalchemy import func, select

from backend.auth.models import Certificate, Officer
from backend.catalog.models import DiscretionTier, EmpoweredMatter, Grid, Matter
from backend.extensions import db


def _counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            m.__name__: db.session.scalar(select(func.count()).select_from(m))
            for m in (Officer, Certificate, Grid, Matter, DiscretionTier, EmpoweredMatter)
        }


def test_seed_demo_is_idempotent(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "grids" in first.output
    counts = _counts(app)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert _counts(app) == counts
    assert counts["Grid"] >= 20 and counts["Matter"] >= 30


def test_seed_demo_keeps_a_changed_password(app, runner, client, auth):
    runner.invoke(args=["seed-demo"])
    with app.app_context():
        from backend.auth.passwords import hash_password

        db.session.query(Officer).filter_by(username="zd001").update({"password_hash": hash_password("changed-123")})
        db.session.commit()
    runner.invoke(args=["seed-demo"])
    auth.login("zd001", password="changed-123")


def test_create_officer_command(app, runner, demo, auth):
    result = runner.invoke(
        args=["create-officer", "--username", "zf050", "--name", "测试", "--role", "officer",
              "--jurisdiction", "330211004", "--certificate-number", "浙综执 0050",
              "--domains", "市容环卫,生态环境", "--valid-until", "2029-01-01"],
        env={"OFFICER_PASSWORD": "pass-1234"},
    )
    assert result.exit_code == 0, result.output
    assert "created officer zf050" in result.output
    s = auth.login("zf050", password="pass-1234")
    assert s.body["officer"]["certificates"][0]["domains"] == ["市容环卫", "生态环境"]


def test_create_officer_command_refusals(runner, demo):
    bad_jur = runner.invoke(args=["create-officer", "--username", "x1", "--name", "x", "--role", "officer",
                                  "--jurisdiction", "999"], env={"OFFICER_PASSWORD": "pass-1234"})
    assert bad_jur.exit_code != 0 and "no jurisdiction" in bad_jur.output
    taken = runner.invoke(args=["create-officer", "--username", "zf001", "--name", "x", "--role", "officer",
                                "--jurisdiction", "330211004"], env={"OFFICER_PASSWORD": "pass-1234"})
    assert taken.exit_code != 0 and "officer.username_taken" in taken.output


def test_revoke_device_command_cuts_the_phone_off(runner, client, demo, auth):
    s = auth.login("zf001")
    result = runner.invoke(args=["revoke-device", s.device_id, "--reason", "stolen"])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/me", headers=s.headers).status_code == 401
    missing = runner.invoke(args=["revoke-device", "dev-not-there"])
    assert missing.exit_code == 1
