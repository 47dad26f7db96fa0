"""`flask create-admin` and `flask seed-demo`."""

from __future__ import annotations

from sqlalchemy import func, select

from sharing.models import Booking, ChargingPoint, Household, User, Vehicle
from sharing.services import demo
from tests.conftest import login


def test_create_admin_from_stdin(runner, client, session):
    result = runner.invoke(args=["create-admin", "Chefin@Example.org", "--password-stdin"],
                           input="ein-sicheres-passwort\n")
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.email == "chefin@example.org"))
    assert user is not None and user.is_admin
    assert login(client, "chefin@example.org", "ein-sicheres-passwort").status_code == 302
    assert client.get("/admin/").status_code == 200


def test_create_admin_prompts_for_the_password(runner, session):
    result = runner.invoke(args=["create-admin", "root@example.org"],
                           input="ein-sicheres-passwort\nein-sicheres-passwort\n")
    assert result.exit_code == 0, result.output
    assert session.scalar(select(User).where(User.email == "root@example.org")).is_admin


def test_create_admin_refuses_a_short_password(runner, session):
    result = runner.invoke(args=["create-admin", "root@example.org", "--password-stdin"], input="kurz\n")
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    assert session.scalar(select(User).where(User.email == "root@example.org")) is None


def test_create_admin_refuses_an_invalid_address(runner):
    result = runner.invoke(args=["create-admin", "not-an-address", "--password-stdin"],
                           input="ein-sicheres-passwort\n")
    assert result.exit_code != 0 and "valid e-mail" in result.output


def test_seed_demo_builds_a_believable_neighbourhood(runner, client, session):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert demo.DEMO_ADMIN[0] in result.output and demo.DEMO_RESIDENT[1] in result.output

    def count(model):
        return session.scalar(select(func.count()).select_from(model))

    assert count(Vehicle) == 6 and count(ChargingPoint) == 3 and count(Household) == 20
    residents = session.scalar(select(func.count()).select_from(User).where(User.role == "resident"))
    assert 30 <= residents <= 40
    assert count(Booking) > 40
    models = {v.model for v in session.scalars(select(Vehicle))}
    assert len(models) == 6
    assert login(client, *demo.DEMO_ADMIN).status_code == 302
    assert login(client.application.test_client(), *demo.DEMO_RESIDENT).status_code == 302
    # A second run changes nothing.
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "exists already" in again.output
    assert count(Vehicle) == 6
