"""`leadbot import-orders`: a whole file or nothing, re-imports add nothing, owners by id or email."""

import subprocess

import pytest
from sqlalchemy import func, select

from bot.store.models import Account, Order
from tests.conftest import BOB, BOT_TOKEN, SIGNING_SECRET
from tests.test_cli import LEADBOT, _env

pytestmark = pytest.mark.slow

GOOD = (
    "company,ordered_on,amount,currency,owner,ref\n"
    "Zhang Metalworks Co. Ltd.,2026-01-10,\"2,400\",CNY,bob@example.com,INV-1\n"
    "zhang metalworks,2026-04-02,¥3000,,,INV-2\n"
    "ZHANG METALWORKS,2026-07-10,2.5k,,,INV-3\n"
)


def _run(tmp_path, database_url, slack, content: bytes | str, *extra) -> subprocess.CompletedProcess:
    path = tmp_path / "orders.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    env = _env(
        tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=slack.base_url,
        DATABASE_URL=database_url,
    )
    return subprocess.run(
        [LEADBOT, "import-orders", str(path), *extra], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=120,
    )


def _orders(db) -> int:
    with db.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(Order))


def test_a_file_with_a_byte_order_mark_imports_into_one_account_owned_by_email(tmp_path, database_url, slack, db):
    result = _run(tmp_path, database_url, slack, "\ufeff" + GOOD)
    assert result.returncode == 0, result.stderr
    assert "imported 3 orders for 1 accounts" in result.stdout
    with db.uow() as uow:
        account = uow.session.scalars(select(Account)).one()
        assert (account.team_id, account.owner_id) == ("T0001", BOB)
    assert _orders(db) == 3


def test_reimporting_the_same_file_adds_nothing(tmp_path, database_url, slack, db):
    _run(tmp_path, database_url, slack, GOOD)
    again = _run(tmp_path, database_url, slack, GOOD)
    assert "imported 0 orders" in again.stdout and "3 were there already" in again.stdout
    assert _orders(db) == 3


def test_rows_without_ref_are_recognised_by_company_date_and_amount(tmp_path, database_url, slack, db):
    rows = "company,ordered_on,amount\nAcme,2026-01-10,100\nAcme Inc.,2026-01-10,100.00\nAcme,2026-01-11,100\n"
    first = _run(tmp_path, database_url, slack, rows)
    assert "imported 2 orders" in first.stdout and "1 were there already" in first.stdout


@pytest.mark.parametrize(
    "row,why",
    [
        ("Acme,2026-02-30,100", "line 3: ordered_on '2026-02-30' is not a date"),
        ("Acme,2026-02-01,lots", "line 3: amount 'lots' is not an amount"),
        (",2026-02-01,100", "line 3: company is empty"),
        ("Acme,2026-02-01,100,XX", "line 3: currency 'XX' is not a currency code"),
        ("Acme,2026-02-01,100,,nobody@example.com", "line 3: owner 'nobody@example.com' is not a Slack user id"),
        ("Acme,2099-02-01,100", "line 3: ordered_on 2099-02-01 is in the future"),
    ],
)
def test_one_bad_row_stops_the_file_and_nothing_is_imported(tmp_path, database_url, slack, db, row, why):
    content = "company,ordered_on,amount,currency,owner\nGood Co,2026-01-01,100\n" + row + "\nGood Co,2026-01-02,200\n"
    result = _run(tmp_path, database_url, slack, content)
    assert result.returncode == 1
    assert why in result.stderr and "nothing was imported" in result.stderr and "Traceback" not in result.stderr
    assert _orders(db) == 0


def test_a_missing_column_is_named(tmp_path, database_url, slack, db):
    result = _run(tmp_path, database_url, slack, "company,amount\nAcme,100\n")
    assert result.returncode == 1 and "line 1: missing column ordered_on" in result.stderr


def test_a_file_that_is_not_utf8_is_refused_in_words(tmp_path, database_url, slack, db):
    result = _run(tmp_path, database_url, slack, "company,ordered_on,amount\n张三,2026-01-01,100\n".encode("gbk"))
    assert result.returncode == 1 and "not UTF-8" in result.stderr


def test_a_large_file_shows_progress_and_imports_in_one_go(tmp_path, database_url, slack, db):
    lines = ["company,ordered_on,amount"] + [
        f"Customer {chr(65 + n % 26)}{n},2026-01-{1 + n % 28:02d},{100 + n}" for n in range(1500)
    ]
    result = _run(tmp_path, database_url, slack, "\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert "reading 1500/1500 rows (100%)" in result.stderr
    assert _orders(db) == 1500
